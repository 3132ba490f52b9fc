"""Fixtures for security tests: the access fixtures plus the demo endpoints on demo data."""

import json
from pathlib import Path

from django.db import connection

import pytest

from dataexchange.config_io.services import endpoints_import
from tests.auth.conftest import (  # noqa: F401  (fixtures shared with tests/auth)
    client,
    fast_hasher,
    fresh_caches,
    superuser,
    things,
    things_table,
    user,
)
from tests.support.fixtures import fresh_registry  # noqa: F401  (autouse here)

DEMO_ENDPOINTS = Path(__file__).resolve().parents[2] / "dataexchange" / "demo" / "endpoints.json"


@pytest.fixture
def demo_endpoints(demo_data):
    """Import the demo endpoint configuration over the loaded demo data; return the aliases."""
    entries = json.loads(DEMO_ENDPOINTS.read_text(encoding="utf-8"))
    endpoints_import(entries=entries)
    return [entry["tableAlias"] for entry in entries]


def table_exists(name):
    """Return whether table `name` exists."""
    return name in connection.introspection.table_names()
