"""Fixtures of the edge tests: the access fixtures (`things` endpoint, users, bearer tokens) and
helpers to send raw requests whose environ the test controls."""

import json

import pytest

from tests.auth.conftest import (  # noqa: F401  (fixtures shared with tests/auth)
    bearer,
    client,
    fast_hasher,
    fresh_caches,
    superuser,
    things,
    things_table,
    user,
)
from tests.support.fixtures import fresh_registry  # noqa: F401  (autouse here)

URL = "/dynamic-entity/things"


def error(code, status, message):
    """Return the A7 error body of one error."""
    return [{"message": message, "status": status, "code": code}]


def header_error(header, reason):
    return error("1410", 400, f"Invalid value for header `{header}`: {reason}.")


@pytest.fixture
def as_boss(superuser):  # noqa: F811
    """Bearer headers of a superuser."""
    return bearer(superuser)


def send(http, method, path, body=None, **extra):
    """Send `body` (JSON-encoded unless bytes or str) with `extra` environ entries."""
    data = body if isinstance(body, bytes | str) or body is None else json.dumps(body)
    return http.generic(method, path, data or "", content_type="application/json", **extra)
