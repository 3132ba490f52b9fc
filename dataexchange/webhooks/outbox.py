"""Put events into the outbox: one Delivery row per subscription that wants the event, in the
transaction of whatever caused it, and a task enqueued once that transaction commits.

Entity events come from the change log (`pump`); jobs and the exchange log call the emitters
below where a job ends or a failed exchange is recorded."""

from django.db import transaction
from django.utils import timezone

import orjson

from dataexchange.webhooks.models import TEST_EVENT, Delivery, Event, Subscription
from dataexchange.webhooks.routing import routes_for


def payload_dump(payload):
    """Return the JSON text of a payload, exactly as it will be signed and sent."""
    return orjson.dumps(payload).decode()


def deliveries_add(rows):
    """Insert Delivery rows; once the transaction commits, enqueue their subscriptions' tasks."""
    if not rows:
        return
    Delivery.objects.bulk_create(rows)
    subscription_ids = sorted({row.subscription_id for row in rows})
    transaction.on_commit(lambda: deliveries_kick(subscription_ids))


def deliveries_kick(subscription_ids):
    """Enqueue a delivery task for each subscription."""
    from dataexchange.webhooks.tasks import webhook_deliver

    for subscription_id in subscription_ids:
        webhook_deliver.enqueue(subscription_id)


def event_emit(event, alias, entity_key, payload):
    """Add `payload` for every active subscription routed `event` of endpoint `alias`; return
    how many. Costs no query when no subscription wants it."""
    subscription_ids = routes_for(event, alias)
    if not subscription_ids:
        return 0
    body = payload_dump(payload)
    rows = [
        Delivery(
            subscription_id=subscription_id,
            event=event,
            endpoint=alias or "",
            entity_key=entity_key,
            payload=body,
        )  # fmt: skip
        for subscription_id in subscription_ids
    ]
    deliveries_add(rows)
    return len(rows)


def event_payload(event, endpoint, now, **body):
    """Return the payload of `event`: its type, time and endpoint, then `body` (in order)."""
    return {"type": event.value, "timestamp": iso(now), "endpoint": endpoint, **body}


def job_finished(job):
    """Emit `job.finished` for `job`, which has just reached a final status (call inside the
    transaction that stores that status)."""
    payload = event_payload(
        Event.JOB_FINISHED, job.endpoint, timezone.now(),
        job={
            "id": str(job.id), "status": job.status, "method": job.method,
            "itemsTotal": job.items_total, "itemsSucceeded": job.items_done,
            "itemsFailed": job.items_failed, "createdAt": iso(job.created_at),
            "finishedAt": iso(job.finished_at), "requestId": str(job.exchange_id or "") or None,
        },
    )  # fmt: skip
    return event_emit(Event.JOB_FINISHED, job.endpoint, f"job:{job.id}", payload)


def alert_notified(rule, kind, subject, summary, link, now):
    """Emit `alert` for an alert rule that fired, keeps firing past its cooldown or recovered.

    The payload is also a chat message: `text` (Slack incoming webhooks, Microsoft Teams
    connectors and most chat tools post it as is), `title` and `summary` (Teams' message card),
    beside the structured `alert` object. Routed like the other events, by the rule's endpoint
    (a rule over all endpoints reaches subscriptions without an endpoint filter)."""
    payload = event_payload(
        Event.ALERT, rule.endpoint or None, now,
        text=f"{subject}\n{summary}\n{link}",
        title=subject,
        summary=subject,
        alert={
            "rule": rule.name, "kind": kind, "condition": rule.get_kind_display(),
            "threshold": rule.threshold, "windowMinutes": rule.window_minutes,
            "endpoint": rule.endpoint or None, "finding": summary, "link": link,
        },
    )  # fmt: skip
    return event_emit(Event.ALERT, rule.endpoint or "", f"alert:{rule.pk}", payload)


def exchange_failed(exchange):
    """Emit `exchange.failed` for a failed exchange being recorded (call inside the
    transaction that inserts it)."""
    payload = event_payload(
        Event.EXCHANGE_FAILED, exchange.endpoint, timezone.now(),
        exchange={
            "requestId": str(exchange.id), "method": exchange.method, "path": exchange.path,
            "httpStatus": exchange.http_status, "status": exchange.status,
            "errorCodes": exchange.error_code_list, "itemCount": exchange.item_count,
            "failedCount": exchange.failed_count, "client": exchange.client,
            "createdAt": iso(exchange.created_at),
        },
    )  # fmt: skip
    return event_emit(Event.EXCHANGE_FAILED, exchange.endpoint, "", payload)


def webhook_test_send(subscription):
    """Add a `webhook.test` delivery for `subscription` (the admin's "send test event")."""
    payload = {
        "type": TEST_EVENT,
        "timestamp": iso(timezone.now()),
        "subscription": subscription.name,
    }
    with transaction.atomic():
        deliveries_add(
            [Delivery(subscription=subscription, event=TEST_EVENT, payload=payload_dump(payload))]
        )


def deliveries_redeliver(deliveries):
    """Send delivered or dead-lettered `deliveries` again, under their `webhook-id`; return how
    many were reopened."""
    with transaction.atomic():
        reopened = list(deliveries.exclude(status__in=Delivery.OPEN).values_list("pk", flat=True))
        Delivery.objects.filter(pk__in=reopened).update(
            status=Delivery.Status.PENDING, next_attempt_at=timezone.now(), finished_at=None,
            lease_until=None, attempts=0,
        )  # fmt: skip
        ids = Subscription.objects.filter(deliveries__pk__in=reopened).values_list("pk", flat=True)
        subscription_ids = sorted(set(ids))
        transaction.on_commit(lambda: deliveries_kick(subscription_ids))
    return len(reopened)


def iso(moment):
    """Return `moment` as ISO 8601 (None stays None)."""
    return moment.isoformat() if moment is not None else None
