"""The API's first statement is its own health check (dataexchange.dbconn).

Django's CONN_HEALTH_CHECKS would send `SELECT 1` before every request's first query; on the API
path the credential lookup runs at once instead, and only when it fails on a connection the
server dropped does it reconnect and run again. SQLite has no persistent connections to drop.
"""

from django.db import connection, connections

import pytest

from tests.auth.conftest import TABLE, bearer, grant, make_key
from tests.support.dbsessions import end_session_of

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor == "sqlite", reason="SQLite connections are not kept between requests"
    ),
]


@pytest.fixture(autouse=True)
def empty_table(things_table):
    """These tests commit: leave the raw-SQL table (not flushed by Django) as they found it."""
    yield
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {TABLE}")


def next_request():
    """Do what Django does when a request starts (`close_old_connections`); the test client
    leaves it out, so that tests can share one connection."""
    connection.close_if_unusable_or_obsolete()


def drop_connection():
    """Make the server end the default connection, as a restart or an idle timeout would."""
    end_session_of(connection)


@pytest.fixture
def usability_checks(monkeypatch):
    """Count Django's connection usability checks (each one a round trip), delegating to them."""
    wrapper = connections["default"]
    calls = []
    original = wrapper.is_usable

    def counted():
        calls.append(1)
        return original()

    monkeypatch.setattr(wrapper, "is_usable", counted)
    return calls


def test_a_request_needs_no_health_check_round_trip(client, things, superuser, usability_checks):
    headers = bearer(superuser)
    assert client.get("/dynamic-entity/things", **headers).status_code == 200
    for _ in range(3):
        next_request()
        assert client.get("/dynamic-entity/things", **headers).status_code == 200
    assert connection.connection is not None, "the connection should persist between requests"
    assert usability_checks == []


def test_a_bearer_request_survives_a_dropped_connection(client, things, superuser):
    headers = bearer(superuser)
    assert client.get("/dynamic-entity/things", **headers).status_code == 200
    drop_connection()
    next_request()
    response = client.get("/dynamic-entity/things", **headers)
    assert response.status_code == 200
    assert [row["name"] for row in response.json()["data"]] == ["alpha", "beta"]


def test_an_api_key_request_survives_a_dropped_connection(client, things, user):
    key, raw = make_key(user)
    grant(things, "view", api_key=key)
    assert client.get("/dynamic-entity/things", HTTP_X_API_KEY=raw).status_code == 200
    drop_connection()
    next_request()
    assert client.get("/dynamic-entity/things", HTTP_X_API_KEY=raw).status_code == 200


def test_a_failing_statement_is_not_retried_as_a_dead_connection(things, superuser):
    """A real error on a live connection surfaces; only a dead connection is replaced."""
    from django.db import DatabaseError

    from dataexchange.dbconn import first_statement

    connection.ensure_connection()
    runs = []

    def failing():
        runs.append(1)
        with connection.cursor() as cursor:
            cursor.execute("SELECT * FROM dx_no_such_table_at_all")

    with pytest.raises(DatabaseError):
        first_statement(failing)
    assert runs == [1]
