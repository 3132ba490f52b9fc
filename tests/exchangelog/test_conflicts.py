"""A write that loses a real deadlock is run again, stored once, and never answers 500
(exchangelog.conflicts, around exchangelog.durable.write_with_record).

The deadlock is real, between two connections: a trigger makes every update of a `dl_item` row
also update row 1 of `dl_side`. A blocker session updates every `dl_side` row and stays open; the
API's PATCH of item 1 locks the item, then waits for side row 1; the blocker then asks for item
1, closing the cycle. The database cancels the PATCH's transaction (InnoDB picks the transaction
that changed fewer rows; on PostgreSQL the session that waited `deadlock_timeout` first, and the
blocker's is raised), the blocker commits, and the PATCH, run again, commits.
"""

import logging
import threading
import time

from django.db import connection, connections

import pytest

from dataexchange.exchangelog import conflicts
from dataexchange.exchangelog.models import Exchange
from tests.changes.conftest import logged
from tests.exchangelog.conftest import send
from tests.support.ddl import create_tables, drop_tables
from tests.support.endpoints import make_endpoint

pytestmark = pytest.mark.skipif(
    "connection.vendor == 'sqlite'", reason="two writers at once: PostgreSQL and MariaDB"
)

ALIAS = "dl-items"
SIDE_ROWS = 50  # the blocker's share of changed rows: InnoDB rolls back the smaller transaction
TOUCH_SIDE = {
    "postgresql": [
        "CREATE OR REPLACE FUNCTION dl_touch_side() RETURNS trigger LANGUAGE plpgsql AS "
        "$$ BEGIN UPDATE dl_side SET n = n + 1 WHERE id = 1; RETURN NULL; END $$",
        "CREATE TRIGGER dl_touch AFTER UPDATE ON dl_item FOR EACH ROW "
        "EXECUTE FUNCTION dl_touch_side()",
    ],
    "mysql": [
        "CREATE TRIGGER dl_touch AFTER UPDATE ON dl_item FOR EACH ROW "
        "UPDATE dl_side SET n = n + 1 WHERE id = 1",
    ],
}
BLOCKER_SETUP = {"postgresql": ["SET deadlock_timeout = '30s'"], "mysql": []}
# Sessions waiting for a row lock (the trigger's update of side row 1), seen from a third
# connection.
LOCK_WAITERS = {
    "postgresql": "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'",
    "mysql": "SELECT count(*) FROM information_schema.processlist "
    "WHERE state = 'Updating' AND info LIKE 'UPDATE dl_side%'",  # the trigger's statement
}


def sql(statement, params=None):
    """Run one statement on the default connection (autocommit); return its rows, if any."""
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return [tuple(row) for row in cursor.fetchall()] if cursor.description else None


@pytest.fixture(params=[False, True], ids=["untracked", "tracked"])
def items(request, transactional_db):
    """Create `dl_item` (served as `dl-items`, tracked or not) with its side-table trigger."""
    create_tables(
        {
            "dl_item": "id_item {pk}, qty INTEGER NOT NULL",
            "dl_side": "id INTEGER PRIMARY KEY, n INTEGER",
        }
    )
    for statement in TOUCH_SIDE[connection.vendor]:
        sql(statement)
    sql("INSERT INTO dl_item (id_item, qty) VALUES (1, 0)")
    for n in range(1, SIDE_ROWS + 1):
        sql("INSERT INTO dl_side (id, n) VALUES (%s, 0)", [n])
    fields = [("id_item", "integer", {"is_creatable": False}), ("qty", "integer", {})]
    make_endpoint(ALIAS, "dl_item", "id_item", fields, track_changes=request.param)
    yield request.param
    drop_tables("dl_item", "dl_side")


@pytest.fixture
def api(items, django_user_model):
    """Return a function sending one request as a superuser from a thread of its own, and
    returning (status, body, response)."""
    from rest_framework.test import APIClient

    user = django_user_model.objects.create_superuser("dl", "dl@example.com", "pw-1!")

    def call(method, path, data):
        client = APIClient()
        client.force_authenticate(user=user)
        try:
            response = send(client, method, path, data)
            return response.status_code, response.json(), response
        finally:
            connection.close()

    return call


def deadlocked_patch(api):
    """Send PATCH dl-items/1 {qty: 5} into a deadlock with a blocker session; return its answer."""
    blocker = connections.create_connection("default")
    answer = []
    try:
        blocker.ensure_connection()
        blocker.set_autocommit(False)
        with blocker.cursor() as cursor:
            for statement in BLOCKER_SETUP[connection.vendor]:
                cursor.execute(statement)
            cursor.execute("UPDATE dl_side SET n = n + 1")
            patch = threading.Thread(
                target=lambda: answer.append(api("PATCH", f"{ALIAS}/1", {"qty": 5}))
            )
            patch.start()
            wait_for_lock_waiter()
            cursor.execute("SELECT qty FROM dl_item WHERE id_item = 1 FOR UPDATE")  # the cycle
        blocker.commit()
        patch.join(timeout=60)
    finally:
        blocker.close()
    return answer[0]


def wait_for_lock_waiter(timeout=20):
    """Return once a session waits for a row lock (the PATCH, for side row 1)."""
    deadline = time.monotonic() + timeout
    while sql(LOCK_WAITERS[connection.vendor])[0][0] < 1:
        assert time.monotonic() < deadline, "the PATCH never waited for the blocker's lock"
        time.sleep(0.02)


def test_a_deadlock_victim_write_is_run_again_and_stored_once(api, items, caplog):
    with caplog.at_level(logging.INFO, logger=conflicts.__name__):
        status, body, _ = deadlocked_patch(api)
    assert status == 200, body
    assert body["data"]["qty"] == 5
    assert any("lost a lock conflict" in r.getMessage() for r in caplog.records), "no deadlock"
    assert sql("SELECT qty FROM dl_item WHERE id_item = 1") == [(5,)]
    # The blocker's +1 and the PATCH's trigger's +1, once: the cancelled run left nothing.
    assert sql("SELECT n FROM dl_side WHERE id = 1") == [(2,)]
    assert sql("SELECT count(*) FROM dl_side WHERE n = 1") == [(SIDE_ROWS - 1,)]
    assert list(Exchange.objects.filter(method="PATCH").values_list("http_status", flat=True)) == [
        200
    ]
    if items:  # tracked: the PATCH's update, once (the blocker changed no item)
        assert [(op, ident) for op, ident, _ in logged("dl_item")] == [("update", "1")]


def test_a_write_losing_every_run_answers_503_1415_and_stores_nothing(api, items, monkeypatch):
    monkeypatch.setattr(conflicts, "ATTEMPTS", 1)
    status, body, response = deadlocked_patch(api)
    assert status == 503, body
    assert body[0]["code"] == "1415"
    assert int(response["Retry-After"]) >= 1
    assert sql("SELECT qty FROM dl_item WHERE id_item = 1") == [(0,)]
    assert sql("SELECT n FROM dl_side WHERE id = 1") == [(1,)]
