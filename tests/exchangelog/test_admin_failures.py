"""Finding failures in the admin: search by what was sent, triage (automatic and by hand), the
entity timeline, the dashboard's counts and chart, the replay button, readable columns."""

import re

from django.contrib.auth.models import Permission
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

import pytest

from dataexchange.exchangelog.models import Exchange, ExchangeItem
from dataexchange.exchangelog.triage import CHUNK, failures_resolve_written
from tests.exchangelog.conftest import URL, send
from tests.exchangelog.factories import make_exchange, make_item

EXCHANGES = "admin:exchangelog_exchange_changelist"
ITEMS = "admin:exchangelog_exchangeitem_changelist"
Triage = ExchangeItem.Triage
pytestmark = pytest.mark.usefixtures("countries")


def found(admin_client, name, term):
    """Return the primary keys the list `name` finds for search `term`."""
    response = admin_client.get(reverse(name), {"q": term})
    assert response.status_code == 200
    return {obj.pk for obj in response.context["cl"].result_list}


@pytest.fixture
def failures(api):
    """A stored DE; then a batch whose DE duplicate (named DEU) and TOOLONG fail, item by item."""
    assert send(api, "POST", URL, [{"iso2": "DE", "name": "Germany"}]).status_code == 201
    body = [{"iso2": "DE", "name": "DEU"}, {"iso2": "TOOLONG", "name": "x"}, {"iso2": "FR"}]
    send(api, "POST", URL, body, **{"X-Is-Transactional": "false"})
    return Exchange.objects.get(failed_count=3)


def test_failed_items_are_found_by_what_was_sent(admin_client, failures):
    items = {item.index: item.pk for item in failures.items.all()}
    assert found(admin_client, ITEMS, "DEU") == {items[0]}
    assert found(admin_client, ITEMS, "deu") == {items[0]}
    assert found(admin_client, ITEMS, "TOOLONG") == {items[1]}
    assert found(admin_client, ITEMS, "NOTSENT") == set()
    assert found(admin_client, EXCHANGES, "DEU") == {failures.pk}
    assert found(admin_client, EXCHANGES, "TOOLONG") == {failures.pk}


def test_part_of_a_request_id_finds_its_exchange_and_items(admin_client, failures):
    part = str(failures.pk)[9:23]  # across a hyphen: ids are stored without them on SQLite
    assert found(admin_client, EXCHANGES, part) == {failures.pk}
    assert found(admin_client, ITEMS, part) == set(failures.items.values_list("pk", flat=True))
    assert found(admin_client, EXCHANGES, str(failures.pk)[:8]) == {failures.pk}


def test_failures_open_and_a_later_write_resolves_them(api, failures):
    states = dict(failures.items.values_list("identifier", "triage"))
    assert states == {"DE": Triage.OPEN, "TOOLONG": Triage.OPEN, "FR": Triage.OPEN}
    assert send(api, "POST", URL, [{"iso2": "FR", "name": "France"}]).status_code == 201
    fixed = Exchange.objects.latest("created_at")
    states = dict(failures.items.values_list("identifier", "triage"))
    assert states == {"DE": Triage.OPEN, "TOOLONG": Triage.OPEN, "FR": Triage.RESOLVED}
    item = failures.items.get(identifier="FR")
    assert item.triaged_by == f"automatically: written successfully by request {fixed.pk}"


def test_failed_write_or_dry_run_resolves_nothing(api, failures):
    send(api, "PATCH", URL, [{"iso2": "DE", "population": -1}])
    send(api, "PATCH", URL, [{"iso2": "DE", "population": 5}], **{"X-Dry-Run": "true"})
    assert failures.items.get(identifier="DE").triage == Triage.OPEN
    assert send(api, "PATCH", URL, [{"iso2": "DE", "population": 5}]).status_code == 200
    assert failures.items.get(identifier="DE").triage == Triage.RESOLVED


def test_other_endpoint_does_not_resolve(api, failures):
    other = make_exchange(99, endpoint="regions", created_at=timezone.now())
    assert failures_resolve_written(other, ["FR"]) == 0
    assert failures.items.get(identifier="FR").triage == Triage.OPEN


