"""Retention: delete old exchanges (with their items) in batches, per status."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from dataexchange.exchangelog import conf
from dataexchange.exchangelog.models import Exchange, ExchangeItem


def retention_cutoffs(*, older_than=None, statuses=None, now=None):
    """Return {status: cutoff}: the given age for the given statuses, else the settings' days."""
    now = now or timezone.now()
    days = conf.get("RETENTION_DAYS")
    chosen = statuses or Exchange.Status.values
    if older_than is not None:
        return {status: now - older_than for status in chosen}
    return {status: now - timedelta(days=days[status]) for status in chosen if status in days}


def exchange_log_prune(*, cutoffs, dry_run=False, batch_size=None):
    """Delete exchanges older than their status's cutoff; return {status: exchanges deleted}.

    Each batch of ids is deleted in its own short transaction, items first, so a large prune
    never holds long locks and can be interrupted at any time.
    """
    batch_size = batch_size or conf.get("PRUNE_BATCH_SIZE")
    counts = {}
    for status, cutoff in cutoffs.items():
        queryset = Exchange.objects.filter(status=status, created_at__lt=cutoff)
        if dry_run:
            counts[status] = queryset.count()
            continue
        counts[status] = 0
        while ids := list(queryset.values_list("pk", flat=True)[:batch_size]):
            delete_batch(ids)
            counts[status] += len(ids)
    return counts


def exchange_log_prune_expired():
    """The pruner of `manage.py prune` and the periodic task `prune`: delete the exchanges older
    than RETENTION_DAYS of their status; return how many."""
    return sum(exchange_log_prune(cutoffs=retention_cutoffs()).values())


def delete_batch(ids):
    """Delete the exchanges `ids` and their items; replays of them stay, unlinked."""
    with transaction.atomic():
        # `replayed_as` has no database constraint, so items are deleted without being loaded.
        ExchangeItem.objects.filter(replayed_as__exchange_id__in=ids).update(replayed_as=None)
        Exchange.objects.filter(pk__in=ids).only("pk").delete()
