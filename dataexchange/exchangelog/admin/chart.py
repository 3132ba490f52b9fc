"""Charts of the dashboard: processed and failed items per hour and endpoint, drawn as SVG by
the server (no script, nothing fetched from elsewhere), one small bar chart per endpoint."""

from dataclasses import dataclass, field
from datetime import UTC, timedelta

from django.db.models import Sum
from django.db.models.functions import TruncHour

from dataexchange.exchangelog.models import Exchange

HOURS = 24
WIDTH, HEIGHT = 480, 90  # the plot's size in SVG units; the labels go below it
BAR_GAP = 2
MAX_ENDPOINTS = 12  # the busiest ones; the rest are in the lists


@dataclass
class Bar:
    """One hour's bar: processed items stacked on failed ones, in SVG coordinates."""

    x: float
    width: float
    failed_y: float
    failed_height: float
    processed_y: float
    processed_height: float
    title: str


@dataclass
class Chart:
    """The bars of one endpoint, its totals and its largest hourly count (the scale)."""

    endpoint: str
    bars: list = field(default_factory=list)
    processed: int = 0
    failed: int = 0
    peak: int = 0


def hourly_counts(since):
    """Return {endpoint: {hour: (items, failed)}} of writes received since `since`."""
    rows = (
        Exchange.objects.since(since)
        .writes()
        .annotate(hour=TruncHour("created_at", tzinfo=UTC))
        .values("endpoint", "hour")
        .annotate(items=Sum("item_count"), failed=Sum("failed_count"))
        .order_by()
    )
    counts = {}
    for row in rows:
        hour = row["hour"].replace(tzinfo=UTC) if row["hour"].tzinfo is None else row["hour"]
        counts.setdefault(row["endpoint"], {})[hour] = (row["items"] or 0, row["failed"] or 0)
    return counts


def charts(now):
    """Return a Chart per endpoint written in the last HOURS hours, busiest first."""
    last = now.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    hours = [last - timedelta(hours=HOURS - 1 - n) for n in range(HOURS)]
    result = []
    for endpoint, by_hour in hourly_counts(hours[0]).items():
        chart = Chart(endpoint or "(no endpoint)")
        values = [by_hour.get(hour, (0, 0)) for hour in hours]
        chart.peak = max(items for items, _ in values) or 1
        chart.failed = sum(failed for _, failed in values)
        chart.processed = sum(items - failed for items, failed in values)
        slot = WIDTH / HOURS
        for n, (hour, (items, failed)) in enumerate(zip(hours, values, strict=True)):
            failed_height = HEIGHT * failed / chart.peak
            processed_height = HEIGHT * (items - failed) / chart.peak
            chart.bars.append(
                Bar(
                    x=round(n * slot + BAR_GAP / 2, 2),
                    width=round(slot - BAR_GAP, 2),
                    failed_y=round(HEIGHT - failed_height, 2),
                    failed_height=round(failed_height, 2),
                    processed_y=round(HEIGHT - failed_height - processed_height, 2),
                    processed_height=round(processed_height, 2),
                    title=f"{hour:%H}:00 UTC: {items - failed} processed, {failed} failed",
                )
            )
        result.append(chart)
    result.sort(key=lambda c: -(c.processed + c.failed))
    return result[:MAX_ENDPOINTS]
