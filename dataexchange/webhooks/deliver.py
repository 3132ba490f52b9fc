"""Send the outbox: claim due deliveries by compare-and-set, POST them signed, record the
attempts, and schedule each retry, dead-letter it, or mark it delivered.

Claims work as job chunks' do (`jobs.claim`): a lease taken by one portable UPDATE, so a
worker killed mid-delivery leaves the delivery to be sent again once its lease runs out (at
least once). Per entity, a delivery is not claimed while an earlier one of the same entity on
the same subscription is still open, so each receiver sees an entity's events in order.

A claim takes a few deliveries at once (`claim_batch`), in one transaction, and their attempts
are recorded together in another after all were sent: two commits per batch instead of one per
delivery and one per claim. A worker killed before the record leaves the whole batch to be sent
again after the lease, which at-least-once allows."""

import logging
import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import connection, transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone

from dataexchange.engine.query.dialects import dialect
from dataexchange.models import ConfigurationVersion
from dataexchange.webhooks import conf
from dataexchange.webhooks.models import Attempt, Delivery, Subscription
from dataexchange.webhooks.signing import webhook_headers
from dataexchange.webhooks.transport import Outcome, webhook_post

logger = logging.getLogger(__name__)

CANDIDATES = 8  # due deliveries read per claim; a lost race moves on to the next one


@dataclass(frozen=True, slots=True)
class Claim:
    """A delivery taken by `worker` for its `attempt`-th try."""

    delivery: Delivery
    worker: str
    attempt: int


def subscription_deliver(*, subscription_id, worker, limit):
    """Send due deliveries of one subscription until none is left to claim, or `limit` of
    them; return how many were attempted."""
    done = 0
    while done < limit:
        claims = deliveries_claim(subscription_id, worker, min(claim_batch(), limit - done))
        if not claims:
            break
        deliveries_record([delivery_send(claim) for claim in claims])
        done += len(claims)
    return done


