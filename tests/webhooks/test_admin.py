"""The admin of subscriptions: the secret is shown once, private targets are refused on save,
staff who are not superusers see only their own subscriptions and deliveries."""

import re

from django.contrib.auth.models import Permission
from django.test import Client

import pytest

from dataexchange.webhooks.models import Delivery, Subscription
from tests.webhooks.conftest import subscribe

ADD = "/admin/webhooks/subscription/add/"
LIST = "/admin/webhooks/subscription/"
SECRET = re.compile(r"whsec_[A-Za-z0-9+/=]{40,}")


@pytest.fixture
def staff(transactional_db, django_user_model):
    """Return a logged-in client of a staff user (not a superuser) allowed to manage webhooks."""
    user = django_user_model.objects.create_user("staffer", "s@example.com", "pw-1!", is_staff=True)
    user.user_permissions.set(Permission.objects.filter(content_type__app_label="webhooks"))
    client = Client()
    client.force_login(user)
    return client, user


def add(client, url, endpoint_ids=()):
    data = {"name": "mine", "url": url, "events": ["entity.created", "job.finished"],
            "is_active": "on", "endpoints": list(endpoint_ids)}  # fmt: skip
    return client.post(ADD, data, follow=True)


def test_secret_is_shown_once_and_the_owner_is_the_creator(staff, endpoint, receiver):
    client, user = staff
    response = add(client, receiver.url, [endpoint.pk])
    shown = SECRET.findall(response.content.decode())
    subscription = Subscription.objects.get()
    assert shown == [subscription.secret]
    assert subscription.owner == user
    page = client.get(f"{LIST}{subscription.pk}/change/").content.decode()
    assert subscription.secret not in page
    response = client.post(
        LIST, {"action": "rotate_secret", "_selected_action": [subscription.pk]}, follow=True
    )
    subscription.refresh_from_db()
    assert SECRET.findall(response.content.decode()) == [subscription.secret]
    assert subscription.secret != shown[0]


def test_private_targets_are_refused_on_save(staff, settings):
    settings.DATA_EXCHANGE_WEBHOOKS = {**settings.DATA_EXCHANGE_WEBHOOKS, "ALLOW_PRIVATE": False}
    client, _ = staff
    for url in ("http://127.0.0.1:9/hook", "http://localhost/hook", "http://[::1]/"):
        response = add(client, url)
        assert "loopback address" in response.content.decode()
    assert not Subscription.objects.exists()


def test_staff_see_only_their_own_subscriptions_and_deliveries(staff, receiver, admin_user):
    client, user = staff
    theirs = subscribe(receiver.url, ["job.finished"], owner=admin_user, name="not-yours")
    mine = subscribe(receiver.url, ["job.finished"], owner=user, name="yours")
    Delivery.objects.create(subscription=theirs, event="webhook.test", payload="{}")
    Delivery.objects.create(subscription=mine, event="webhook.test", payload="{}")
    page = client.get(LIST).content.decode()
    assert "yours" in page and "not-yours" not in page
    assert client.get(f"{LIST}{theirs.pk}/change/").status_code in (302, 404)
    deliveries = client.get("/admin/webhooks/delivery/").content.decode()
    assert deliveries.count("field-subscription") == 1


def test_send_test_event_and_see_the_attempt(staff, receiver):
    from tests.webhooks.conftest import run_worker

    client, user = staff
    mine = subscribe(receiver.url, ["job.finished"], owner=user)
    client.post(LIST, {"action": "send_test_event", "_selected_action": [mine.pk]})
    run_worker()
    assert len(receiver.received) == 1
    delivery = Delivery.objects.get()
    page = client.get(f"/admin/webhooks/delivery/{delivery.pk}/change/").content.decode()
    assert "webhook.test" in page and "200" in page
