"""Scale-out: two gunicorn servers on one database and one shared Redis cache agree on
configuration changes, token revocation and throttling (issue 9)."""

import json
import os
import urllib.error
import urllib.request

from django.contrib.auth import get_user_model
from django.db import connection

import pytest

from dataexchange.auth.models import AccessToken
from dataexchange.models import EndpointField
from tests.support.endpoints import make_endpoint
from tests.support.servers import database_url, free_port, start_server, stop_server

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
pytestmark = pytest.mark.multiprocess


@pytest.fixture
def redis_cache():
    """Flush the test Redis database; fail (not skip) when Redis is down."""
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    client.flushdb()
    yield REDIS_URL
    client.flushdb()


@pytest.fixture
def servers(transactional_db, redis_cache):
    """Two independent server processes sharing the test database and the Redis cache."""
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS so_item")
        cursor.execute("CREATE TABLE so_item (id INTEGER PRIMARY KEY, name VARCHAR(20))")
        cursor.execute("INSERT INTO so_item (id, name) VALUES (1, 'one')")
    fields = [("id", "integer", {}), ("name", "string", {})]
    make_endpoint("so-items", "so_item", "id", fields)
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "CACHE_URL": redis_cache,
        "DEBUG": "0",
        "SECRET_KEY": "scale-out-test-secret-key-0123456789abcdefghijklmnopqrstuvwxyz",
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATA_EXCHANGE_RATE_USER": "8/min",
        "DB_CONN_MAX_AGE": "0",
    }
    ports = [free_port(), free_port()]
    processes = [start_server(port, env, workers=1) for port in ports]
    yield ports
    for process in processes:
        stop_server(process)
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS so_item")


def get(port, path, token):
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}", headers={"Authorization": f"Bearer {token}"}
    )
    try:
        with urllib.request.urlopen(request, timeout=20) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


@pytest.fixture
def token(transactional_db):
    user = get_user_model().objects.create_superuser("scale", "scale@example.com", "pw")
    return AccessToken.objects.issue(user)


def test_configuration_change_reaches_both_servers_at_their_next_request(servers, token):
    raw = token[1]
    for port in servers:
        assert get(port, "/dynamic-entity/so-items/1", raw) == (
            200,
            {"data": {"id": 1, "name": "one"}},
        )
    field = EndpointField.objects.get(column_name="name", endpoint__alias="so-items")
    field.visible_name = "title"
    field.save()
    for port in servers:
        assert get(port, "/dynamic-entity/so-items/1", raw) == (
            200,
            {"data": {"id": 1, "title": "one"}},
        )


def test_revoked_token_is_refused_by_both_servers(servers, token):
    record, raw = token[0], token[1]
    for port in servers:
        assert get(port, "/dynamic-entity/so-items", raw)[0] == 200
    AccessToken.objects.filter(pk=record.pk).revoke()
    for port in servers:
        assert get(port, "/dynamic-entity/so-items", raw) == (
            401,
            [{"message": "Invalid access token.", "status": 401, "code": "001"}],
        )


def test_throttle_counts_requests_across_servers(servers, token):
    raw = token[1]
    statuses = [get(servers[n % 2], "/dynamic-entity/so-items", raw)[0] for n in range(8)]
    assert statuses == [200] * 8
    for port in servers:
        status, body = get(port, "/dynamic-entity/so-items", raw)
        assert status == 429
        assert body[0]["status"] == 429
