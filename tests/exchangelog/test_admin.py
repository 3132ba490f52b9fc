"""Admin: view-only lists with filters and search, detail logs, dashboard, CSV export, replay."""

import uuid
from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

import pytest

from dataexchange.exchangelog.models import Exchange
from tests.exchangelog.conftest import URL, send
from tests.exchangelog.factories import make_exchange, make_item

CHANGELIST = "admin:exchangelog_exchange_changelist"
ITEMS = "admin:exchangelog_exchangeitem_changelist"


@pytest.fixture
def logged(db):
    """Three recent exchanges: failed on countries, processed on regions, rejected anonymous."""
    now = timezone.now()
    failed = make_exchange(
        1, created_at=now, status="failed", error_codes=",1309,", identifiers="\nDE\nFR\n"
    )
    make_item(failed, 0, identifier="FR", error_code="1309")
    make_exchange(2, created_at=now, endpoint="regions", entity_id="north")
    make_exchange(3, created_at=now - timedelta(days=3), status="rejected", client="anonymous")
    return failed


def listed(response):
    return sorted(obj.pk.int for obj in response.context["cl"].result_list)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({}, [1, 2, 3]),
        ({"status__exact": "failed"}, [1]),
        ({"endpoint__exact": "regions"}, [2]),
        ({"client__exact": "anonymous"}, [3]),
        ({"error_code": "1309"}, [1]),
        ({"q": str(uuid.UUID(int=2))}, [2]),
        ({"q": "FR"}, [1]),
        ({"q": "north"}, [2]),
        ({"q": "F"}, []),
    ],
)
def test_exchange_list_filters_and_search(admin_client, logged, query, expected):
    response = admin_client.get(reverse(CHANGELIST), query)
    assert response.status_code == 200
    assert listed(response) == expected


def test_date_filter_and_failed_first(admin_client, logged):
    since = (timezone.now() - timedelta(days=1)).isoformat()
    response = admin_client.get(reverse(CHANGELIST), {"created_at__gte": since})
    assert listed(response) == [1, 2]
    html = response.content.decode()
    order = [html.index(f"status__exact={s}") for s in ("failed", "partially_failed", "processed")]
    assert order == sorted(order)


def test_item_list_filters_and_search(admin_client, logged):
    url = reverse(ITEMS)
    assert admin_client.get(url, {"q": "FR"}).context["cl"].result_count == 1
    assert admin_client.get(url, {"q": str(uuid.UUID(int=1))}).context["cl"].result_count == 1
    assert admin_client.get(url, {"error_code": "1307"}).context["cl"].result_count == 0
    response = admin_client.get(url, {"exchange__endpoint__exact": "countries"})
    assert response.context["cl"].result_count == 1


def test_log_is_view_only(admin_client, logged):
    change = reverse("admin:exchangelog_exchange_change", args=[logged.pk])
    response = admin_client.get(change)
    assert response.status_code == 200
    assert b"Save" not in response.content
    assert admin_client.post(change, {"endpoint": "x"}).status_code == 403
    assert admin_client.get(reverse("admin:exchangelog_exchange_add")).status_code == 403
    delete = reverse("admin:exchangelog_exchange_delete", args=[logged.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403


@pytest.mark.usefixtures("countries")
def test_detail_page_shows_import_and_export_log(admin_client, api):
    body = [{"iso2": "DE", "name": "Germany"}, {"iso2": "DEU", "name": "Germany"}]
    send(api, "POST", URL, body)
    exchange = Exchange.objects.get()
    html = admin_client.get(
        reverse("admin:exchangelog_exchange_change", args=[exchange.pk])
    ).content.decode()
    assert "Import log" in html and "Export log" in html
    assert "&quot;iso2&quot;: &quot;DEU&quot;" in html
    assert "Invalid data value `exl-countries[1]` for field: `iso2`" in html
    assert "rolled back with its batch" in html
    item = exchange.items.get(index=1)
    page = admin_client.get(reverse("admin:exchangelog_exchangeitem_change", args=[item.pk]))
    assert "Replayable" in page.content.decode()


def test_request_level_errors_on_detail_page(admin_client, db):
    exchange = make_exchange(
        1, status="rejected", http_status=403,
        errors=[{"message": "Unauthorized request.", "status": 403, "code": None}],
    )  # fmt: skip
    html = admin_client.get(
        reverse("admin:exchangelog_exchange_change", args=[exchange.pk])
    ).content.decode()
    assert "Request errors" in html and "Unauthorized request." in html


def test_dashboard_counts_by_status_with_links(admin_client, logged):
    response = admin_client.get(reverse("admin:exchangelog_exchange_dashboard"))
    assert response.status_code == 200
    day, week = response.context["periods"]
    assert {s["label"]: s["count"] for s in day["statuses"]} == {
        "failed": 1,
        "partially failed": 0,
        "rejected": 0,
        "processed": 1,
    }
    assert week["total"] == 3
    failed_link = week["statuses"][0]["url"]
    assert "status__exact=failed" in failed_link
    assert listed(admin_client.get(failed_link)) == [1]
    assert failed_link.replace("&", "&amp;") in response.content.decode()


def test_export_all_matching_current_filters(admin_client, logged):
    changelist = admin_client.get(reverse(CHANGELIST), {"status__exact": "failed"})
    export = reverse("admin:exchangelog_exchange_export") + "?status__exact=failed"
    assert export in changelist.content.decode()
    response = admin_client.get(export)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="exchanges-')
    lines = b"".join(response.streaming_content).decode().splitlines()
    assert len(lines) == 2 and lines[1].startswith(str(uuid.UUID(int=1)))


def test_export_all_items(admin_client, logged):
    response = admin_client.get(reverse("admin:exchangelog_exchangeitem_export"), {"q": "FR"})
    lines = b"".join(response.streaming_content).decode().splitlines()
    assert len(lines) == 2 and ",FR,create,failed,1309," in lines[1]


def test_export_selected_action(admin_client, logged):
    response = admin_client.post(
        reverse(CHANGELIST),
        {"action": "export_csv", "_selected_action": [str(uuid.UUID(int=2))]},
    )
    lines = b"".join(response.streaming_content).decode().splitlines()
    assert [line.split(",")[2] for line in lines] == ["endpoint", "regions"]


def test_export_needs_view_permission(client, django_user_model, logged):
    staff = django_user_model.objects.create_user("clerk", password="pw", is_staff=True)
    client.force_login(staff)
    assert client.get(reverse("admin:exchangelog_exchange_export")).status_code == 403


@pytest.mark.usefixtures("countries")
def test_replay_action(admin_client, api):
    send(api, "POST", URL, [{"iso2": "DE", "name": "Germany"}, {"iso2": "DEU", "name": "x"}])
    original = Exchange.objects.get()
    response = admin_client.post(
        reverse(ITEMS),
        {"action": "replay", "_selected_action": [original.items.get(index=0).pk]},
        follow=True,
    )
    replay = Exchange.objects.get(replay_of=original)
    assert replay.status == "processed"
    assert "as <a href=" in response.content.decode()
    response = admin_client.post(
        reverse(CHANGELIST), {"action": "replay", "_selected_action": [replay.pk]}, follow=True
    )
    assert "No replayable items selected." in response.content.decode()


def test_replay_action_needs_its_permission(client, django_user_model, logged):
    from django.contrib.auth.models import Permission

    staff = django_user_model.objects.create_user("clerk", password="pw", is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="view_exchange"))
    client.force_login(staff)
    actions = client.get(reverse(CHANGELIST)).context["action_form"].fields["action"].choices
    assert [name for name, _ in actions] == ["", "export_csv"]
