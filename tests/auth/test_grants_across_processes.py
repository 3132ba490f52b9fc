"""A grant revoked in one process stops working at the next request of every other process: two
gunicorn servers of two workers each on the committed test database, each worker with its own
in-process cache, as with the default `locmem://` cache."""

import json
import os
import urllib.error
import urllib.request

from django.db import connection

import pytest

from dataexchange.auth.models import AccessToken, EndpointPermission
from tests.auth.conftest import TABLE, grant, make_endpoint, make_key
from tests.support.servers import database_url, free_port, start_server, stop_server

REQUESTS_PER_SERVER = 6  # enough to reach both workers of a server in practice
DENIED = [{"message": "Permission denied: `view` on `things`.", "status": 403, "code": "1404"}]
pytestmark = [pytest.mark.multiprocess, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def things(transactional_db, things_table):
    """The committed endpoint `things` with one committed row (removed afterwards)."""
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {TABLE} (name, qty) VALUES ('alpha', 1)")
    yield make_endpoint()
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {TABLE}")


@pytest.fixture
def servers(things):
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "CACHE_URL": "locmem://",
        "DEBUG": "0",
        "SECRET_KEY": "grants-test-secret-key-0123456789abcdefghijklmnopqrstuvwxyz-0123",
        "ALLOWED_HOSTS": "127.0.0.1",
    }
    ports = [free_port(), free_port()]
    processes = [start_server(port, env, workers=2) for port in ports]
    yield ports
    for process in processes:
        stop_server(process)


def get(port, headers):
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/dynamic-entity/things", headers=headers
    )
    try:
        with urllib.request.urlopen(request, timeout=20) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def answers(servers, headers):
    """Return every answer of REQUESTS_PER_SERVER requests to each server."""
    return [get(port, headers) for port in servers for _ in range(REQUESTS_PER_SERVER)]


def test_revoked_grants_are_refused_by_every_worker_at_once(servers, things, user):
    permission = grant(things, "view", user=user)
    key, raw = make_key(user)
    grant(things, "view", api_key=key)
    bearer = {"Authorization": f"Bearer {AccessToken.objects.issue(user)[1]}"}
    api_key = {"X-Api-Key": raw}
    for headers in (bearer, api_key):  # every worker caches the grants
        assert {status for status, _ in answers(servers, headers)} == {200}
    permission.delete()
    EndpointPermission.objects.filter(api_key=key).update(can_view=False)  # no signal
    for headers in (bearer, api_key):
        assert answers(servers, headers) == [(403, DENIED)] * 2 * REQUESTS_PER_SERVER
