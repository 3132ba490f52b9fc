"""Entity events from the change log reach a real receiver, signed (verified with
standardwebhooks' own verifier), in order per entity, through the task engine; failed
attempts are retried, then dead-lettered; a subscription failing for days is disabled."""

import json
import time
from datetime import timedelta

from django.core import mail
from django.utils import timezone

import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from dataexchange.webhooks.models import Attempt, Delivery, Subscription
from dataexchange.webhooks.retention import webhooks_prune
from tests.webhooks.conftest import ALIAS, change, pump_and_deliver, subscribe

ENTITY = ["entity.created", "entity.updated", "entity.deleted"]


def bodies(receiver):
    return [json.loads(r.body) for r in receiver.received]


def test_entity_events_arrive_signed_with_the_row_as_the_endpoint_shows_it(endpoint, receiver):
    subscription = subscribe(receiver.url, ENTITY, [endpoint])
    change("A", "create", qty=3)
    change("A", "update", qty=4)
    change("A", "delete")
    assert pump_and_deliver() == 3
    verifier = Webhook(subscription.secret)
    payloads = [verifier.verify(r.body, r.headers) for r in receiver.received]
    assert [(p["type"], p["operation"], p["identifier"]) for p in payloads] == [
        ("entity.created", "create", "A"),
        ("entity.updated", "update", "A"),
        ("entity.deleted", "delete", "A"),
    ]
    # the row as the endpoint shows it *now*: deleted by the time of sending, so null
    assert [p["data"] for p in payloads] == [None, None, None]
    assert {p["endpoint"] for p in payloads} == {ALIAS}
    assert all(p["cursor"] and p["changedAt"] for p in payloads)
    ids = [r.headers["webhook-id"] for r in receiver.received]
    assert len(set(ids)) == 3 and all(i.startswith("msg_") for i in ids)
    assert set(Delivery.objects.values_list("status", flat=True)) == {"delivered"}
    attempt = Attempt.objects.first()
    assert attempt.status_code == 200 and attempt.latency_ms > 0
    assert attempt.response_excerpt == "ok"


def test_data_is_the_current_row_and_only_wanted_events_are_sent(endpoint, receiver):
    subscribe(receiver.url, ["entity.created"], [endpoint])
    change("B", "create", qty=7)
    change("B", "update", qty=8)
    assert pump_and_deliver() == 1
    (payload,) = bodies(receiver)
    assert payload["data"] == {"id_item": payload["data"]["id_item"], "code": "B", "qty": 8}
    assert pump_and_deliver() == 0  # the cursor moved on: nothing twice


def test_subscription_created_later_does_not_replay_history(endpoint, receiver):
    from dataexchange.changes.feed import latest_position, sequence_pending

    change("C", "create")
    sequence_pending()
    subscription = subscribe(receiver.url, ENTITY, [endpoint])
    Subscription.objects.filter(pk=subscription.pk).update(cursor=latest_position())
    change("D", "create")
    assert pump_and_deliver() == 1
    assert [p["identifier"] for p in bodies(receiver)] == ["D"]


def test_tampered_or_replayed_signatures_fail_verification(endpoint, receiver):
    subscription = subscribe(receiver.url, ENTITY, [endpoint])
    change("E", "create")
    pump_and_deliver()
    (request,) = receiver.received
    verifier = Webhook(subscription.secret)
    verifier.verify(request.body, request.headers)
    tampered = request.body.replace(b'"E"', b'"F"')
    with pytest.raises(WebhookVerificationError):
        verifier.verify(tampered, request.headers)
    old = {**request.headers, "webhook-timestamp": str(int(time.time()) - 3600)}
    with pytest.raises(WebhookVerificationError):  # replayed an hour later: too old
        verifier.verify(request.body, old)
    with pytest.raises(WebhookVerificationError):  # another subscription's secret
        Webhook("whsec_" + "A" * 44).verify(request.body, request.headers)


def test_receiver_down_then_up_every_event_arrives_in_order_per_entity(
    endpoint, receiver, settings
):
    settings.DATA_EXCHANGE_WEBHOOKS = {
        **settings.DATA_EXCHANGE_WEBHOOKS, "RETRY_SCHEDULE": [1] * 8
    }  # fmt: skip
    subscribe(receiver.url, ENTITY, [endpoint])
    receiver.stop()  # connections refused
    for step in range(3):
        change("P", "create" if step == 0 else "update", qty=step)
        change("Q", "create" if step == 0 else "update", qty=step)
    assert pump_and_deliver() == 6
    failed = Attempt.objects.all()
    # one attempt per entity: the later events of an entity wait for its first one
    assert len(failed) == 2 and all(a.status_code is None and a.error for a in failed)
    assert set(Delivery.objects.values_list("status", flat=True)) == {"retrying", "pending"}
    receiver.start()
    deadline = time.monotonic() + 30
    while Delivery.objects.open().exists() and time.monotonic() < deadline:
        time.sleep(0.3)
        pump_and_deliver()
    assert not Delivery.objects.open().exists()
    arrived = [(p["identifier"], p["operation"]) for p in bodies(receiver)]
    for code in ("P", "Q"):
        mine = [operation for identifier, operation in arrived if identifier == code]
        assert mine == ["create", "update", "update"]


