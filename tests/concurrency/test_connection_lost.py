"""A database connection cut while a request runs answers 503 1415 with Retry-After, never 500,
and the next request connects anew (issue 18); other database errors keep their handling.

The cut is real: a second connection ends the request connection's server process just before
the request's statement on the data table runs (`pg_terminate_backend` / `KILL CONNECTION`). To
see that statement, the engine must use Django's cursor (its own PostgreSQL cursor runs no
execute wrappers), so these tests turn on the debug cursor; `test_server_cut.py` cuts a live
server's connection on the engine's own cursor.
"""

from contextlib import contextmanager

from django.db import DatabaseError, connection

import pytest

from dataexchange.dbconn import is_unavailable
from tests.concurrency.conftest import ALIAS, TABLE, stored_rows
from tests.support.dbsessions import end_session_of

pytestmark = pytest.mark.django_db(transaction=True)
needs_server = pytest.mark.skipif(
    connection.vendor == "sqlite", reason="SQLite has no server connection to cut"
)
UNAVAILABLE = [
    {
        "message": "The service is temporarily unavailable. Try again in 1 seconds.",
        "status": 503,
        "code": "1415",
    }
]


@contextmanager
def cut_before(fragment, times=1):
    """Cut the default connection just before its first `times` statements whose SQL holds
    `fragment`."""
    cuts = []

    def wrapper(execute, sql, params, many, context):
        if len(cuts) < times and fragment in sql:
            cuts.append(sql)
            end_session_of(connection)
        return execute(sql, params, many, context)

    connection.force_debug_cursor = True
    try:
        with connection.execute_wrapper(wrapper):
            yield cuts
    finally:
        connection.force_debug_cursor = False
    assert cuts, f"no statement on {fragment} ran"


@pytest.fixture(autouse=True)
def no_dead_connection_left():
    """If a test fails with the connection cut, do not let teardown run on the dead one."""
    yield
    connection.close_if_unusable_or_obsolete()


@pytest.fixture
def headers(token):
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def assert_unavailable(response):
    assert response.status_code == 503, response.content
    assert response.json() == UNAVAILABLE
    assert response["Retry-After"] == "1"


@needs_server
def test_a_read_cut_midway_answers_503_and_the_next_read_succeeds(client, cc_items, headers):
    path = f"/dynamic-entity/{ALIAS}/1"
    assert client.get(path, **headers).status_code == 200
    # Twice: on PostgreSQL the credential and the row travel in the request's first statement
    # (api.read_ahead), which a dead connection repeats once on a new one.
    with cut_before(TABLE, times=2):
        assert_unavailable(client.get(path, **headers))
    assert client.get(path, **headers).json() == {"data": {"id": 1, "name": "r1", "qty": 0}}


@needs_server
def test_a_read_cut_once_in_its_only_statement_is_repeated(client, cc_items, headers):
    """A GET read ahead is one statement, the request's first: a connection that dies under it
    (a stale persistent connection, a restarted server) is replaced and the read repeated."""
    path = f"/dynamic-entity/{ALIAS}/1"
    assert client.get(path, **headers).status_code == 200
    with cut_before(TABLE) as cuts:
        response = client.get(path, **headers)
    if connection.vendor == "postgresql":
        assert response.json() == {"data": {"id": 1, "name": "r1", "qty": 0}}
        assert "LATERAL" in cuts[0]
    else:
        assert_unavailable(response)


@needs_server
def test_a_write_cut_midway_answers_503_and_the_next_write_succeeds(client, cc_items, headers):
    path = f"/dynamic-entity/{ALIAS}/1"
    kwargs = dict(content_type="application/json", **headers)
    with cut_before(TABLE):
        assert_unavailable(client.patch(path, {"data": {"qty": 3}}, **kwargs))
    assert stored_rows()[1] == ("r1", 0)
    response = client.patch(path, {"data": {"qty": 4}}, **kwargs)
    assert response.status_code == 200, response.content
    assert stored_rows()[1] == ("r1", 4)


@needs_server
def test_token_after_a_dropped_connection_answers_503_then_succeeds(client, token):
    body = {"grant_type": "password", "username": "cc", "password": "pw"}
    connection.ensure_connection()
    end_session_of(connection)
    response = client.post("/token", body, content_type="application/json")
    assert response.status_code == 503, response.content
    assert response.json() == [{**UNAVAILABLE[0]}]
    assert response["Retry-After"] == "1"
    response = client.post("/token", body, content_type="application/json")
    assert response.status_code == 200, response.content


@needs_server
def test_errors_of_a_cut_connection_are_unavailable(cc_items):
    connection.ensure_connection()
    end_session_of(connection)
    with pytest.raises(DatabaseError) as cut:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT id FROM {TABLE}")
    assert is_unavailable(cut.value)
    connection.close()


def test_a_wrong_statement_is_not_unavailable(cc_items):
    """A statement error (on SQLite and MariaDB an OperationalError too) is the request's
    fault, not the database's: the connection stays and the error keeps its handling."""
    with pytest.raises(DatabaseError) as wrong:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT no_such_column FROM {TABLE}")
    assert not is_unavailable(wrong.value)
    assert connection.is_usable()
