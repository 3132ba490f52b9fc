"""Fixtures of the webhook tests: a real receiver, a tracked raw-SQL table served as an
endpoint, subscriptions, and helpers that write change-log entries as the triggers do."""

from django.core.management import call_command
from django.db import connection

import pytest

from dataexchange.changes.capture import triggers_sync
from dataexchange.changes.feed import sequence_pending
from dataexchange.models import Endpoint
from dataexchange.webhooks import routing
from dataexchange.webhooks.keys import secret_generate
from dataexchange.webhooks.models import Subscription
from tests.support.ddl import create_tables, drop_tables
from tests.support.endpoints import make_endpoint
from tests.support.fixtures import fresh_registry  # noqa: F401  (autouse here)
from tests.webhooks.receiver import Receiver

ALIAS = "hook-items"
TABLE = "hook_item"


@pytest.fixture(scope="session", autouse=True)
def hook_table(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        create_tables({TABLE: "id_item {pk}, code VARCHAR(20) NOT NULL UNIQUE, qty INTEGER"})
    yield
    with django_db_blocker.unblock():
        drop_tables(TABLE)


@pytest.fixture(autouse=True)
def webhook_settings(settings):
    """Allow loopback targets (the receiver), short leases, a short retry schedule."""
    settings.DATA_EXCHANGE_WEBHOOKS = {
        "ALLOW_PRIVATE": True,
        "LEASE_SECONDS": 2,
        "RETRY_SCHEDULE": [0, 0, 0],
        "JITTER": 0,
        "CONNECT_TIMEOUT": 2,
        "READ_TIMEOUT": 5,
    }
    routing.forget()
    yield settings
    routing.forget()


@pytest.fixture
def receiver():
    receiver = Receiver().start()
    yield receiver
    receiver.stop()


@pytest.fixture
def endpoint(transactional_db):
    """`hook_item` served as `hook-items` with changes tracked; emptied around the test."""
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {TABLE}")
    fields = [
        ("id_item", "integer", {"is_creatable": False, "is_editable": False}),
        ("code", "string", {"is_required": True, "max_length": 20}),
        ("qty", "integer", {}),
    ]
    endpoint = make_endpoint(ALIAS, TABLE, "code", fields, deletable=True)
    endpoint.track_changes = True
    endpoint.save()
    triggers_sync()  # the capture triggers, as the admin installs them on save
    yield endpoint
    Endpoint.objects.filter(pk=endpoint.pk).update(track_changes=False)
    triggers_sync()
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {TABLE}")


def subscribe(url, events, endpoints=(), owner=None, name="hook"):
    """Create an active subscription with a fresh secret; return it."""
    subscription = Subscription.objects.create(
        name=name, url=url, events=list(events), owner=owner, secret=secret_generate()
    )
    subscription.endpoints.set(endpoints)
    return subscription


def change(code, operation="create", qty=1):
    """Change a row of `hook_item` by plain SQL, outside the application: the capture
    triggers record it."""
    with connection.cursor() as cursor:
        if operation == "create":
            cursor.execute(f"INSERT INTO {TABLE} (code, qty) VALUES (%s, %s)", [code, qty])
        elif operation == "update":
            cursor.execute(f"UPDATE {TABLE} SET qty = %s WHERE code = %s", [qty, code])
        else:
            cursor.execute(f"DELETE FROM {TABLE} WHERE code = %s", [code])


def run_worker():
    """Run the task engine's worker in this process until no task is waiting."""
    call_command("db_worker", "--batch", "--no-startup-delay", "--interval", "0", verbosity=0)


def pump_and_deliver():
    """One pump run (as the scheduler fires it), then the worker until the queue is empty."""
    from dataexchange.webhooks.pump import webhooks_pump

    sequence_pending()
    created = webhooks_pump()
    run_worker()
    return created
