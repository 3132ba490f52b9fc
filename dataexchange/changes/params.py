"""Parse stage of the feed: `after`, `limit` and `wait` from the query string, each checked."""

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from dataexchange.changes import conf
from dataexchange.errors import Code, fail

CURSOR_RE = re.compile(r"^[0-9]{1,18}$")  # a position; 18 digits always fit a BIGINT


@dataclass(frozen=True, slots=True)
class FeedQuery:
    """What a feed request asks: entries after `after` (None: from the oldest kept), at most
    `limit` (0: only the current cursor), waiting up to `wait` seconds for the first one."""

    after: int | None
    limit: int
    wait: float


def feed_query(params):
    """Return the FeedQuery of a request's query parameters (a QueryDict); raise 1429 for a
    malformed cursor, 1430 for a bad limit or wait."""
    return FeedQuery(
        after=parse_cursor(params.get("after")),
        limit=parse_limit(params.get("limit")),
        wait=parse_wait(params.get("wait")),
    )


def parse_cursor(text):
    """Return the position a cursor stands for; None when absent."""
    if text is None:
        return None
    if not CURSOR_RE.match(text):
        fail(Code.MALFORMED_CURSOR, cursor=text[:40])
    return int(text)


def parse_limit(text):
    """Return the page size: DEFAULT_LIMIT when absent, else a whole number 0..MAX_LIMIT."""
    if text is None:
        return conf.get("DEFAULT_LIMIT")
    highest = conf.get("MAX_LIMIT")
    if not text.isascii() or not text.isdigit() or int(text) > highest:
        fail(Code.FEED_PARAMETER, parameter="limit", value=text[:40], reason=f"use 0 to {highest}")
    return int(text)


def parse_wait(text):
    """Return the seconds to wait: 0 when absent, else a number 0..MAX_WAIT_SECONDS."""
    if text is None:
        return 0.0
    highest = conf.get("MAX_WAIT_SECONDS")
    try:
        seconds = Decimal(text)
    except InvalidOperation:
        seconds = None
    if seconds is None or not seconds.is_finite() or not 0 <= seconds <= highest:
        fail(
            Code.FEED_PARAMETER,
            parameter="wait",
            value=text[:40],
            reason=f"use a number of seconds from 0 to {highest}",
        )
    return float(seconds)
