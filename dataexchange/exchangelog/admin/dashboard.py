"""The exchange-log dashboard: for recent periods the exchanges by status, the items by outcome
and the open failures, each linked to its list; and a chart of the last day per endpoint."""

from datetime import UTC, timedelta
from urllib.parse import urlencode

from django.db.models import Count, Sum
from django.urls import reverse
from django.utils import timezone

from dataexchange.exchangelog.admin.chart import HEIGHT, HOURS, WIDTH, charts
from dataexchange.exchangelog.models import Exchange, ExchangeItem

PERIODS = (("Last 24 hours", timedelta(hours=24)), ("Last 7 days", timedelta(days=7)))


def link(name, **params):
    """Return the URL of admin list `name` filtered by `params`."""
    return f"{reverse(name)}?{urlencode(params)}"


def period_counts(label, since):
    """Return one period's counts: exchanges by status, items by outcome, open failures."""
    exchanges = "admin:exchangelog_exchange_changelist"
    items = "admin:exchangelog_exchangeitem_changelist"
    window = {"created_at__gte": since.isoformat()}
    rows = Exchange.objects.since(since).values("status").annotate(n=Count("pk")).order_by()
    counts = {row["status"]: row["n"] for row in rows}
    totals = Exchange.objects.since(since).aggregate(
        items=Sum("item_count"), failed=Sum("failed_count"), rolled_back=Sum("rolled_back_count")
    )
    total_items, failed = totals["items"] or 0, totals["failed"] or 0
    rolled_back = totals["rolled_back"] or 0
    open_failures = ExchangeItem.objects.filter(
        created_at__gte=since, triage=ExchangeItem.Triage.OPEN
    ).count()
    statuses = [
        {
            "label": status_label,
            "count": counts.get(value, 0),
            "url": link(exchanges, **window, status__exact=value),
            "status": value,
        }
        for value, status_label in Exchange.Status.choices
    ]
    item_rows = [
        {"label": "items processed", "count": total_items - failed - rolled_back, "url": ""},
        {
            "label": "items failed",
            "count": failed,
            "url": link(items, **window, status__exact="failed"),
            "status": "failed",
        },
        {
            "label": "items rolled back",
            "count": rolled_back,
            "url": link(items, **window, status__exact="rolled_back"),
        },
        {
            "label": "open failures (not resolved nor ignored)",
            "count": open_failures,
            "url": link(items, **window, triage__exact=ExchangeItem.Triage.OPEN),
            "status": "failed" if open_failures else "",
        },
    ]
    return {
        "label": label,
        "statuses": statuses,
        "items": item_rows,
        "total": sum(counts.values()),
        "url": link(exchanges, **window),
    }


def dashboard_context(now=None):
    """Return the periods with their counts, and the charts of the last day."""
    now = now or timezone.now()
    periods = [
        period_counts(label, (now - length).astimezone(UTC).replace(microsecond=0))
        for label, length in PERIODS
    ]
    return {
        "periods": periods,
        "charts": charts(now),
        "chart": {"width": WIDTH, "height": HEIGHT, "hours": HOURS},
        "title": "Exchange log dashboard",
    }
