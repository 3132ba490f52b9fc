"""Prune the change log by age (`RETENTION_SECONDS`), and remember how far, so that a consumer
whose cursor points before pruned changes is told to resynchronise (1428) instead of silently
missing them."""

from datetime import timedelta

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from dataexchange.changes import conf
from dataexchange.changes.models import ChangeEntry
from dataexchange.changes.sequencer import ensure_counter, locked_counter, sequence_pending


def changes_prune(*, now=None, batch_size=5000):
    """Delete the entries older than the retention period, oldest positions first, in batches
    of `batch_size` (each its own transaction); return how many were deleted.

    The prefix of positions to delete ends before the oldest recent entry, so what stays is always
    every position above `pruned_through`, which is raised (and committed) before anything is
    deleted: a reader checks it after reading, so it never takes a page with a hole for whole.
    """
    sequence_pending()  # entries are pruned by position: give the committed ones theirs
    cutoff = (now or timezone.now()) - timedelta(seconds=conf.get("RETENTION_SECONDS"))
    through = _prunable_through(cutoff)
    if through is None:
        return 0
    ensure_counter()
    with transaction.atomic():
        counter = locked_counter()
        counter.pruned_through = max(counter.pruned_through, through)
        counter.save(update_fields=["pruned_through"])
    doomed = ChangeEntry.objects.filter(position__lte=through).order_by("position")
    total = 0
    while ids := list(doomed.values_list("pk", flat=True)[:batch_size]):
        with transaction.atomic():
            total += ChangeEntry.objects.filter(pk__in=ids).delete()[0]
    return total


def _prunable_through(cutoff):
    """Return the position before the first one changed at or after `cutoff` (walking the
    position index from the oldest, so the cost is that of the entries to delete), or None."""
    numbered = ChangeEntry.objects.filter(position__isnull=False)
    recent = (
        numbered.filter(changed_at__gte=cutoff)
        .order_by("position")
        .values_list("position", flat=True)
        .first()
    )
    if recent is not None:
        return recent - 1 if recent > 1 else None
    return numbered.aggregate(through=Max("position"))["through"]
