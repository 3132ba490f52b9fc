"""A SQLite write that waits for another writer's lock longer than the busy timeout answers
503 1415 with Retry-After, in the API's and in /token's error shape, never 500 (issue 13)."""

import json
import sqlite3
import time
import urllib.error
import urllib.request
from contextlib import contextmanager

from django.db import connection

import pytest

from tests.concurrency.conftest import ALIAS, call, stored_rows

pytestmark = [
    pytest.mark.multiprocess,
    pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's single-writer lock"),
]

BUSY = "The service is temporarily unavailable. Try again in 1 seconds."


@contextmanager
def write_lock():
    """Hold SQLite's write lock on the test database from a connection of our own."""
    holder = sqlite3.connect(connection.settings_dict["NAME"], isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")
        yield
        holder.execute("ROLLBACK")
    finally:
        holder.close()


def post_token(port, username, password):
    """Ask /token for a password grant; return (status, headers, parsed body)."""
    body = json.dumps({"grant_type": "password", "username": username, "password": password})
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/token",
        data=body.encode(),
        method="POST",
        headers={"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, dict(response.headers), json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), json.loads(error.read())


def test_a_write_busy_beyond_the_timeout_answers_503_then_succeeds(cc_items, token, serve):
    port = serve(workers=1, threads=2, DB_BUSY_TIMEOUT="1")
    patch = {"data": {"qty": 7}}
    with write_lock():
        started = time.monotonic()
        status, headers, body = call(port, "PATCH", f"{ALIAS}/1", token, body=patch)
        waited = time.monotonic() - started
    assert (status, body) == (503, [{"message": BUSY, "status": 503, "code": "1415"}])
    assert headers["Retry-After"] == "1"
    assert waited >= 1, "the write waited for the lock as long as the busy timeout"
    assert stored_rows()[1] == ("r1", 0)
    status, _, body = call(port, "PATCH", f"{ALIAS}/1", token, body=patch)
    assert status == 200, body
    assert stored_rows()[1] == ("r1", 7)


def test_reads_go_on_while_a_writer_holds_the_lock(cc_items, token, serve):
    """WAL: a read neither waits for nor fails on another connection's write transaction."""
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        assert cursor.fetchone()[0] == "wal"
    port = serve(workers=1, threads=2, DB_BUSY_TIMEOUT="1")
    with write_lock():
        status, _, body = call(port, "GET", f"{ALIAS}/1", token)
    assert (status, body) == (200, {"data": {"id": 1, "name": "r1", "qty": 0}})


def test_token_busy_beyond_the_timeout_answers_503_then_succeeds(cc_items, token, serve):
    port = serve(workers=1, threads=2, DB_BUSY_TIMEOUT="1")
    with write_lock():
        status, headers, body = post_token(port, "cc", "pw")
    assert (status, body) == (503, [{"status": 503, "code": "1415", "message": BUSY}])
    assert headers["Retry-After"] == "1"
    status, _, body = post_token(port, "cc", "pw")
    assert status == 200 and body["token_type"] == "Bearer"
