"""Fixtures shared by every test area; each area keeps its own in tests/<area>/conftest.py.

pytest-django's `admin_user`, `admin_client`, `db` and `settings` fixtures are available too.
"""

import os
import tempfile
from pathlib import Path

from django.conf import settings

import pytest
from rest_framework.test import APIClient

from core.demo.loader import demo_load

DEMO_TEST_PRODUCTS = 10


@pytest.fixture(autouse=True, scope="session")
def strict_errors():
    """Raise on an error message whose placeholder got no value, instead of answering it."""
    settings.DATA_EXCHANGE_STRICT_ERRORS = True


@pytest.fixture
def api_client():
    """Return an unauthenticated DRF test client."""
    return APIClient()


@pytest.fixture
def admin_api_client(admin_user):
    """Return a DRF test client authenticated as pytest-django's superuser `admin_user`."""
    client = APIClient()
    client.force_authenticate(user=admin_user)
    return client


@pytest.fixture
def demo_data(db):
    """Load the demo reference data and a few generated products; return the load result."""
    return demo_load(products=DEMO_TEST_PRODUCTS)


def pytest_collection_modifyitems(config, items):
    """Give SQLite a file test database when a multiprocess test runs: another process cannot
    see pytest-django's in-memory one."""
    if not any(item.get_closest_marker("multiprocess") for item in items):
        return
    database = settings.DATABASES["default"]
    if database["ENGINE"] != "django.db.backends.sqlite3":
        return
    test = database.setdefault("TEST", {})
    if not test.get("NAME"):
        name = os.environ.get("DX_TEST_DB_NAME") or "test_dx"
        test["NAME"] = str(Path(tempfile.gettempdir()) / f"{name}-{os.getpid()}.sqlite3")
