"""A live server whose database connection is cut in the middle of a statement answers 503 1415
with Retry-After, and serves the next request on a new connection (issue 18).

The request is held on a table lock taken by the test; once the server's backend is seen waiting
for it, a second connection ends that backend (`pg_terminate_backend` / `KILL CONNECTION`), as a
database restart, failover or an administrator would.
"""

import threading
import time
from contextlib import contextmanager

from django.db import connection, connections

import pytest

from tests.concurrency.conftest import ALIAS, TABLE, call, stored_rows
from tests.support.dbsessions import end_sessions

pytestmark = [
    pytest.mark.multiprocess,
    pytest.mark.skipif(connection.vendor == "sqlite", reason="SQLite has no server connection"),
]

# The server connection that waits for our lock on the table (not our own sessions).
WAITING = {
    "postgresql": "SELECT pid FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
    f"AND query LIKE '%%{TABLE}%%' AND pid <> pg_backend_pid()",
    "mysql": "SELECT id FROM information_schema.processlist WHERE state LIKE 'Waiting for %%' "
    f"AND info LIKE '%%{TABLE}%%' AND id <> connection_id()",
}
LOCK = {
    "postgresql": ["BEGIN", f"LOCK TABLE {TABLE} IN ACCESS EXCLUSIVE MODE"],
    "mysql": [f"LOCK TABLES {TABLE} WRITE"],
}
UNLOCK = {"postgresql": "ROLLBACK", "mysql": "UNLOCK TABLES"}


@contextmanager
def table_locked():
    """Hold an exclusive lock on the test table from a connection of our own; yield a cursor
    of another connection to watch and kill with."""
    holder, watcher = (connections.create_connection("default") for _ in range(2))
    try:
        with holder.cursor() as locking, watcher.cursor() as watching:
            for statement in LOCK[connection.vendor]:
                locking.execute(statement)
            yield watching
            locking.execute(UNLOCK[connection.vendor])
    finally:
        holder.close()
        watcher.close()


def kill_waiting_backend(cursor, timeout=20, required=True):
    """Wait until a server connection waits for our lock, then end it (`required`: fail the
    test if none comes)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        cursor.execute(WAITING[connection.vendor])
        row = cursor.fetchone()
        if row is not None:
            end_sessions(row[0])
            return
        time.sleep(0.05)
    if required:
        pytest.fail("no server connection waited for the table lock")


def cut_during(port, token, method, path, body=None):
    """Send a request that blocks on the locked table, cut its connection; return the answer."""
    answers = []
    with table_locked() as watching:
        request = threading.Thread(
            target=lambda: answers.append(call(port, method, path, token, body=body))
        )
        request.start()
        kill_waiting_backend(watching)
        # A request's first statement is repeated once on a new connection when the old one
        # died under it (dbconn.first_statement): on PostgreSQL a GET's credential and data
        # travel in that one statement (api.read_ahead). Cut the repeat too.
        request.join(timeout=2)
        if request.is_alive():
            kill_waiting_backend(watching, timeout=5, required=False)
    request.join(timeout=60)
    return answers[0]


def assert_unavailable(answer):
    status, headers, body = answer
    assert status == 503, body
    assert body[0]["code"] == "1415" and body[0]["status"] == 503
    assert headers["Retry-After"] == "1"


def test_a_read_cut_midway_answers_503_then_the_next_succeeds(cc_items, token, serve):
    port = serve(workers=1, threads=1)
    assert call(port, "GET", f"{ALIAS}/1", token)[0] == 200  # a persistent connection now
    assert_unavailable(cut_during(port, token, "GET", f"{ALIAS}/1"))
    assert call(port, "GET", f"{ALIAS}/1", token)[0] == 200


def test_a_write_cut_midway_answers_503_then_the_next_succeeds(cc_items, token, serve):
    port = serve(workers=1, threads=1)
    path, body = f"{ALIAS}/1", {"data": {"qty": 5}}
    assert call(port, "GET", path, token)[0] == 200
    assert_unavailable(cut_during(port, token, "PATCH", path, body))
    assert stored_rows()[1] == ("r1", 0)
    assert call(port, "PATCH", path, token, body=body)[0] == 200
    assert stored_rows()[1] == ("r1", 5)
