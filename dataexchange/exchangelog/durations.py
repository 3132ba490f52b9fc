"""Parse the short durations of the management commands: `30d`, `12h`, `90m`, `2w`."""

import re
from datetime import timedelta

UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
DURATION_RE = re.compile(r"^\s*(\d+)\s*([mhdw])\s*$", re.IGNORECASE)


def parse_duration(text):
    """Return the timedelta of `30d`-style text; raise ValueError for anything else."""
    match = DURATION_RE.match(text or "")
    if not match:
        raise ValueError(f"{text!r} is not a duration; use e.g. 90m, 12h, 30d or 2w.")
    return timedelta(**{UNITS[match[2].lower()]: int(match[1])})
