"""Secrets never reach logs: the logging filter and the helpers for request recorders."""

import logging

from dataexchange.auth.redact import (
    REDACTED,
    RedactSecretsFilter,
    redact_headers,
    redact_query,
    redact_text,
)


def test_redact_text_masks_every_kind_of_secret():
    text = (
        "Authorization: Bearer abc123 /x?api_key=k3y&page[limit]=5 password=hunter2 "
        '{"refresh_token": "r3fr3sh", "name": "ok"} X-Api-Key: k3y2'
    )
    cleaned = redact_text(text)
    for secret in ("abc123", "k3y", "hunter2", "r3fr3sh", "k3y2"):
        assert secret not in cleaned
    assert "page[limit]=5" in cleaned and '"name": "ok"' in cleaned


def test_redact_headers_and_query():
    headers = {"Authorization": "Bearer t", "X-Api-Key": "k", "Accept": "application/json"}
    assert redact_headers(headers) == {
        "Authorization": REDACTED,
        "X-Api-Key": REDACTED,
        "Accept": "application/json",
    }
    assert redact_query("api_key=k&filter%5Bx.y%5D=1") == "api_key=%5Bredacted%5D&filter%5Bx.y%5D=1"


def test_logging_filter_rewrites_the_record():
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "got %s", ("Bearer s3cr3t",), None)
    assert RedactSecretsFilter().filter(record) is True
    assert "s3cr3t" not in record.getMessage()
