"""Pruning: by age and status, in batches, dry run, default retention per status."""

import io
import uuid
from datetime import timedelta

from django.core.management import call_command
from django.utils import timezone

import pytest

from dataexchange.exchangelog.models import Exchange, ExchangeItem
from dataexchange.exchangelog.retention import exchange_log_prune, retention_cutoffs
from tests.exchangelog.factories import make_exchange, make_item

pytestmark = pytest.mark.django_db


def ids():
    return sorted(e.id.int for e in Exchange.objects.all())


@pytest.fixture
def aged():
    """Exchanges 1-5 days old (id = age in days), failed when odd, with an item each."""
    now = timezone.now()
    for age in range(1, 6):
        status = "failed" if age % 2 else "processed"
        exchange = make_exchange(
            age, created_at=now - timedelta(days=age, minutes=1), status=status
        )
        make_item(exchange, 0)
    return now


def test_prune_older_than(aged):
    out = io.StringIO()
    call_command("prune_exchange_log", "--older-than", "3d", "--batch-size", "1", stdout=out)
    assert ids() == [1, 2]
    assert ExchangeItem.objects.count() == 2
    assert "Deleted 3 exchanges in total." in out.getvalue()


def test_prune_by_status(aged):
    call_command(
        "prune_exchange_log", "--older-than", "2d", "--status", "failed", stdout=io.StringIO()
    )
    assert ids() == [1, 2, 4]


def test_dry_run_deletes_nothing(aged):
    out = io.StringIO()
    call_command("prune_exchange_log", "--older-than", "1d", "--dry-run", stdout=out)
    assert ids() == [1, 2, 3, 4, 5]
    assert "Would delete 5 exchanges in total." in out.getvalue()


def test_default_retention_per_status(aged, settings):
    settings.EXCHANGE_LOG = {
        **settings.EXCHANGE_LOG,
        "RETENTION_DAYS": {"processed": 1, "partially_failed": 9, "failed": 4, "rejected": 9},
    }
    call_command("prune_exchange_log", stdout=io.StringIO())
    assert ids() == [1, 3]


def test_replays_survive_their_pruned_original(aged):
    original = Exchange.objects.get(id=uuid.UUID(int=5))
    replay = make_exchange(9, replay_of=original, created_at=aged)
    original_item = original.items.get()
    original_item.replayed_as = make_item(replay, 0, status="processed")
    original_item.save()
    counts = exchange_log_prune(cutoffs=retention_cutoffs(older_than=timedelta(days=4)))
    assert counts["failed"] == 1
    replay.refresh_from_db()
    assert replay.replay_of is None
    assert replay.items.count() == 1
