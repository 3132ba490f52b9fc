"""Deliveries keep one connection per receiver (HTTP keep-alive), replace one the receiver
closed, drop one after an answer too long to read on, and record a claim's attempts together
with the subscription's health as of the last one."""

from django.utils import timezone

import pytest

from dataexchange.webhooks.deliver import subscription_health
from dataexchange.webhooks.models import Attempt, Delivery, Subscription
from dataexchange.webhooks.transport import DRAIN_BYTES
from tests.webhooks.conftest import change, pump_and_deliver, subscribe
from tests.webhooks.receiver import Receiver

ENTITY = ["entity.created", "entity.updated", "entity.deleted"]


@pytest.fixture
def kept():
    """A receiver speaking HTTP/1.1 that keeps connections open."""
    receiver = Receiver(keep_alive=True).start()
    yield receiver
    receiver.stop()


def peers(receiver):
    return [r.peer_port for r in receiver.received]


def test_deliveries_to_one_receiver_share_one_connection(endpoint, kept):
    subscribe(kept.url, ENTITY, [endpoint])
    for n in range(5):
        change(f"K{n}", "create")
    assert pump_and_deliver() == 5
    assert len(kept.received) == 5
    assert len(set(peers(kept))) == 1
    assert set(Delivery.objects.values_list("status", flat=True)) == {"delivered"}
    assert Attempt.objects.filter(status_code=200).count() == 5


def test_a_connection_the_receiver_closed_is_replaced(endpoint, kept):
    subscribe(kept.url, ENTITY, [endpoint])
    change("C1", "create")
    pump_and_deliver()
    kept.stop()  # closes the kept connection from the receiver's side
    kept.start()  # same port
    change("C2", "create")
    pump_and_deliver()
    assert [r.peer_port != 0 for r in kept.received] == [True, True]
    assert len(set(peers(kept))) == 2
    assert set(Delivery.objects.values_list("status", flat=True)) == {"delivered"}


def test_an_answer_too_long_to_read_on_closes_the_connection(endpoint, kept):
    kept.behaviour.body = b"x" * (DRAIN_BYTES + 64 * 1024)
    subscribe(kept.url, ENTITY, [endpoint])
    change("L1", "create")
    pump_and_deliver()
    kept.behaviour.body = b"ok"
    change("L2", "create")
    change("L3", "create")
    pump_and_deliver()
    first, second, third = peers(kept)
    assert first != second == third  # a fresh connection after the long answer, then kept
    assert set(Delivery.objects.values_list("status", flat=True)) == {"delivered"}
    assert Attempt.objects.order_by("pk").first().response_excerpt == "x" * 1024


@pytest.mark.parametrize(
    "successes, failing",
    [([True, False], "now"), ([False, True], None), ([False, False], "before")],
)
def test_a_batch_leaves_the_health_of_its_last_outcome(transactional_db, successes, failing):
    now = timezone.now()
    before = now - timezone.timedelta(hours=1)
    subscription = subscribe("http://127.0.0.1:9/hook", ENTITY)
    Subscription.objects.filter(pk=subscription.pk).update(failing_since=before)
    subscription.refresh_from_db()
    subscription_health(subscription, successes, now)
    subscription.refresh_from_db()
    assert subscription.failing_since == {"now": now, "before": before, None: None}[failing]
