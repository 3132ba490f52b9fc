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


@dataclass(frozen=True, slots=True)
class Policy:
    """The capture settings, read once per request: mode, size cap and secret key names."""

    mode: str  # "none", "errors" or "all"
    max_chars: int
    secret_words: tuple

    @classmethod
    def current(cls):
        """Return the policy of the current settings."""
        words = tuple(word.lower() for word in conf.get("REDACT_KEYS"))
        return cls(conf.get("CAPTURE"), conf.get("MAX_CAPTURE_CHARS"), words)

    def is_secret(self, key):
        """Return whether a key names a credential whose value must never be stored."""
        name = str(key).lower().replace("-", "_")
        return any(word in name for word in self.secret_words)

    def redact(self, value):
        """Return (value with secret keys' values replaced at any depth, whether any was)."""
        if isinstance(value, dict):
            changed = False
            result = {}
            for key, item in value.items():
                if self.is_secret(key):
                    result[key], changed = REDACTED, True
                else:
                    result[key], inner = self.redact(item)
                    changed = changed or inner
            return result, changed
        if isinstance(value, list):
            pairs = [self.redact(item) for item in value]
            return [item for item, _ in pairs], any(changed for _, changed in pairs)
        return value, False

    def capture(self, value):
        """Return the Captured JSON text of `value`: redacted and capped at max_chars."""
        if value is None:
            return NOTHING
        clean, redacted = self.redact(value)
        text = orjson.dumps(clean, default=str).decode()
        if len(text) > self.max_chars:
            return Captured(text[: self.max_chars] + TRUNCATED, False)
        return Captured(text, not redacted)

    def safe_query(self, query_string):
        """Return a query string without credentials (`api_key`, other secret names), capped."""
        if not query_string:
            return ""
        pairs = parse_qsl(query_string, keep_blank_values=True)
        return urlencode([(k, v) for k, v in pairs if not self.is_secret(k)])[:1000]
