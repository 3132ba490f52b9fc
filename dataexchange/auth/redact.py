"""Keep secrets out of logs: a logging filter and helpers for anything that records requests.

Use `redact_headers` and `redact_query` when storing a request (the exchange log), and the
`RedactSecretsFilter` on log handlers as a last line of defence for free text.
"""

import logging
import re
from urllib.parse import parse_qsl, unquote_plus, urlencode

REDACTED = "[redacted]"
SECRET_HEADERS = {"authorization", "x-api-key", "cookie", "proxy-authorization"}
SECRET_PARAMS = {"api_key", "password", "access_token", "refresh_token"}
SECRET_PATTERNS = (
    re.compile(r"(?i)\b(bearer|basic)\s+[^\s,;\"']+"),
    re.compile(r"(?i)\b(api_key|password|access_token|refresh_token)=[^&\s\"']*"),
    re.compile(
        r"(?i)[\"'](api_key|password|access_token|refresh_token)[\"']\s*:\s*[\"'][^\"']*[\"']"
    ),
    re.compile(r"(?i)\b(x-api-key|authorization)\s*[:=]\s*[^\s,;]+"),
)
# A query parameter whose name is percent-encoded (`api%5Fkey=...` is `api_key` to Django).
ENCODED_PARAM = re.compile(r"(?:^|(?<=[?&;]))([^=&\s\"'%]*%[^=&\s\"']*)=[^&\s\"']*")


def redact_text(text):
    """Return `text` with bearer tokens, API keys, passwords and refresh tokens masked."""
    for pattern in SECRET_PATTERNS:
        text = pattern.sub(lambda m: f"{m.group(1)}={REDACTED}", text)
    if "%" in text:
        text = ENCODED_PARAM.sub(_mask_encoded_param, text)
    return text


def _mask_encoded_param(match):
    name = match.group(1)
    if unquote_plus(name).lower() in SECRET_PARAMS:
        return f"{name}={REDACTED}"
    return match.group(0)


def redact_headers(headers):
    """Return a copy of a header mapping with credential-bearing headers masked."""
    return {
        name: REDACTED if name.lower() in SECRET_HEADERS else value
        for name, value in headers.items()
    }


def redact_query(query_string):
    """Return a query string with credential parameters masked."""
    pairs = parse_qsl(query_string, keep_blank_values=True)
    return urlencode([(k, REDACTED if k.lower() in SECRET_PARAMS else v) for k, v in pairs])


class RedactSecretsFilter(logging.Filter):
    """Mask secrets in every log message passing through the handler it is attached to."""

    def filter(self, record):
        message = record.getMessage()
        cleaned = redact_text(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True
