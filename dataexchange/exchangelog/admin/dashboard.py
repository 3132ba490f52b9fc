"""The exchange-log dashboard: counts by status for recent periods, each linked to its list."""

from datetime import UTC, timedelta
from urllib.parse import urlencode

from django.db.models import Count, Sum
from django.urls import reverse
from django.utils import timezone

from dataexchange.exchangelog.models import Exchange

PERIODS = (("Last 24 hours", timedelta(hours=24)), ("Last 7 days", timedelta(days=7)))


def dashboard_context(now=None):
    """Return the periods, each with its status counts, failed items and list links."""
    now = now or timezone.now()
    changelist = reverse("admin:exchangelog_exchange_changelist")
    periods = []
    for label, length in PERIODS:
        since = (now - length).astimezone(UTC).replace(microsecond=0)
        window = {"created_at__gte": since.isoformat()}
        rows = Exchange.objects.since(since).values("status").annotate(n=Count("pk"))
        counts = {row["status"]: row["n"] for row in rows}
        totals = Exchange.objects.since(since).aggregate(failed=Sum("failed_count"))
        statuses = [
            {
                "label": label_,
                "count": counts.get(value, 0),
                "url": f"{changelist}?{urlencode({**window, 'status__exact': value})}",
            }
            for value, label_ in Exchange.Status.choices
        ]
        periods.append(
            {
                "label": label,
                "statuses": statuses,
                "total": sum(counts.values()),
                "failed_items": totals["failed"] or 0,
                "url": f"{changelist}?{urlencode(window)}",
            }
        )
    return {"periods": periods, "title": "Exchange log dashboard"}
