"""Alerts without cron: the scheduler fires `alerts.evaluate`, a task worker runs it and the mail
goes out; the admin says when rules were last evaluated, warns when that is stale, and refuses
rules that could never fire (an endpoint that is not configured, an error code that does not
exist)."""

from datetime import timedelta

from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from dataexchange.exchangelog.models import AlertRule
from dataexchange.jobs.scheduler import schedule_tick
from tests.exchangelog.conftest import ALIAS
from tests.exchangelog.factories import make_exchange

CHANGELIST = reverse("admin:exchangelog_alertrule_changelist")
ADD = reverse("admin:exchangelog_alertrule_add")


def rule(**values):
    defaults = {
        "name": "failures",
        "kind": AlertRule.Kind.FAILED_ITEMS,
        "threshold": 2,
        "window_minutes": 60,
        "recipients": "ops@example.com",
    }
    return AlertRule.objects.create(**{**defaults, **values})


def failures(count):
    now = timezone.now()
    for n in range(1, count + 1):
        make_exchange(
            n, created_at=now - timedelta(minutes=1), status="failed", http_status=400,
            failed_count=1, endpoint=ALIAS, error_codes=",1309,",
        )  # fmt: skip


def test_a_rule_fires_through_the_scheduler_and_a_task_worker(transactional_db, mailoutbox):
    watched = rule()
    failures(3)
    assert "alerts.evaluate" in schedule_tick(scheduler="test")
    assert mailoutbox == []  # the scheduler only enqueues
    call_command("db_worker", "--batch", "--no-startup-delay", "--interval", "0", verbosity=0)
    watched.refresh_from_db()
    assert watched.is_firing and watched.evaluated_at is not None
    assert [mail.to for mail in mailoutbox] == [["ops@example.com"]]
    assert "failures" in mailoutbox[0].subject


def messages_of(response):
    return [str(message) for message in response.context["messages"]]


def test_the_list_warns_when_rules_were_never_evaluated(admin_client):
    rule()
    shown = messages_of(admin_client.get(CHANGELIST))
    assert any("dataexchange_scheduler" in m and "evaluated never" in m for m in shown)


def test_the_list_warns_when_the_last_evaluation_is_stale(admin_client):
    rule(evaluated_at=timezone.now() - timedelta(minutes=10))
    shown = messages_of(admin_client.get(CHANGELIST))
    assert any("must run" in m and "10\xa0minutes ago" in m for m in shown), shown


def test_the_list_says_when_rules_were_last_evaluated(admin_client):
    rule(evaluated_at=timezone.now() - timedelta(seconds=30))
    shown = messages_of(admin_client.get(CHANGELIST))
    assert shown == ["Rules last evaluated 0\xa0minutes ago."]


def test_a_firing_rule_is_shown_as_firing_not_as_a_tick(admin_client):
    rule(is_firing=True)
    page = admin_client.get(CHANGELIST).content.decode()
    assert "● firing" in page and "icon-yes.svg" not in page


def form(**values):
    return {
        "name": "typo", "is_active": "on", "kind": "failed_items", "endpoint": "",
        "threshold": "1", "min_items": "10", "error_codes": "", "window_minutes": "60",
        "recipients": "ops@example.com", "cooldown_minutes": "60", "send_recovery": "on",
        **values,
    }  # fmt: skip


def test_an_endpoint_that_is_not_configured_cannot_be_saved(admin_client):
    response = admin_client.post(ADD, form(endpoint="shop-note"))
    assert response.status_code == 200
    assert "endpoint" in response.context["adminform"].form.errors
    assert not AlertRule.objects.exists()


def test_a_configured_endpoint_is_offered_and_saves(admin_client, countries):
    page = admin_client.get(ADD).content.decode()
    assert f'<option value="{ALIAS}">{ALIAS}</option>' in page
    response = admin_client.post(ADD, form(endpoint=ALIAS))
    assert response.status_code == 302
    assert AlertRule.objects.get().endpoint == ALIAS


def test_an_error_code_outside_the_catalogue_cannot_be_saved(admin_client):
    response = admin_client.post(ADD, form(kind="error_codes", error_codes="1309, 13x6"))
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert errors["error_codes"] == ["Not an error code of the catalogue: 13x6."]


def test_evaluate_now_says_it_sent_a_mail(admin_client, mailoutbox):
    watched = rule()
    failures(3)
    response = admin_client.post(
        CHANGELIST, {"action": "evaluate", "_selected_action": [watched.pk]}, follow=True
    )
    shown = messages_of(response)
    assert any("A fired mail was sent to ops@example.com." in m for m in shown), shown
    assert len(mailoutbox) == 1