@pytest.mark.parametrize(
    ("written", "statements"),
    [([], []), (["X"], ["SELECT"]), (["FR"], ["SELECT", "UPDATE"]), (["X"] * 501, ["SELECT"])],
)
def test_resolving_costs_a_select_per_500_written(failures, written, statements):
    """What a successful write pays for triage: one SELECT per 500 distinct written
    identifiers, an UPDATE only when open failures were found (timings: see the report)."""
    exchange = make_exchange(98, endpoint="exl-countries", created_at=timezone.now())
    with CaptureQueriesContext(connection) as queries:
        failures_resolve_written(exchange, written)
    assert [q["sql"].split()[0] for q in queries.captured_queries] == statements


def test_resolving_many_written_in_chunks(failures):
    exchange = make_exchange(98, endpoint="exl-countries", created_at=timezone.now())
    with CaptureQueriesContext(connection) as queries:
        written = [f"X{n}" for n in range(2 * CHUNK)] + ["FR"]  # three lookups' worth
        assert failures_resolve_written(exchange, written) == 1
    assert [q["sql"].split()[0] for q in queries.captured_queries] == [
        "SELECT",
        "SELECT",
        "SELECT",
        "UPDATE",
    ]


def test_bulk_triage_actions_with_a_note(admin_client, failures):
    pks = list(failures.items.values_list("pk", flat=True))
    response = admin_client.post(
        reverse(ITEMS),
        {"action": "ignore", "_selected_action": pks[:2], "note": "known test data"},
        follow=True,
    )
    assert "2 failures ignored." in response.content.decode()
    ignored = ExchangeItem.objects.filter(triage=Triage.IGNORED)
    assert sorted(ignored.values_list("pk", flat=True)) == sorted(pks[:2])
    assert set(ignored.values_list("triage_note", "triaged_by")) == {("known test data", "admin")}
    admin_client.post(reverse(ITEMS), {"action": "reopen", "_selected_action": pks[:1]})
    assert ExchangeItem.objects.get(pk=pks[0]).triage == Triage.OPEN


def test_open_failures_listed_first(admin_client, failures):
    first = failures.items.get(index=0)
    first.triage = Triage.RESOLVED
    first.save()
    later = make_exchange(7, created_at=timezone.now(), status="failed")
    make_item(later, 0, status="rolled_back", triage=Triage.NONE)
    listed = admin_client.get(reverse(ITEMS)).context["cl"].result_list
    assert [item.triage for item in listed] == [
        Triage.OPEN,
        Triage.OPEN,
        Triage.RESOLVED,
        Triage.NONE,
    ]


def test_triage_on_the_item_page(admin_client, failures):
    item = failures.items.get(index=1)
    page = admin_client.get(reverse("admin:exchangelog_exchangeitem_change", args=[item.pk]))
    assert 'id="triage-form"' in page.content.decode()
    triage = reverse("admin:exchangelog_exchangeitem_triage", args=[item.pk])
    response = admin_client.post(
        triage, {"triage": "resolve", "note": "fixed upstream"}, follow=True
    )
    assert "1 failure resolved." in response.content.decode()
    item.refresh_from_db()
    assert (item.triage, item.triage_note) == (Triage.RESOLVED, "fixed upstream")
    response = admin_client.post(triage, {"triage": "bogus"}, follow=True)
    assert "Choose resolve, ignore or reopen." in response.content.decode()


def test_triage_needs_its_permission(client, django_user_model, failures):
    staff = django_user_model.objects.create_user("clerk", password="pw", is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="view_exchangeitem"))
    client.force_login(staff)
    item = failures.items.first()
    triage = reverse("admin:exchangelog_exchangeitem_triage", args=[item.pk])
    assert client.post(triage, {"triage": "resolve"}).status_code == 403
    actions = client.get(reverse(ITEMS)).context["action_form"].fields["action"].choices
    assert "resolve" not in [name for name, _ in actions]


