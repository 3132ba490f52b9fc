"""Alerts reach chat tools through webhook delivery: a rule that fires posts an `alert` event,
signed and retried like every other event, whose `text` Slack and Teams post as is; a rule
without mail recipients alerts through webhooks alone."""

import json
from datetime import timedelta

from django.utils import timezone

from openapi_schema_validator import OAS30Validator, validate
from standardwebhooks.webhooks import Webhook

from dataexchange.exchangelog.alerts import rule_evaluate
from dataexchange.exchangelog.models import AlertRule
from dataexchange.webhooks.models import Delivery
from tests.exchangelog.factories import make_exchange
from tests.webhooks.conftest import ALIAS, run_worker, subscribe
from tests.webhooks.test_schema import ROOT


def failing_rule(**values):
    rule = AlertRule.objects.create(
        name="hook failures", kind=AlertRule.Kind.FAILED_ITEMS, threshold=2, window_minutes=60,
        endpoint=ALIAS, **values,
    )  # fmt: skip
    now = timezone.now()
    for n in range(1, 4):
        make_exchange(
            n, created_at=now - timedelta(minutes=1), status="failed", http_status=400,
            failed_count=1, endpoint=ALIAS, error_codes=",1309,",
        )  # fmt: skip
    return rule


def test_a_firing_rule_posts_a_signed_chat_message(endpoint, receiver, mailoutbox):
    subscription = subscribe(receiver.url, ["alert"], [endpoint])
    rule = failing_rule(recipients="")  # webhooks only
    outcome = rule_evaluate(rule, timezone.now())
    assert outcome.action == "fired"
    assert mailoutbox == []
    run_worker()
    (request,) = receiver.received
    payload = Webhook(subscription.secret).verify(request.body, request.headers)
    assert payload["type"] == "alert"
    assert payload["title"] == payload["summary"] == "[Data Exchange] Alert: hook failures"
    assert payload["text"].startswith("[Data Exchange] Alert: hook failures\n3 failed items")
    assert payload["alert"]["rule"] == "hook failures"
    assert (payload["alert"]["kind"], payload["alert"]["endpoint"]) == ("fired", ALIAS)
    assert payload["alert"]["link"] in payload["text"]
    validate(payload, ROOT, cls=OAS30Validator)  # as the OpenAPI document describes it


def test_mail_and_webhook_both_go_out_and_recovery_follows(endpoint, receiver, mailoutbox):
    subscribe(receiver.url, ["alert"])  # every endpoint
    rule = failing_rule(recipients="ops@example.com", cooldown_minutes=60)
    assert rule_evaluate(rule, timezone.now()).action == "fired"
    later = timezone.now() + timedelta(hours=2)  # the failures left the window
    assert rule_evaluate(rule, later).action == "recovered"
    run_worker()
    kinds = [json.loads(r.body)["alert"]["kind"] for r in receiver.received]
    assert kinds == ["fired", "recovered"]  # in order: one entity, the rule
    assert [mail.subject for mail in mailoutbox] == [
        "[Data Exchange] Alert: hook failures",
        "[Data Exchange] Recovered: hook failures",
    ]


def test_subscriptions_without_alert_events_get_nothing(endpoint, receiver):
    subscribe(receiver.url, ["exchange.failed"], [endpoint])
    rule_evaluate(failing_rule(recipients=""), timezone.now())
    assert not Delivery.objects.exists()
