"""Alerts: fire once per cooldown, send a recovery mail, stay silent in maintenance windows."""

import io
from datetime import timedelta
from urllib.parse import urlsplit

from django.core.management import call_command
from django.utils import timezone

import pytest

from dataexchange.exchangelog.alerts import alerts_evaluate, rule_evaluate
from dataexchange.exchangelog.models import AlertNotification, AlertRule, MaintenanceWindow
from tests.exchangelog.factories import make_exchange

pytestmark = pytest.mark.django_db

NOW = timezone.now().replace(microsecond=0)


def rule(kind=AlertRule.Kind.FAILED_ITEMS, **values):
    defaults = {
        "name": f"{kind} rule",
        "kind": kind,
        "threshold": 3,
        "window_minutes": 60,
        "cooldown_minutes": 30,
        "recipients": "ops@example.com, data@example.com",
    }
    return AlertRule.objects.create(**{**defaults, **values})


def failures(n, at=NOW, endpoint="countries", start=1):
    for i in range(start, start + n):
        make_exchange(
            i, created_at=at - timedelta(minutes=5), status="failed", http_status=400,
            failed_count=1, endpoint=endpoint, error_codes=",1309,",
        )  # fmt: skip


def test_fires_once_per_cooldown_then_recovers(mailoutbox):
    failures(3)
    alert = rule()
    assert rule_evaluate(alert, NOW).action == "fired"
    assert rule_evaluate(alert, NOW + timedelta(minutes=10)).action == "firing"
    assert rule_evaluate(alert, NOW + timedelta(minutes=29)).action == "firing"
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.subject == "[Data Exchange] Alert: failed_items rule"
    assert mail.to == ["ops@example.com", "data@example.com"]
    assert "3 failed items in the last 60 minutes" in mail.body
    assert "/admin/exchangelog/exchangeitem/?status__exact=failed&created_at__gte=" in mail.body
    # Past the cooldown and still failing (the window still covers the failures): a reminder.
    assert rule_evaluate(alert, NOW + timedelta(minutes=30)).action == "reminder"
    assert mailoutbox[1].subject == "[Data Exchange] Still failing: failed_items rule"
    # The failures leave the window: one recovery mail, then quiet.
    assert rule_evaluate(alert, NOW + timedelta(minutes=70)).action == "recovered"
    assert rule_evaluate(alert, NOW + timedelta(minutes=71)).action == "quiet"
    assert [m.subject.split(":")[0] for m in mailoutbox] == [
        "[Data Exchange] Alert",
        "[Data Exchange] Still failing",
        "[Data Exchange] Recovered",
    ]
    assert AlertNotification.objects.filter(rule=alert).count() == 3


def test_flapping_does_not_mail_again_within_the_cooldown(mailoutbox):
    failures(3)
    alert = rule(window_minutes=30, cooldown_minutes=60)
    assert rule_evaluate(alert, NOW).action == "fired"
    assert rule_evaluate(alert, NOW + timedelta(minutes=30)).action == "recovered"
    failures(3, at=NOW + timedelta(minutes=40), start=10)
    assert rule_evaluate(alert, NOW + timedelta(minutes=40)).action == "quiet"
    assert rule_evaluate(alert, NOW + timedelta(minutes=60)).action == "fired"
    assert [m.subject.split(":")[0] for m in mailoutbox] == [
        "[Data Exchange] Alert",
        "[Data Exchange] Recovered",
        "[Data Exchange] Alert",
    ]


def test_no_recovery_mail_when_not_wanted(mailoutbox):
    failures(3)
    alert = rule(send_recovery=False)
    rule_evaluate(alert, NOW)
    assert rule_evaluate(alert, NOW + timedelta(hours=2)).action == "recovered"
    assert len(mailoutbox) == 1


def test_silent_in_a_maintenance_window(mailoutbox):
    failures(3)
    alert = rule()
    other = rule(name="other")
    window = MaintenanceWindow.objects.create(
        name="deploy", starts_at=NOW - timedelta(minutes=1), ends_at=NOW + timedelta(minutes=5)
    )
    window.rules.add(alert)
    assert rule_evaluate(alert, NOW).action == "silenced"
    assert rule_evaluate(other, NOW).action == "fired"
    assert [m.subject for m in mailoutbox] == ["[Data Exchange] Alert: other"]
    assert rule_evaluate(alert, NOW + timedelta(minutes=5)).action == "fired"


