"""A real task worker SIGKILLed while its delivery is in flight: the delivery's lease runs
out, the periodic pump wakes its subscription again, and another worker sends it (at least
once: the receiver may see it twice, never not at all)."""

import os
import signal
import subprocess
import sys
import threading

from django.utils import timezone

import pytest

from dataexchange.webhooks.models import Attempt, Delivery
from dataexchange.webhooks.pump import webhooks_pump
from tests.support.servers import ROOT, database_url
from tests.support.waiting import wait_for
from tests.webhooks.conftest import change, run_worker, subscribe

pytestmark = pytest.mark.multiprocess


def start_db_worker():
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "PYTHONPATH": str(ROOT),
        "DATA_EXCHANGE_WEBHOOKS_ALLOW_PRIVATE": "true",
        "DATA_EXCHANGE_WEBHOOKS_LEASE_SECONDS": "2",
    }
    command = [sys.executable, "manage.py", "db_worker", "--no-reload", "--no-startup-delay",
               "--interval", "0.1"]  # fmt: skip
    return subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)


def test_killed_worker_delivery_still_arrives(endpoint, receiver):
    subscribe(receiver.url, ["entity.created"], [endpoint])
    hold = threading.Event()
    receiver.behaviour.hold = hold
    change("W", "create")
    assert webhooks_pump() == 1  # the delivery, and its task on the queue
    worker = start_db_worker()
    try:
        wait_for(receiver.behaviour.entered.is_set, what="the worker's request to arrive")
        delivery = Delivery.objects.get()
        assert delivery.worker.endswith(f":{worker.pid}") and delivery.attempts == 1
    finally:
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait()
    hold.set()  # the killed worker's request is answered to nobody
    receiver.behaviour.hold = None
    wait_for(lambda: len(receiver.received) == 1, what="the held request to end")
    receiver.received.clear()
    assert Delivery.objects.get().status == "pending"  # nothing recorded: the worker died
    wait_for(lambda: Delivery.objects.get().lease_until < timezone.now(), what="the lease")
    webhooks_pump()  # wakes the subscription: its delivery is due again
    run_worker()
    (request,) = receiver.received
    delivery = Delivery.objects.get()
    assert request.headers["webhook-id"] == delivery.message_id
    assert (delivery.status, delivery.attempts) == ("delivered", 2)
    assert not delivery.worker.endswith(f":{worker.pid}")
    assert Attempt.objects.count() == 1
