"""Alert rules: check each rule against the log, mail when it starts to hold, keeps holding past
its cooldown, and stops holding; stay silent in maintenance windows.

Run every minute by the task engine: the periodic task `alerts.evaluate`, which the scheduler
(`manage.py dataexchange_scheduler`) enqueues and a task worker runs (`make serve` starts both;
docs/jobs.md). `manage.py evaluate_alerts` runs the same evaluation by hand. State lives on the
rule, so evaluations may run anywhere, one at a time.
"""

import logging
from dataclasses import dataclass
from datetime import UTC, timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.core.mail import send_mail
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone

from dataexchange.exchangelog import conf
from dataexchange.exchangelog.models import (
    AlertNotification,
    AlertRule,
    Exchange,
    MaintenanceWindow,
)
from dataexchange.jobs import conf as jobs_conf
from dataexchange.webhooks import outbox as webhooks_outbox

logger = logging.getLogger(__name__)

Kind = AlertRule.Kind
Sent = AlertNotification.Kind
SUBJECTS = {
    Sent.FIRED: "[Data Exchange] Alert: {rule}",
    Sent.REMINDER: "[Data Exchange] Still failing: {rule}",
    Sent.RECOVERED: "[Data Exchange] Recovered: {rule}",
}


@dataclass(frozen=True, slots=True)
class Finding:
    """Whether a rule's condition holds now, in words, and where to look."""

    breached: bool
    summary: str
    link: str  # absolute URL of the filtered admin list


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one evaluation did for one rule: silenced, quiet, firing, or the mail it sent."""

    rule: AlertRule
    action: str
    finding: Finding | None = None


def alerts_evaluate_now():
    """The periodic task `alerts.evaluate`: evaluate every active rule now; return a summary."""
    outcomes = alerts_evaluate(now=timezone.now())
    return {outcome.rule.name: outcome.action for outcome in outcomes}


def evaluation_staleness(now):
    """Return (last evaluation, whether it is stale) of the active rules: stale when an active
    rule has never been evaluated, or the last evaluation is older than three intervals of the
    periodic task (the scheduler or the task workers are not running)."""
    active = AlertRule.objects.filter(is_active=True)
    if not active.exists():
        return None, False
    last = active.aggregate(last=Max("evaluated_at"))["last"]
    never = active.filter(evaluated_at__isnull=True).exists()
    interval = jobs_conf.get("PERIODIC").get("alerts.evaluate")
    if not interval:
        return last, True
    return last, never or last is None or now - last > timedelta(seconds=3 * interval + 30)


def alerts_evaluate(*, now):
    """Evaluate every active rule at `now`; return one Outcome per rule."""
    return [rule_evaluate(rule, now) for rule in AlertRule.objects.filter(is_active=True)]


def rule_evaluate(rule, now):
    """Evaluate one rule, send the mail its change of state calls for and save its state."""
    if MaintenanceWindow.objects.covering(rule, now).exists():
        rule.evaluated_at = now
        rule.save(update_fields=["evaluated_at"])
        return Outcome(rule, "silenced")
    finding = CHECKS[rule.kind](rule, now - timedelta(minutes=rule.window_minutes))
    kind = transition(rule, finding.breached, now)
    if kind is not None and (kind != Sent.RECOVERED or rule.send_recovery):
        try:
            notify(rule, kind, finding, now)
        except Exception:
            logger.exception("Could not send the %s mail of alert rule %s", kind, rule)
            return Outcome(rule, "mail failed", finding)
    rule.evaluated_at = now
    rule.save(update_fields=["is_firing", "fired_at", "notified_at", "evaluated_at"])
    default = "firing" if rule.is_firing else "quiet"
    return Outcome(rule, kind or default, finding)


def transition(rule, breached, now):
    """Move the rule's state; return the kind of mail due, or None (at most one per cooldown)."""
    cooled = rule.notified_at is None or now - rule.notified_at >= timedelta(
        minutes=rule.cooldown_minutes
    )
    if breached and not rule.is_firing and cooled:
        rule.is_firing, rule.fired_at, rule.notified_at = True, now, now
        return Sent.FIRED
    if breached and rule.is_firing and cooled:
        rule.notified_at = now
        return Sent.REMINDER
    if not breached and rule.is_firing:
        rule.is_firing = False
        return Sent.RECOVERED
    return None


