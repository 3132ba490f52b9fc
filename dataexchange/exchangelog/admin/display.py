"""How log values are shown in the admin: times to the second, statuses as coloured labels,
request ids short, messages cut to fit a list row."""

from django.utils import timezone
from django.utils.html import format_html

# Colours readable on the light and the dark admin theme alike.
COLOURS = {
    "failed": "#ba2121",
    "partially_failed": "#b35900",
    "rejected": "#8a6d00",
    "rolled_back": "#b35900",
    "processed": "#2e7d32",
}
TRIAGE_COLOURS = {1: "#ba2121", 2: "#2e7d32", 3: "#767676", 9: "#767676"}
MESSAGE_CHARS = 160


def seconds(moment):
    """Return `moment` in the current time zone as 2026-01-02 10:00:05 (lists show seconds:
    failures of one burst differ only there)."""
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M:%S") if moment else "-"


def status_label(obj):
    """Return the status's label ("rolled back", not "rolled_back") in its colour."""
    colour = COLOURS.get(obj.status, "inherit")
    return format_html(
        '<span class="dx-status" style="color:{}">{}</span>', colour, obj.get_status_display()
    )


def triage_label(item):
    """Return the triage state's label in its colour."""
    colour = TRIAGE_COLOURS.get(item.triage, "inherit")
    return format_html('<span style="color:{}">{}</span>', colour, item.get_triage_display())


def cut(text, limit=MESSAGE_CHARS):
    """Return `text` cut to `limit` characters with an ellipsis."""
    text = text or ""
    return text if len(text) <= limit else text[: limit - 1] + "…"