def test_failing_deliveries_are_dead_lettered_after_the_schedule(endpoint, receiver):
    receiver.behaviour.status, receiver.behaviour.body = 500, b"boom" * 1000
    subscribe(receiver.url, ENTITY, [endpoint])
    change("G", "create")
    pump_and_deliver()
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts) == ("dead", 4)  # 1 + 3 retries
    attempts = list(delivery.log.order_by("id"))
    assert [a.status_code for a in attempts] == [500] * 4
    assert len(attempts[0].response_excerpt) == 1024  # capped
    assert len({r.headers["webhook-id"] for r in receiver.received}) == 1  # same id each time


def test_redirect_is_a_failed_attempt_not_followed(endpoint, receiver, settings):
    settings.DATA_EXCHANGE_WEBHOOKS = {**settings.DATA_EXCHANGE_WEBHOOKS, "RETRY_SCHEDULE": []}
    receiver.behaviour.status, receiver.behaviour.location = 302, "http://169.254.169.254/"
    subscribe(receiver.url, ENTITY, [endpoint])
    change("H", "create")
    pump_and_deliver()
    attempt = Attempt.objects.get()
    assert attempt.status_code == 302
    assert "not followed" in attempt.response_excerpt
    assert Delivery.objects.get().status == "dead"
    assert len(receiver.received) == 1  # nothing went to the Location


def test_subscription_failing_for_days_is_disabled_and_its_owner_emailed(
    endpoint, receiver, django_user_model
):
    owner = django_user_model.objects.create_user("hookowner", "hooks@example.com", "pw-1!")
    receiver.behaviour.status = 503
    subscription = subscribe(receiver.url, ENTITY, [endpoint], owner=owner)
    Subscription.objects.filter(pk=subscription.pk).update(
        failing_since=timezone.now() - timedelta(days=3, minutes=1)
    )
    change("I", "create")
    pump_and_deliver()
    subscription.refresh_from_db()
    assert not subscription.is_active and subscription.disabled_at is not None
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["hooks@example.com"]
    assert "disabled" in mail.outbox[0].subject
    assert Delivery.objects.get().status == "retrying"  # kept for when it is reactivated


def test_a_success_clears_the_failing_mark(endpoint, receiver):
    subscription = subscribe(receiver.url, ENTITY, [endpoint])
    Subscription.objects.filter(pk=subscription.pk).update(
        failing_since=timezone.now() - timedelta(days=1)
    )
    change("J", "create")
    pump_and_deliver()
    subscription.refresh_from_db()
    assert subscription.is_active and subscription.failing_since is None


def test_pruning_removes_old_finished_deliveries_only(endpoint, receiver):
    subscribe(receiver.url, ENTITY, [endpoint])
    for code in ("K", "L"):
        change(code, "create")
    pump_and_deliver()
    old = timezone.now() - timedelta(days=31)
    first = Delivery.objects.order_by("pk").first()
    Delivery.objects.filter(pk=first.pk).update(finished_at=old)
    Delivery.objects.create(subscription=first.subscription, event="entity.created", payload="{}")
    assert webhooks_prune() == 1
    assert not Attempt.objects.filter(delivery_id=first.pk).exists()
    assert Delivery.objects.count() == 2  # the recent one and the open one stay


def test_redeliver_sends_again_under_the_same_id(endpoint, receiver):
    from dataexchange.webhooks.outbox import deliveries_redeliver

    subscribe(receiver.url, ENTITY, [endpoint])
    change("M", "create")
    pump_and_deliver()
    assert deliveries_redeliver(Delivery.objects.all()) == 1
    pump_and_deliver()
    ids = [r.headers["webhook-id"] for r in receiver.received]
    assert len(ids) == 2 and ids[0] == ids[1]
    assert Delivery.objects.get().status == "delivered"


def test_a_backlog_larger_than_a_batch_is_moved_in_rounds_in_order(endpoint, receiver, settings):
    settings.DATA_EXCHANGE_WEBHOOKS = {**settings.DATA_EXCHANGE_WEBHOOKS, "PUMP_BATCH": 3}
    subscribe(receiver.url, ENTITY, [endpoint])
    for n in range(8):
        change(f"R{n}", "create")
    assert pump_and_deliver() == 8
    assert [p["identifier"] for p in bodies(receiver)] == [f"R{n}" for n in range(8)]


def test_redirects_followed_when_allowed_each_hop_checked(endpoint, receiver, settings):
    from tests.webhooks.receiver import Receiver

    final = Receiver().start()
    try:
        settings.DATA_EXCHANGE_WEBHOOKS = {
            **settings.DATA_EXCHANGE_WEBHOOKS, "FOLLOW_REDIRECTS": True
        }  # fmt: skip
        receiver.behaviour.status, receiver.behaviour.location = 307, final.url
        subscribe(receiver.url, ENTITY, [endpoint])
        change("T", "create")
        pump_and_deliver()
        assert len(final.received) == 1 and Delivery.objects.get().status == "delivered"
        settings.DATA_EXCHANGE_WEBHOOKS = {
            **settings.DATA_EXCHANGE_WEBHOOKS, "FOLLOW_REDIRECTS": True, "ALLOW_PRIVATE": False
        }  # fmt: skip
        from dataexchange.webhooks.transport import webhook_post

        outcome = webhook_post(receiver.url, b"{}", {})  # the first hop is refused already
        assert outcome.error.startswith("refused:") and len(receiver.received) == 1
    finally:
        final.stop()