def notify(rule, kind, finding, now):
    """Mail the rule's recipients, post it to the webhook subscriptions of `alert` events, and
    record the notification."""
    subject = SUBJECTS[kind].format(rule=rule.name)
    state = "no longer holds" if kind == Sent.RECOVERED else "holds"
    body = (
        f"Alert rule: {rule.name}\nCondition: {rule.get_kind_display()} "
        f"(N = {rule.threshold}, window {rule.window_minutes} minutes)\n"
        f"The condition {state} at {now.astimezone(UTC):%Y-%m-%d %H:%M} UTC: {finding.summary}.\n\n"
        f"See the exchanges: {finding.link}\n"
    )
    recipients = rule.recipient_list()
    if recipients:
        sender = conf.get("ALERT_FROM_EMAIL") or settings.DEFAULT_FROM_EMAIL
        send_mail(subject, body, sender, recipients)
    webhooks_outbox.alert_notified(rule, kind, subject, finding.summary, finding.link, now)
    AlertNotification.objects.create(
        rule=rule,
        kind=kind,
        sent_at=now,
        recipients=", ".join(recipients),
        subject=subject,
        body=body,
    )


def admin_link(model_name, **params):
    """Return the absolute URL of an exchange-log admin list filtered by `params`."""
    path = reverse(f"admin:exchangelog_{model_name}_changelist")
    return f"{conf.site_url()}{path}?{urlencode(params)}"


def scope(rule, since):
    """Return the rule's exchanges in its window, and the matching admin filter parameters."""
    params = {"created_at__gte": since.astimezone(UTC).replace(microsecond=0).isoformat()}
    if rule.endpoint:
        params["endpoint__exact"] = rule.endpoint
    return Exchange.objects.since(since).for_endpoint(rule.endpoint), params


def where(rule):
    return f" on {rule.endpoint}" if rule.endpoint else ""


def item_link(params):
    """Return the failed-items list link for exchange filter `params`."""
    item_params = {"status__exact": "failed", "created_at__gte": params["created_at__gte"]}
    if "endpoint__exact" in params:
        item_params["exchange__endpoint__exact"] = params["endpoint__exact"]
    return admin_link("exchangeitem", **item_params)


def check_failed_items(rule, since):
    exchanges, params = scope(rule, since)
    _, failed = exchanges.item_totals()
    summary = f"{failed} failed items{where(rule)} in the last {rule.window_minutes} minutes"
    return Finding(failed >= rule.threshold, summary, item_link(params))


def check_failure_rate(rule, since):
    exchanges, params = scope(rule, since)
    items, failed = exchanges.writes().item_totals()
    rate = 100 * failed / items if items else 0
    summary = f"{failed} of {items} items failed ({rate:.1f} %){where(rule)}"
    breached = items >= rule.min_items and rate >= rule.threshold
    return Finding(breached, summary, item_link(params))


def check_no_success(rule, since):
    exchanges, params = scope(rule, since)
    succeeded = exchanges.writes().filter(
        status__in=[Exchange.Status.PROCESSED, Exchange.Status.PARTIALLY_FAILED]
    )
    count = succeeded.count()
    summary = f"{count} successful writes{where(rule)} in the last {rule.window_minutes} minutes"
    return Finding(count == 0, summary, admin_link("exchange", **params))


def check_error_codes(rule, since):
    exchanges, params = scope(rule, since)
    codes = rule.code_list()
    count = exchanges.with_error_code(*codes).count()
    summary = f"{count} requests with error code {' or '.join(codes)}{where(rule)}"
    return Finding(
        count >= rule.threshold, summary, admin_link("exchange", **params, error_code=codes[0])
    )


def check_auth_failures(rule, since):
    exchanges, params = scope(rule, since)
    count = exchanges.auth_failures().count()
    summary = f"{count} requests refused for missing or bad credentials{where(rule)}"
    link = admin_link("exchange", **params, status__exact="rejected", http_status__in="401,403")
    return Finding(count >= rule.threshold, summary, link)


CHECKS = {
    Kind.FAILED_ITEMS: check_failed_items,
    Kind.FAILURE_RATE: check_failure_rate,
    Kind.NO_SUCCESS: check_no_success,
    Kind.ERROR_CODES: check_error_codes,
    Kind.AUTH_FAILURES: check_auth_failures,
}
