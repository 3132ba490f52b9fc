"""Prune the delivery log: finished deliveries (delivered or dead-lettered) and their attempts
older than LOG_RETENTION_DAYS, in short transactions so deliveries go on meanwhile."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from dataexchange.webhooks import conf
from dataexchange.webhooks.models import Attempt, Delivery

BATCH = 1000


def webhooks_prune(*, older_than=None):
    """Delete finished deliveries finished before `older_than` ago (default
    LOG_RETENTION_DAYS), with their attempts, BATCH at a time; return how many deliveries."""
    age = older_than if older_than is not None else timedelta(days=conf.get("LOG_RETENTION_DAYS"))
    cutoff = timezone.now() - age
    old = Delivery.objects.exclude(status__in=Delivery.OPEN).filter(finished_at__lt=cutoff)
    deleted = 0
    while True:
        ids = list(old.order_by("pk").values_list("pk", flat=True)[:BATCH])
        if not ids:
            return deleted
        with transaction.atomic():
            Attempt.objects.filter(delivery_id__in=ids).delete()
            deleted += Delivery.objects.filter(pk__in=ids).delete()[0]