def test_a_window_without_rules_silences_all(mailoutbox):
    failures(3)
    MaintenanceWindow.objects.create(
        name="all", starts_at=NOW - timedelta(minutes=1), ends_at=NOW + timedelta(minutes=5)
    )
    alert = rule()
    alert.is_firing, alert.notified_at = True, NOW - timedelta(hours=3)
    alert.save()
    Exchange = type(make_exchange(99, created_at=NOW - timedelta(days=2)))
    Exchange.objects.filter(failed_count=1).delete()  # recovered during maintenance
    assert rule_evaluate(alert, NOW).action == "silenced"
    assert mailoutbox == []


def test_threshold_and_endpoint_scope(mailoutbox):
    failures(2)
    failures(5, endpoint="regions", start=10)
    assert rule_evaluate(rule(endpoint="countries"), NOW).action == "quiet"
    assert rule_evaluate(rule(name="regions", endpoint="regions"), NOW).action == "fired"
    assert "endpoint__exact=regions" in mailoutbox[0].body


def test_failure_rate(mailoutbox):
    make_exchange(1, created_at=NOW - timedelta(minutes=5), item_count=8, failed_count=2)
    low_volume = rule(AlertRule.Kind.FAILURE_RATE, threshold=20, min_items=10)
    assert rule_evaluate(low_volume, NOW).action == "quiet"
    alert = rule(AlertRule.Kind.FAILURE_RATE, name="rate", threshold=25, min_items=5)
    assert rule_evaluate(alert, NOW).action == "fired"
    assert "2 of 8 items failed (25.0 %)" in mailoutbox[0].body


def test_no_successful_write(mailoutbox):
    alert = rule(AlertRule.Kind.NO_SUCCESS, endpoint="countries")
    make_exchange(1, created_at=NOW - timedelta(minutes=5), status="failed")
    make_exchange(2, created_at=NOW - timedelta(minutes=5), method="GET")
    assert rule_evaluate(alert, NOW).action == "fired"
    make_exchange(3, created_at=NOW - timedelta(minutes=5), status="partially_failed")
    assert rule_evaluate(alert, NOW + timedelta(minutes=1)).action == "recovered"


def test_error_codes(mailoutbox):
    failures(1)
    assert rule_evaluate(rule(AlertRule.Kind.ERROR_CODES, error_codes="1302"), NOW).action == (
        "quiet"
    )
    alert = rule(AlertRule.Kind.ERROR_CODES, name="dupes", error_codes="1302, 1309", threshold=1)
    assert rule_evaluate(alert, NOW).action == "fired"
    assert "error_code=1302" in mailoutbox[0].body


def test_repeated_authentication_failures(mailoutbox):
    for i, status in enumerate([401, 403, 401, 404], start=1):
        make_exchange(
            i, created_at=NOW - timedelta(minutes=1), status="rejected", http_status=status,
            client="anonymous", endpoint="",
        )  # fmt: skip
    alert = rule(AlertRule.Kind.AUTH_FAILURES, threshold=3)
    assert rule_evaluate(alert, NOW).action == "fired"
    assert "3 requests refused for missing or bad credentials" in mailoutbox[0].body


def test_mail_links_open_the_filtered_admin_list(admin_client, mailoutbox):
    failures(3)
    rule_evaluate(rule(), NOW)
    rule_evaluate(rule(AlertRule.Kind.AUTH_FAILURES, name="auth", threshold=0), NOW)
    rule_evaluate(rule(AlertRule.Kind.ERROR_CODES, name="codes", error_codes="1309"), NOW)
    for mail in mailoutbox:
        link = next(w for w in mail.body.split() if w.startswith("http"))
        parts = urlsplit(link)
        response = admin_client.get(f"{parts.path}?{parts.query}")
        assert response.status_code == 200, link
        assert "?e=1" not in response.get("Location", "")


def test_evaluate_alerts_command(mailoutbox):
    failures(3)
    rule()
    rule(name="inactive", is_active=False)
    out = io.StringIO()
    call_command("evaluate_alerts", stdout=out)
    assert out.getvalue() == "failed_items rule: fired: 3 failed items in the last 60 minutes\n"
    assert len(mailoutbox) == 1


def test_alerts_evaluate_skips_inactive_rules():
    rule(is_active=False)
    assert alerts_evaluate(now=NOW) == []
