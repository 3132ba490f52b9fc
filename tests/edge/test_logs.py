"""Access logs never show an API key (issue item 12): runserver's `django.server` lines pass the
redaction filter, and gunicorn's access log atoms are redacted (`dataexchange.api.accesslog`)."""

import io
import logging

import pytest

from dataexchange.api.accesslog import RedactedAtoms
from dataexchange.auth.redact import REDACTED

SECRET = "sk_live_0123456789abcdef"


@pytest.fixture
def server_log():
    """Point the configured `django.server` handler at a buffer; return the buffer."""
    logger = logging.getLogger("django.server")
    (handler,) = [handler for handler in logger.handlers if handler.name == "django.server"]
    buffer = io.StringIO()
    previous = handler.setStream(buffer)
    yield buffer
    handler.setStream(previous)


@pytest.mark.parametrize("name", ["api_key", "api%5Fkey", "API_KEY", "%61pi_key"])
def test_runserver_request_lines_hide_the_api_key(server_log, name):
    line = f"GET /dynamic-entity/things?filter[things.qty]=1&{name}={SECRET} HTTP/1.1"
    logging.getLogger("django.server").info('"%s" %s %s', line, "200", "12")
    written = server_log.getvalue()
    assert "/dynamic-entity/things?filter[things.qty]=1&" in written
    assert SECRET not in written and f"{name}={REDACTED}" in written


def test_gunicorn_atoms_are_redacted_as_read():
    atoms = RedactedAtoms(
        {
            "r": f"GET /x?a=1&api_key={SECRET} HTTP/1.1",
            "q": f"api%5Fkey={SECRET}&a=1",
            "f": f"https://example.com/?api_key={SECRET}",
            "{x-api-key}i": SECRET,
            "{authorization}i": f"Bearer {SECRET}",
            "{x-request-id}o": "0b6e-id",
        }
    )
    assert atoms["r"] == f"GET /x?a=1&api_key={REDACTED} HTTP/1.1"
    assert atoms["q"] == f"api%5Fkey={REDACTED}&a=1"
    assert SECRET not in atoms["f"]
    assert atoms["{X-Api-Key}i"] == atoms["{authorization}i"] == REDACTED
    assert atoms["{x-request-id}o"] == "0b6e-id" and atoms["{cookie}i"] == "-"
