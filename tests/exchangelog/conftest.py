"""Fixtures of the exchange-log tests: a raw-SQL table served as an endpoint, clients, helpers.

`exl_country` is created once per session with raw SQL, outside the per-test transactions
(MariaDB commits implicitly on DDL), like a table a user exposes. Tests that need real commits
and rollbacks use `transactional_db`; they empty the table themselves.
"""

from django.db import connection

import pytest
from rest_framework.test import APIClient

from tests.support.client import Api
from tests.support.ddl import create_tables, drop_tables
from tests.support.endpoints import make_endpoint
from tests.support.fixtures import fresh_registry  # noqa: F401  (autouse here)

ALIAS = "exl-countries"
URL = f"/dynamic-entity/{ALIAS}"


@pytest.fixture(scope="session", autouse=True)
def country_table(django_db_setup, django_db_blocker):
    """Create `exl_country` in the test database for the whole session."""
    columns = (
        "id_country {pk}, iso2 VARCHAR(2) NOT NULL UNIQUE, name VARCHAR(100) NOT NULL,"
        " population INTEGER"
    )
    with django_db_blocker.unblock():
        create_tables({"exl_country": columns})
    yield
    with django_db_blocker.unblock():
        drop_tables("exl_country")


@pytest.fixture
def countries(db):
    """Configure `exl_country` as the endpoint `exl-countries` (identifier iso2)."""
    fields = [
        ("id_country", "integer", {"is_creatable": False, "is_editable": False}),
        ("iso2", "string", {"is_required": True, "min_length": 2, "max_length": 2}),
        ("name", "string", {"is_required": True}),
        ("population", "integer", {"min_value": 0}),
    ]
    return make_endpoint(ALIAS, "exl_country", "iso2", fields, deletable=True)


@pytest.fixture
def clean_countries(transactional_db):
    """Empty `exl_country` before and after a test that commits for real."""
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM exl_country")
    yield
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM exl_country")


@pytest.fixture
def writer(db, django_user_model):
    """Return the user `integration` with API access."""
    return django_user_model.objects.create_superuser("integration", "int@example.com", "pw-1!")


@pytest.fixture
def api(writer):
    """Return a DRF client authenticated as `writer`, with a JSON `send` helper."""
    client = APIClient()
    client.force_authenticate(user=writer)
    return client


def send(client, method, path, data=None, **headers):
    """Send `{"data": data}` as JSON with `method` to `path`; return the response."""
    body = None if data is None else {"data": data}
    return Api(client).request(method, path, body, headers=headers)


def country_rows():
    """Return (iso2, name) of every stored country, ordered by iso2."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT iso2, name FROM exl_country ORDER BY iso2")
        return [tuple(row) for row in cursor.fetchall()]
