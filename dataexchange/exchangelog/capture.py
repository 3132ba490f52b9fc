"""Capture policy: what of the submitted data may be stored, secrets removed, size capped."""

from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode

import orjson

from dataexchange.exchangelog import conf

REDACTED = "[redacted]"
TRUNCATED = "…[truncated]"


@dataclass(frozen=True, slots=True)
class Captured:
    """Stored JSON text, and whether it is the whole value unchanged (safe to replay)."""

    text: str
    complete: bool


NOTHING = Captured("", False)


def is_secret(key):
    """Return whether a key names a credential whose value must never be stored."""
    name = str(key).lower().replace("-", "_")
    return any(word in name for word in conf.get("REDACT_KEYS"))


def redact(value):
    """Return (value with secret keys' values replaced at any depth, whether any was replaced)."""
    if isinstance(value, dict):
        changed = False
        result = {}
        for key, item in value.items():
            if is_secret(key):
                result[key], changed = REDACTED, True
            else:
                result[key], inner = redact(item)
                changed = changed or inner
        return result, changed
    if isinstance(value, list):
        pairs = [redact(item) for item in value]
        return [item for item, _ in pairs], any(changed for _, changed in pairs)
    return value, False


def capture(value):
    """Return the Captured JSON text of `value`: redacted and capped at MAX_CAPTURE_CHARS."""
    if value is None:
        return NOTHING
    clean, redacted = redact(value)
    text = orjson.dumps(clean, default=str).decode()
    limit = conf.get("MAX_CAPTURE_CHARS")
    if len(text) > limit:
        return Captured(text[:limit] + TRUNCATED, False)
    return Captured(text, not redacted)


def safe_query(query_string):
    """Return a query string without credentials (`api_key` and other secret names), capped."""
    if not query_string:
        return ""
    pairs = parse_qsl(query_string, keep_blank_values=True)
    return urlencode([(k, v) for k, v in pairs if not is_secret(k)])[:1000]
