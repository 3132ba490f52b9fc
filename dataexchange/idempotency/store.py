"""Claim, keep, replay and prune Idempotency-Key answers (the `IdempotencyKey` table).

    idempotency_claim ──▶ Claim (run the request) | Kept (replay it) | 1420 other request |
                          1421 still running
    Keeper(claim)(result)  in the data's transaction: the answer commits with the data
    idempotency_release(claim)  nothing was kept (refused before running, or rolled back)

The claim commits in a short transaction of its own before the request runs, so a concurrent
retry sees it; its lease (`IDEMPOTENCY_LEASE_SECONDS`, longer than any request may run) lets a
retry take over a claim whose request died. Keeping the answer is conditional on still holding
the claim (its `attempt`): a request that lost its claim to a takeover rolls its data back.
"""

import logging
import uuid
import zlib
from dataclasses import dataclass
from datetime import timedelta

from django.db import DatabaseError, IntegrityError, connection, transaction
from django.utils import timezone

from dataexchange import conf
from dataexchange.errors import ApiException, Code, fail, make_error
from dataexchange.idempotency.models import IdempotencyKey

logger = logging.getLogger(__name__)

State = IdempotencyKey.State
CLAIM_TRIES = 3


class ClaimLost(Exception):
    """The claim was taken over while its request ran: the data must roll back."""


@dataclass(frozen=True, slots=True)
class Claim:
    """A key this request holds: keep its answer with `Keeper(claim)`."""

    pk: int
    attempt: uuid.UUID


@dataclass(frozen=True, slots=True)
class Kept:
    """The stored answer of an earlier request with the same key."""

    status_code: int
    headers: dict
    content_type: str
    content: bytes


def idempotency_claim(*, caller, key, fingerprint, now=None):
    """Return a Claim on (caller, key) for a request to run, or the Kept answer to replay;
    raise 422 `1420` for a key used by a different request, 409 `1421` while it runs."""
    now = now or timezone.now()
    for _ in range(CLAIM_TRIES):
        claim = insert_claim(caller, key, fingerprint, now)
        if claim is not None:
            return claim
        row = IdempotencyKey.objects.filter(caller=caller, key=key).first()
        if row is None:
            continue  # pruned or released in between
        if row.expires_at <= now:
            IdempotencyKey.objects.filter(pk=row.pk, expires_at__lte=now).delete()
            continue
        if row.fingerprint != fingerprint:
            fail(Code.IDEMPOTENCY_KEY_REUSED)
        if row.state == State.DONE:
            content = zlib.decompress(row.content)
            return Kept(row.status_code, row.headers, row.content_type, content)
        if row.lease_until > now:
            busy(row.lease_until - now)
        claim = take_over(row, now)
        if claim is not None:
            return claim
    busy(timedelta(seconds=1))


def insert_claim(caller, key, fingerprint, now):
    """Return the Claim of a new `running` row committed at once, or None if the key exists."""
    attempt = uuid.uuid4()
    lease = timedelta(seconds=conf.get("IDEMPOTENCY_LEASE_SECONDS"))
    ttl = timedelta(seconds=conf.get("IDEMPOTENCY_TTL_SECONDS"))
    try:
        with transaction.atomic():
            relax_claim_durability()
            row = IdempotencyKey.objects.create(
                caller=caller,
                key=key,
                fingerprint=fingerprint,
                attempt=attempt,
                lease_until=now + lease,
                created_at=now,
                expires_at=now + ttl,
            )
    except IntegrityError:
        return None
    return Claim(row.pk, attempt)


def relax_claim_durability():
    """Let the claim commit without waiting for the disk (PostgreSQL): a claim lost in a crash
    claimed nothing that was written, since the data commits later, with its answer."""
    if not connection.in_atomic_block or connection.savepoint_ids:
        return  # inside an outer transaction, relaxing would relax that one's commit
    from dataexchange.exchangelog.recorder import relax_durability

    relax_durability()


def take_over(row, now):
    """Return a Claim replacing the abandoned claim of `row` (lease over), or None if another
    retry took it first or its request finished meanwhile."""
    attempt = uuid.uuid4()
    lease = timedelta(seconds=conf.get("IDEMPOTENCY_LEASE_SECONDS"))
    taken = IdempotencyKey.objects.filter(
        pk=row.pk, attempt=row.attempt, state=State.RUNNING
    ).update(attempt=attempt, lease_until=now + lease)
    return Claim(row.pk, attempt) if taken else None


def busy(remaining):
    """Raise 409 `1421` with the seconds until the running claim's lease ends."""
    wait = max(1, int(remaining.total_seconds() + 0.999))
    error = make_error(Code.IDEMPOTENCY_IN_PROGRESS, wait=wait)
    raise ApiException(error, headers={"Retry-After": str(wait)})


class Keeper:
    """Keep the answer of a claimed request: call it with the Result inside the transaction
    that writes the request's data (the synchronous write, or the job's enqueueing for a
    `202 Accepted`), so that the answer commits exactly when the data does."""

    __slots__ = ("claim", "kept")

    def __init__(self, claim):
        self.claim, self.kept = claim, False

    def __call__(self, result):
        """Store `result` (a render.result.Result) as the key's answer; raise ClaimLost when
        the claim was taken over, which must roll the transaction back."""
        stored = IdempotencyKey.objects.filter(
            pk=self.claim.pk, attempt=self.claim.attempt, state=State.RUNNING
        ).update(
            state=State.DONE,
            status_code=result.status_code,
            headers=dict(result.headers),
            content_type=result.content_type,
            content=zlib.compress(result.content, 1),  # 1,000 rows: ~65 kB → ~7 kB, in 0.1 ms
        )
        if not stored:
            raise ClaimLost(self.claim.pk)
        self.kept = True


def idempotency_release(claim):
    """Drop a claim whose request kept no answer, so that a retry runs at once (a failure
    here only leaves the claim to its lease)."""
    try:
        IdempotencyKey.objects.filter(
            pk=claim.pk, attempt=claim.attempt, state=State.RUNNING
        ).delete()
    except DatabaseError:
        logger.warning("Could not release Idempotency-Key claim %s; its lease ends it", claim.pk)


def prune_idempotency_keys(*, now=None, batch_size=1000):
    """Delete expired keys in batches of `batch_size`, each in its own transaction; return
    how many were deleted."""
    now = now or timezone.now()
    expired = IdempotencyKey.objects.filter(expires_at__lte=now)
    total = 0
    while ids := list(expired.values_list("pk", flat=True)[:batch_size]):
        with transaction.atomic():
            total += IdempotencyKey.objects.filter(pk__in=ids).delete()[0]
    return total
