"""Read the change log by position: the one read API of the feed route and the webhooks.

A cursor is a position: "I have seen every change up to here". Pages hold only sequenced
entries, in position order; call `sequence_pending()` first to number what has committed.
"""

from dataclasses import dataclass

from dataexchange.changes.models import ChangeEntry, ChangeSequence
from dataexchange.changes.sequencer import sequence_pending
from dataexchange.errors import Code, fail

__all__ = ["ChangePage", "latest_position", "read_changes", "read_page", "sequence_pending"]


@dataclass(frozen=True, slots=True)
class ChangePage:
    """Entries of one table after a cursor, and the cursor to continue from."""

    entries: list
    next_position: int


def latest_position():
    """Return the last position handed out (0 before the first change)."""
    return _counter()[0]


def read_page(table_name, after, limit):
    """Return the ChangePage of `table_name`'s entries with position > `after` (None: from the
    oldest kept), at most `limit`, in position order.

    `next_position` is the last entry's position on a full page; otherwise the last position
    handed out before the read, so that a consumer of a quiet table moves on with the others
    (every later change gets a higher position). Raise ApiException 1428 when changes after
    `after` were pruned (checked after the read, so a prune running meanwhile is caught too),
    1429 when `after` is beyond the last position handed out.
    """
    latest, _ = _counter()
    if after is not None and after > latest:
        # Not a cursor of this log (another database, or one restored from a backup since):
        # following it would skip every change numbered up to it.
        fail(Code.MALFORMED_CURSOR, cursor=after)
    entries = []
    if limit > 0:
        query = ChangeEntry.objects.filter(table_name=table_name, position__lte=latest)
        if after is not None:
            query = query.filter(position__gt=after)
        entries = list(query.order_by("position")[:limit])
    _, pruned_through = _counter()
    if after is not None and after < pruned_through:
        fail(Code.CURSOR_EXPIRED, cursor=after)
    if len(entries) == limit and entries:
        return ChangePage(entries, entries[-1].position)
    return ChangePage(entries, latest)


def read_changes(table_name, after, limit):
    """Return the list of `table_name`'s entries after position `after` (see read_page)."""
    return read_page(table_name, after, limit).entries


def _counter():
    """Return (last position, pruned through) of the counter row; (0, 0) before any change."""
    row = ChangeSequence.objects.filter(pk=1).values_list("last_position", "pruned_through")
    return row.first() or (0, 0)