def claim_batch():
    """Return how many deliveries one claim takes: as many as can surely be sent, at their
    timeouts, within one lease (so a slow receiver does not let a live claim expire)."""
    per_send = conf.get("CONNECT_TIMEOUT") + conf.get("READ_TIMEOUT")
    return max(1, min(CANDIDATES, int(conf.get("LEASE_SECONDS") // max(per_send, 1))))


def claimable(subscription_id, now):
    """Return up to CANDIDATES of the subscription's due deliveries that no earlier open
    delivery of the same entity holds back, oldest first.

    One query per open status, each walking the (subscription, status, id) index in id order
    and stopping after CANDIDATES rows, so a claim costs the same with 10 or 100,000 deliveries
    waiting (a single `status IN (...)` query sorts every waiting delivery)."""
    earlier = Delivery.objects.open().filter(
        subscription_id=OuterRef("subscription_id"), entity_key=OuterRef("entity_key"),
        pk__lt=OuterRef("pk"),
    )  # fmt: skip
    found = []
    for status in Delivery.OPEN:
        query = (
            Delivery.objects.due(now)
            .filter(subscription_id=subscription_id, status=status, subscription__is_active=True)
            .annotate(held_back=Exists(earlier))
            .filter(Q(entity_key="") | Q(held_back=False))
            .select_related("subscription")
            .order_by("pk")
        )
        found.extend(query[:CANDIDATES])
    return sorted(found, key=lambda delivery: delivery.pk)[:CANDIDATES]


def deliveries_claim(subscription_id, worker, limit):
    """Return the Claims of up to `limit` deliveries of the subscription this worker took, in
    id order (none when the subscription is inactive), in one transaction. Candidates are never
    two of one entity (the later one is held back by the earlier), so they may be sent one
    after the other; two workers take their candidates in id order, so they never deadlock."""
    now = timezone.now()
    lease = timedelta(seconds=conf.get("LEASE_SECONDS"))
    claims = []
    candidates = claimable(subscription_id, now)
    with transaction.atomic():
        relax_durability()  # a claim lost in a crash only lets the delivery be sent again
        for candidate in candidates:
            taken = (
                Delivery.objects.due(now)
                .filter(pk=candidate.pk, attempts=candidate.attempts)
                .update(lease_until=now + lease, worker=worker, attempts=F("attempts") + 1)
            )
            if taken:  # the candidate as read, now ours: no need to read it again
                candidate.attempts, candidate.worker = candidate.attempts + 1, worker
                claims.append(Claim(candidate, worker, candidate.attempts))
                if len(claims) == limit:
                    break
    return claims


@dataclass(frozen=True, slots=True)
class Sent:
    """One claimed delivery sent: its Claim, the Outcome, and when the attempt started."""

    claim: Claim
    outcome: Outcome
    started: datetime


def delivery_send(claim):
    """POST the claimed delivery, signed now; return what was Sent (recorded by the caller)."""
    delivery = claim.delivery
    subscription = delivery.subscription
    headers = webhook_headers(subscription.secret, delivery.message_id, delivery.payload)
    started = timezone.now()
    outcome = webhook_post(subscription.url, delivery.payload.encode(), headers)
    return Sent(claim, outcome, started)


def deliveries_record(sent):
    """Store the attempts of `sent` (one subscription's claim, in sending order), each
    delivery's new state (fenced on its claim: a worker whose lease ran out records its attempt
    but no longer moves the delivery), and the subscription's health, in one transaction."""
    now = timezone.now()
    with transaction.atomic():
        relax_durability()
        Attempt.objects.bulk_create([attempt_of(one) for one in sent])
        for one in sent:
            claim, state = one.claim, next_state(one.claim.attempt, one.outcome.succeeded, now)
            Delivery.objects.filter(
                pk=claim.delivery.pk, worker=claim.worker, attempts=claim.attempt,
                status__in=Delivery.OPEN,
            ).update(lease_until=None, **state)  # fmt: skip
        subscription_health(
            sent[0].claim.delivery.subscription, [one.outcome.succeeded for one in sent], now
        )


def attempt_of(sent):
    """Return the unsaved Attempt of one delivery sent."""
    outcome = sent.outcome
    return Attempt(
        delivery=sent.claim.delivery, started_at=sent.started, status_code=outcome.status_code,
        latency_ms=outcome.latency_ms, response_excerpt=outcome.excerpt[:10_000],
        error=outcome.error[:1000], worker=sent.claim.worker,
    )  # fmt: skip


def next_state(attempt, succeeded, now):
    """Return the fields of a delivery after its `attempt`-th try."""
    if succeeded:
        return {"status": Delivery.Status.DELIVERED, "finished_at": now}
    delay = retry_delay(attempt)
    if delay is None:
        return {"status": Delivery.Status.DEAD, "finished_at": now}
    return {"status": Delivery.Status.RETRYING, "next_attempt_at": now + delay}


def retry_delay(attempt):
    """Return the wait after the `attempt`-th failed try (RETRY_SCHEDULE with +/- JITTER), or
    None when the schedule is spent (dead letter)."""
    schedule = conf.get("RETRY_SCHEDULE")
    if attempt > len(schedule):
        return None
    jitter = conf.get("JITTER")
    return timedelta(seconds=schedule[attempt - 1] * random.uniform(1 - jitter, 1 + jitter))


def subscription_health(subscription, successes, now):
    """Note the outcomes of a batch, in sending order (`successes`: whether each succeeded): a
    success makes the subscription healthy again; ending on a failure marks it failing since
    now, unless already. A subscription failing for DISABLE_AFTER_DAYS is deactivated and its
    owner e-mailed."""
    mine = Subscription.objects.filter(pk=subscription.pk)
    if any(successes) and subscription.failing_since is not None:  # as read with the claim
        mine.filter(failing_since__isnull=False).update(failing_since=None)
    if successes[-1]:
        return
    mine.filter(failing_since__isnull=True).update(failing_since=now)
    cutoff = now - timedelta(days=conf.get("DISABLE_AFTER_DAYS"))
    if mine.filter(is_active=True, failing_since__lt=cutoff).update(
        is_active=False, disabled_at=now
    ):
        ConfigurationVersion.bump()  # every process recompiles its routes
        subscription.refresh_from_db()
        transaction.on_commit(lambda: owner_notify(subscription))


def relax_durability():
    """On PostgreSQL, let this transaction commit without waiting for the disk: a database
    crash may lose the last fraction of a second of attempts, and their deliveries are then
    sent again (at least once holds); never a delivery marked sent that was not."""
    statement = dialect().relax_durability_sql
    if statement:
        with connection.cursor() as cursor:
            cursor.execute(statement)


def owner_notify(subscription):
    """E-mail the owner of a subscription that was just disabled."""
    owner = subscription.owner
    if owner is None or not owner.email:
        logger.warning("Webhook subscription %s disabled; no owner e-mail to tell", subscription)
        return
    days = conf.get("DISABLE_AFTER_DAYS")
    send_mail(
        subject=f"Webhook subscription {subscription.name!r} disabled",
        message=(
            f"Every delivery to {subscription.url} has failed for {days} days, so the"
            f" subscription {subscription.name!r} was disabled. Its pending deliveries are kept:"
            " fix the receiver, then activate the subscription again in the admin."
        ),
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[owner.email],
    )
