"""The sequencer numbers change-log entries in commit order, never in insertion order: an entry
of a transaction still open when a later one committed is numbered after it, once it commits."""

import threading

from django.db import connection, connections
from django.utils import timezone

import pytest

from dataexchange.changes.feed import latest_position, read_changes, read_page
from dataexchange.changes.models import ChangeEntry
from dataexchange.changes.sequencer import sequence_pending

pytestmark = pytest.mark.django_db(transaction=True)

INSERT = (
    "INSERT INTO dataexchange_change_entry "
    "(table_name, identifier, operation, columns, changed_at) VALUES (%s, %s, %s, %s, %s)"
)


def insert_entry(wrapper, identifier, table="t"):
    """Insert one pending entry through `wrapper` (a connection), as a trigger would."""
    with wrapper.cursor() as cursor:
        cursor.execute(INSERT, [table, identifier, "create", '["id"]', timezone.now()])


def test_entries_are_numbered_in_id_order_after_the_last_position():
    for identifier in ("1", "2", "3"):
        insert_entry(connection, identifier)
    assert sequence_pending() == 3
    insert_entry(connection, "4")
    assert sequence_pending() == 1
    assert sequence_pending() == 0
    numbered = ChangeEntry.objects.order_by("id").values_list("identifier", "position")
    assert list(numbered) == [("1", 1), ("2", 2), ("3", 3), ("4", 4)]
    assert latest_position() == 4


def test_pages_follow_positions_per_table_and_the_cursor_moves_past_quiet_tables():
    for identifier, table in (("1", "a"), ("2", "b"), ("3", "a")):
        insert_entry(connection, identifier, table)
    sequence_pending()
    assert [e.identifier for e in read_changes("a", None, 10)] == ["1", "3"]
    assert [e.identifier for e in read_changes("a", 1, 10)] == ["3"]
    page = read_page("a", None, 1)
    assert (len(page.entries), page.next_position) == (1, 1)
    quiet = read_page("c", None, 10)
    assert (quiet.entries, quiet.next_position) == ([], 3)
    assert read_page("a", None, 0).next_position == 3


@pytest.mark.skipif("connection.vendor == 'sqlite'", reason="SQLite has one writer at a time")
def test_an_entry_committed_late_is_numbered_after_those_read_before():
    """Transaction A inserts and stays open; B inserts and commits; the sequencer numbers B
    without waiting for A; once A commits, A's entry comes after the cursor a reader kept."""
    _fail_fast_on_locks()
    other = connections.create_connection("default")
    try:
        other.set_autocommit(False)
        insert_entry(other, "A")  # A: open, holding its row
        insert_entry(connection, "B")  # B: committed (autocommit)
        assert sequence_pending() == 1
        page = read_page("t", None, 10)
        assert [e.identifier for e in page.entries] == ["B"]
        cursor = page.next_position
        other.commit()
        sequence_pending()
        assert [e.identifier for e in read_changes("t", cursor, 10)] == ["A"]
        assert (
            ChangeEntry.objects.get(identifier="A").id < ChangeEntry.objects.get(identifier="B").id
        )
    finally:
        other.close()


def _fail_fast_on_locks():
    """Make a sequencer that wrongly waits for the open transaction fail in seconds."""
    statement = {
        "postgresql": "SET lock_timeout = '3s'",
        "mysql": "SET SESSION innodb_lock_wait_timeout = 3",
    }[connection.vendor]
    with connection.cursor() as cursor:
        cursor.execute(statement)


def test_concurrent_sequencers_never_hand_out_a_position_twice():
    """Writers and sequencers on their own connections, all at once: every entry ends with
    its own position, and the positions are 1..N without a hole."""
    if connection.vendor == "sqlite":
        pytest.skip("SQLite serialises writers; nothing runs at once")
    errors = []

    def work(n):
        try:
            for i in range(10):
                insert_entry(connection, f"{n}-{i}")
                sequence_pending()
        except Exception as exc:  # reported below: a thread cannot fail the test itself
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    sequence_pending()
    assert errors == []
    positions = sorted(ChangeEntry.objects.values_list("position", flat=True))
    assert positions == list(range(1, 41))
    assert latest_position() == 40
