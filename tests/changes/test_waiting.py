"""`wait` long-polls: the answer comes as soon as a change commits, and beyond the per-process
cap of waiting requests it comes at once."""

import threading
import time

from django.db import connection

from dataexchange.changes.waiting import waiter_slot
from tests.changes.conftest import ALIAS, TABLE, sql

FEED = f"/changes/{ALIAS}"


def timed_feed(api, **params):
    """Return (status, body, seconds taken)."""
    started = time.monotonic()
    status, body, _ = api("GET", FEED, **params)
    return status, body, time.monotonic() - started


def write_after(seconds):
    """Start a thread that inserts a row after `seconds` on its own connection; return it."""

    def write():
        try:
            time.sleep(seconds)
            sql(f"INSERT INTO {TABLE} (id_item, code, name) VALUES (1, 'A', 'Apple')")
        finally:
            connection.close()

    thread = threading.Thread(target=write)
    thread.start()
    return thread


def test_a_waiting_request_answers_as_soon_as_a_change_commits(viewer):
    cursor = viewer("GET", FEED, limit=0)[1]["nextCursor"]
    writer = write_after(0.5)
    status, body, took = timed_feed(viewer, after=cursor, wait="20")
    writer.join()
    assert status == 200
    assert [(i["operation"], i["identifier"]) for i in body["data"]] == [("create", 1)]
    assert 0.5 <= took < 5


def test_a_wait_with_nothing_arriving_ends_at_its_deadline(viewer):
    status, body, took = timed_feed(viewer, wait="0.6")
    assert (status, body["data"]) == (200, [])
    assert 0.6 <= took < 3


def test_beyond_the_cap_of_waiters_a_request_answers_at_once(viewer, settings):
    settings.DATA_EXCHANGE_CHANGES = {"MAX_WAITERS": 1}
    with waiter_slot() as granted:  # another request of this process is waiting
        assert granted
        status, body, took = timed_feed(viewer, wait="20")
    assert (status, body["data"]) == (200, [])
    assert took < 2
    with waiter_slot() as granted:  # the slot was given back
        assert granted