@override_settings(EXCHANGE_LOG={"ITEMS": "all", "CAPTURE": "all"})
def test_timeline_of_an_entity_with_diffs(admin_client, api):
    send(api, "POST", URL, [{"iso2": "NL", "name": "Holland", "population": 17}])
    send(api, "PATCH", URL, [{"iso2": "NL", "population": -3}])
    send(api, "PATCH", URL, [{"iso2": "NL", "name": "Netherlands"}])
    send(api, "POST", URL, [{"iso2": "BE", "name": "Belgium"}])
    item = ExchangeItem.objects.filter(identifier="NL", status="failed").get()
    page = admin_client.get(reverse("admin:exchangelog_exchangeitem_change", args=[item.pk]))
    url = page.context["timeline_url"]
    assert url.endswith("?endpoint=exl-countries&identifier=NL")
    response = admin_client.get(url)
    steps = response.context["steps"]
    assert [step.exchange.method for step in steps] == ["PATCH", "PATCH", "POST"]
    rename = [(c.name, c.before, c.after) for c in steps[0].changes]
    assert rename == [("name", '"Holland"', '"Netherlands"')]
    assert steps[1].item.status == "failed" and steps[1].changes == []
    assert ("population", None, "17") in [(c.name, c.before, c.after) for c in steps[2].changes]
    html = response.content.decode()
    assert "<del>&quot;Holland&quot;</del> → <ins>&quot;Netherlands&quot;</ins>" in html
    assert "Belgium" not in html


def test_exchange_page_items_first_and_replay_button(admin_client, api, failures):
    url = reverse("admin:exchangelog_exchange_change", args=[failures.pk])
    html = admin_client.get(url).content.decode()
    assert html.index("Item 0") < html.index("Remote address")
    assert html.count('class="module aligned collapse"') == 4
    assert 'id="replay-button"' in html
    # DE is still a duplicate; replaying fails again, and the message links to the new exchange
    replay = reverse("admin:exchangelog_exchange_replay", args=[failures.pk])
    response = admin_client.post(replay, follow=True)
    new = Exchange.objects.get(replay_of=failures)
    assert response.redirect_chain[-1][0].endswith(f"/{new.pk}/change/")
    assert (
        f'as <a href="/admin/exchangelog/exchange/{new.pk}/change/">' in response.content.decode()
    )
    assert admin_client.get(replay).status_code == 405


def test_lists_show_labels_seconds_and_messages(admin_client, failures):
    html = admin_client.get(reverse(ITEMS)).content.decode()
    assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", html)
    assert "rolled_back" not in re.sub(r"status__exact=rolled_back", "", html)
    assert ">failed</span>" in html and ">open</span>" in html
    assert "Failed to persist the data" in html
    exchanges = admin_client.get(reverse(EXCHANGES)).content.decode()
    assert "Failed to persist the data" in exchanges  # the first failed item's message
    assert "1309 Failed to persist the data for" in exchanges  # the error-code filter's meaning
    assert 'class="dx-jump" href="#changelist-filter"' in exchanges


def test_dashboard_counts_and_chart(admin_client, api, failures):
    send(api, "POST", URL, [{"iso2": "IT", "name": "Italy"}, {"iso2": "ES", "name": "Spain"}])
    response = admin_client.get(reverse("admin:exchangelog_exchange_dashboard"))
    day = response.context["periods"][0]
    assert len(day["statuses"]) + len(day["items"]) > 4
    items = {row["label"]: row["count"] for row in day["items"]}
    assert items["items failed"] == 3 and items["items processed"] == 3
    assert items["open failures (not resolved nor ignored)"] == 3
    (chart,) = response.context["charts"]
    assert (chart.endpoint, chart.processed, chart.failed, chart.peak) == ("exl-countries", 3, 3, 6)
    now_bar = chart.bars[-1]
    assert now_bar.failed_height == 45.0 and now_bar.processed_height == 45.0
    assert sum(bar.failed_height for bar in chart.bars) == 45.0
    html = response.content.decode()
    assert html.count('class="dx-failed"') == 24 and "<svg" in html and "cdn" not in html.lower()
