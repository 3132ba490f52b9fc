"""Number committed change-log entries in commit order, so that a consumer following
`position > cursor` never skips a change.

Positions handed out at insert time are not enough: a transaction that started earlier (lower
id) may commit after a later one, and a consumer that already read past the later one's number
would never see it. So entries are inserted without a position, and the sequencer, holding the
lock of the single counter row, reads the *committed* entries that have none (a plain,
non-locking read: it neither sees nor waits for uncommitted rows, on PostgreSQL and on InnoDB)
and numbers them after the last position, in id order, in one transaction. An entry whose
transaction commits later is numbered by a later run, after every position already visible. A
batch of positions becomes visible at once (its transaction commits), and batches follow each
other under the lock, so the positions a reader sees are always 1..N without holes.

On SQLite the write lock (transactions are IMMEDIATE, core/env.py) serialises writers anyway.
"""

import time

from django.db import OperationalError, connection, transaction

from dataexchange.changes import conf
from dataexchange.changes.models import ChangeEntry, ChangeSequence
from dataexchange.changes.triggers import capture_builder
from dataexchange.engine.query.dialects import dialect


def sequence_pending():
    """Number every committed entry without a position; return how many were numbered.

    Cheap when nothing is pending: one indexed `position IS NULL` probe, no lock taken.
    """
    if not ChangeEntry.objects.filter(position__isnull=True).exists():
        return 0
    batch = conf.get("SEQUENCE_BATCH")
    total = 0
    while True:
        numbered = _sequence_batch_retried(batch)
        total += numbered
        if numbered < batch:
            return total


# Two sequencers (a feed reader and the periodic task) may meet a deadlock or a lock timeout
# on MariaDB (InnoDB picks a victim) or PostgreSQL: the victim's batch rolled back whole, so it
# is simply run again; after the last attempt the error goes up (a request answers 503 `1415`).
ATTEMPTS = 3


def _sequence_batch_retried(batch):
    """Run `_sequence_batch`, again after a lock conflict, up to ATTEMPTS times."""
    for attempt in range(1, ATTEMPTS + 1):
        try:
            return _sequence_batch(batch)
        except OperationalError:
            if attempt == ATTEMPTS or connection.in_atomic_block:
                raise
            time.sleep(0.01 * attempt)


def _sequence_batch(batch):
    """Number up to `batch` pending entries in one transaction under the counter lock."""
    ensure_counter()
    _read_committed_next()
    with transaction.atomic():
        counter = locked_counter()
        pending = list(
            ChangeEntry.objects.filter(position__isnull=True)
            .order_by("id")
            .values_list("id", flat=True)[:batch]
        )
        if not pending:
            return 0
        base = counter.last_position
        sql, params = capture_builder(dialect()).numbering(pending, base)
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
        counter.last_position = base + len(pending)
        counter.save(update_fields=["last_position"])
    return len(pending)


def locked_counter():
    """Return the counter row locked for this transaction (call inside one)."""
    return ChangeSequence.objects.select_for_update().get(pk=1)


def ensure_counter():
    """Create the counter row if it is missing (a fresh or flushed database), racing safely:
    creating it inside the locking transaction would let two first sequencers deadlock on
    MariaDB, each waiting for the other's insert of the same key."""
    if not ChangeSequence.objects.filter(pk=1).exists():
        ChangeSequence.objects.bulk_create([ChangeSequence(pk=1)], ignore_conflicts=True)


def _read_committed_next():
    """Make the next transaction READ COMMITTED where the connection's default may be stricter
    (MariaDB): under REPEATABLE READ the pending-entry read could use a snapshot older than the
    lock, and entries committed in between would wait for the next run (correct, but late)."""
    statement = dialect().read_committed_sql
    if statement and not connection.in_atomic_block:
        with connection.cursor() as cursor:
            cursor.execute(statement)
