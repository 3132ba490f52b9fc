"""Claim, keep, replay and prune Idempotency-Key answers (the `IdempotencyKey` table).

    idempotency_claim ──▶ Claim (run the request) | Kept (replay it) | 1420 other request |
                          1421 still running
    Keeper(claim)(result)  in the data's transaction: the answer commits with the data
    idempotency_release(claim)  nothing was kept (refused before running, or rolled back)

The claim commits on its own before the request runs (one statement, `statements`), so a
concurrent retry sees it; its lease (`IDEMPOTENCY_LEASE_SECONDS`, longer than any request may run)
lets a retry take over a claim whose request died. Keeping the answer is conditional on still
holding the claim (its `attempt`): a request that lost its claim to a takeover rolls its data back.

An asynchronous write's body is streamed to storage, never held whole, so its fingerprint is
known only once the body was read (`keys.BodyDigest`): its claim is stored with the fingerprint
PENDING, a retry meanwhile gets 409, and the Keeper stores the fingerprint with the answer.
"""

import logging
import uuid
from dataclasses import dataclass
from datetime import timedelta

from django.db import DatabaseError, transaction
from django.utils import timezone

from dataexchange import conf
from dataexchange.errors import ApiException, Code, fail, make_error
from dataexchange.idempotency import codec
from dataexchange.idempotency.models import IdempotencyKey
from dataexchange.idempotency.statements import claim_insert, keep_update

logger = logging.getLogger(__name__)

State = IdempotencyKey.State
CLAIM_TRIES = 3
PENDING = ""  # the fingerprint of a claim whose body is still being read


class ClaimLost(Exception):
    """The claim was taken over while its request ran: the data must roll back."""


@dataclass(frozen=True, slots=True)
class Claim:
    """A key this request holds: keep its answer with `Keeper(claim)`. `fingerprint` is the
    request's (a str), or the BodyDigest of a body still to be read; `expected` the one the key
    was first used with, when this claim took over a request that died before its body was
    compared (the Keeper refuses another body then)."""

    pk: int
    attempt: uuid.UUID
    fingerprint: object = PENDING
    expected: str = PENDING


@dataclass(frozen=True, slots=True)
class Kept:
    """The stored answer of an earlier request with the same key."""

    status_code: int
    headers: dict
    content_type: str
    content: bytes


def idempotency_claim(*, caller, key, fingerprint, now=None):
    """Return a Claim on (caller, key) for a request to run, or the Kept answer to replay;
    raise 422 `1420` for a key used by a different request, 409 `1421` while it runs.
    `fingerprint`: the request's (keys.request_fingerprint), or the keys.BodyDigest of a body
    still to be read (read now only to replay or refuse, never held whole)."""
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
        claim = settle(row, fingerprint, now)
        if claim is not None:
            return claim
    busy(timedelta(seconds=1))


def settle(row, fingerprint, now):
    """Return the Kept answer of `row`, a Claim taking over its abandoned request, or None if
    another retry took it first; raise 1420 or 1421. A streamed body is read to compare it
    only when it will not run (a kept answer): a running key answers 409 at once."""
    known = fingerprint if isinstance(fingerprint, str) else None
    if row.state == State.DONE:
        if row.fingerprint != (known or fingerprint.hexdigest()):
            fail(Code.IDEMPOTENCY_KEY_REUSED)
        content = codec.unpack(row.content)
        return Kept(row.status_code, row.headers, row.content_type, content)
    if known is not None and row.fingerprint not in (PENDING, known):
        fail(Code.IDEMPOTENCY_KEY_REUSED)
    if row.lease_until > now:
        busy(row.lease_until - now)
    return take_over(row, fingerprint, now)


def insert_claim(caller, key, fingerprint, now):
    """Return the Claim of a new `running` row committed at once (one statement,
    `statements.claim_insert`), or None if the key exists."""
    attempt = uuid.uuid4()
    lease = timedelta(seconds=conf.get("IDEMPOTENCY_LEASE_SECONDS"))
    ttl = timedelta(seconds=conf.get("IDEMPOTENCY_TTL_SECONDS"))
    stored = fingerprint if isinstance(fingerprint, str) else PENDING
    values = (caller, key, stored, State.RUNNING, attempt, now + lease, now, now + ttl, {}, "", b"")
    pk = claim_insert(values)
    return None if pk is None else Claim(pk, attempt, fingerprint)


def take_over(row, fingerprint, now):
    """Return a Claim replacing the abandoned claim of `row` (lease over), or None if another
    retry took it first or its request finished meanwhile."""
    attempt = uuid.uuid4()
    lease = timedelta(seconds=conf.get("IDEMPOTENCY_LEASE_SECONDS"))
    changes = dict(attempt=attempt, lease_until=now + lease)
    if isinstance(fingerprint, str):
        changes["fingerprint"] = fingerprint
    taken = IdempotencyKey.objects.filter(
        pk=row.pk, attempt=row.attempt, state=State.RUNNING
    ).update(**changes)
    return Claim(row.pk, attempt, fingerprint, row.fingerprint) if taken else None


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
        the claim was taken over, which must roll the transaction back, and 1420 when a
        streamed body turns out to differ from the one the key was first used with."""
        claim = self.claim
        fingerprint = claim.fingerprint
        if not isinstance(fingerprint, str):
            fingerprint = fingerprint.hexdigest()
            if claim.expected and fingerprint != claim.expected:
                fail(Code.IDEMPOTENCY_KEY_REUSED)
        stored = keep_update(
            (
                State.DONE,
                result.status_code,
                dict(result.headers),
                result.content_type,
                codec.pack(result.content),  # 1,000 rows: ~67 kB → ~2.8 kB
                fingerprint,
                claim.pk,
                claim.attempt,
                State.RUNNING,
            )
        )
        if not stored:
            raise ClaimLost(claim.pk)
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
