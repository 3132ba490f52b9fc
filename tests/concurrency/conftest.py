"""Fixtures of the concurrency tests: a committed table with its endpoint, a token, live servers.

These tests commit (other processes must see the data), so they use `transactional_db` and
create their table with raw SQL, dropping it afterwards.
"""

import json
import os
import urllib.error
import urllib.request

from django.contrib.auth import get_user_model
from django.db import connection

import pytest

from dataexchange.auth.models import AccessToken
from tests.support.ddl import create_tables, drop_tables
from tests.support.endpoints import make_endpoint
from tests.support.servers import database_url, free_port, start_server, stop_server

TABLE = "cc_item"
ALIAS = "cc-items"
FIELDS = [
    dict(column_name="id", type="integer", is_creatable=True, is_editable=False),
    dict(column_name="name", type="string", max_length=40),
    dict(column_name="qty", type="integer"),
]


@pytest.fixture
def cc_items(transactional_db):
    """Create table `cc_item` with rows 1..5 and its endpoint `cc-items`; drop it afterwards."""
    create_tables({TABLE: "id {pk}, name VARCHAR(40), qty INTEGER"})
    with connection.cursor() as cursor:
        for n in range(1, 6):  # ids 1..5 from the sequence, so that POSTs go on from there
            cursor.execute(f"INSERT INTO {TABLE} (name, qty) VALUES (%s, 0)", [f"r{n}"])
    endpoint = make_endpoint(ALIAS, TABLE, "id", FIELDS)
    yield endpoint
    drop_tables(TABLE)


def stored_rows():
    """Return {id: (name, qty)} of the committed rows of `cc_item`."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id, name, qty FROM {TABLE}")
        return {row[0]: (row[1], row[2]) for row in cursor.fetchall()}


@pytest.fixture
def token(transactional_db):
    """Return the raw access token of a fresh superuser."""
    user = get_user_model().objects.create_superuser("cc", "cc@example.com", "pw")
    return AccessToken.objects.issue(user)[1]


@pytest.fixture
def serve(transactional_db):
    """Return a function starting the test server (`workers` × `threads`) on the test database with
    extra environment variables; every server started is stopped after the test."""
    started = []

    def start(workers=2, threads=4, **extra):
        env = {
            **os.environ,
            "DATABASE_URL": database_url(),
            "DEBUG": "0",
            "SECRET_KEY": "concurrency-test-secret-key-0123456789abcdefghijklmnopqrstuvwxyz",
            "ALLOWED_HOSTS": "127.0.0.1",
            **extra,
        }
        port = free_port()
        started.append(start_server(port, env, workers=workers, threads=threads))
        return port

    yield start
    for process in started:
        stop_server(process)


def call(port, method, path, token, body=None, timeout=60):
    """Send one API request; return (status, headers, parsed body)."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/dynamic-entity/{path}",
        data=data,
        method=method,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, dict(response.headers), json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        raw = error.read()
        try:
            parsed = json.loads(raw or b"null")
        except ValueError:
            parsed = raw.decode(errors="replace")
        return error.code, dict(error.headers), parsed
