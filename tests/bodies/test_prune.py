"""`manage.py prune` runs the pruners of dataexchange.pruning; idempotency keys expire after
IDEMPOTENCY_TTL_SECONDS."""

import datetime as dt
import io

from django.core.management import CommandError, call_command
from django.utils import timezone

import pytest

from dataexchange.idempotency.models import IdempotencyKey
from dataexchange.pruning import prune_expired


def key_row(key, expires_at):
    now = timezone.now()
    return IdempotencyKey.objects.create(
        caller="user:1",
        key=key,
        fingerprint="0" * 64,
        attempt="00000000-0000-0000-0000-000000000001",
        lease_until=now,
        created_at=now,
        expires_at=expires_at,
    )


def test_prune_deletes_expired_keys_only(db):
    now = timezone.now()
    key_row("old", now - dt.timedelta(seconds=1))
    key_row("new", now + dt.timedelta(hours=1))
    out = io.StringIO()
    call_command("prune", stdout=out)
    assert out.getvalue() == (
        "changes: deleted 0.\n"
        "idempotency-keys: deleted 1.\njobs: deleted 0.\ntask-results: deleted 0.\n"
        "webhook-deliveries: deleted 0.\n"
    )
    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["new"]


def test_prune_in_batches(db):
    from dataexchange.idempotency.store import prune_idempotency_keys

    past = timezone.now() - dt.timedelta(seconds=1)
    for n in range(5):
        key_row(f"k{n}", past)
    assert prune_idempotency_keys(batch_size=2) == 5
    assert not IdempotencyKey.objects.exists()


def test_only_names_known_pruners(db):
    assert prune_expired(names=["idempotency-keys"]) == {"idempotency-keys": 0}
    with pytest.raises(KeyError):
        prune_expired(names=["nope"])
    with pytest.raises(CommandError):
        call_command("prune", "--only", "nope")
