"""Fixtures of the CSV/NDJSON body and Idempotency-Key tests: one raw-SQL table of every type,
created once per session, its endpoint configured per test, and a client logged in as a
superuser that sends bodies of any media type."""

from django.db import connection

import pytest
from rest_framework.test import APIClient

from tests.support.client import Api
from tests.support.ddl import create_tables, drop_tables
from tests.support.endpoints import make_endpoint
from tests.support.fixtures import fresh_registry  # noqa: F401  (autouse here)

TABLES = {
    "bod_item": """
        id_item {pk},
        code VARCHAR(20) NOT NULL UNIQUE,
        name VARCHAR(100) NULL,
        price DECIMAL(8,2) NULL,
        qty INTEGER NULL,
        is_active BOOLEAN NULL,
        ratio DOUBLE PRECISION NULL,
        born DATE NULL
    """,
}
KEY = {"is_creatable": False, "is_editable": False}
ITEM_FIELDS = [
    ("id_item", "integer", KEY),
    ("code", "string", {"is_required": True, "max_length": 20}),
    ("name", "string", {"max_length": 100}),
    ("price", "decimal", {"precision": 8, "scale": 2}),
    ("qty", "integer", {"min_value": 0}),
    ("is_active", "boolean", {}),
    ("ratio", "float", {}),
    ("born", "date", {}),
]
CSV = "text/csv"
NDJSON = "application/x-ndjson"


@pytest.fixture(scope="session", autouse=True)
def bod_tables(django_db_setup, django_db_blocker):
    """Create the bod_* tables for the session; drop them afterwards."""
    with django_db_blocker.unblock():
        create_tables(TABLES)
    yield tuple(TABLES)
    with django_db_blocker.unblock():
        drop_tables(*reversed(TABLES))


@pytest.fixture
def items(db):
    """The `items` endpoint over bod_item (every type)."""
    return make_endpoint("items", "bod_item", "id_item", ITEM_FIELDS, deletable=True)


@pytest.fixture
def superuser(db, django_user_model):
    return django_user_model.objects.create_superuser("bod-admin", "bod@example.com", None)


@pytest.fixture
def api(superuser):
    """An Api authenticated as a superuser."""
    client = APIClient()
    client.force_authenticate(user=superuser)
    return Api(client)


def rows(columns="code, name, price, qty, is_active, ratio, born"):
    """Return the bod_item rows as tuples ordered by code."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {columns} FROM bod_item ORDER BY code")
        return [tuple(row) for row in cursor.fetchall()]


def row_count():
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM bod_item")
        return cursor.fetchone()[0]


def insert(code, **values):
    """Insert a bod_item row with raw SQL; return its id."""
    values = {"code": code, **values}
    names = ", ".join(values)
    marks = ", ".join(["%s"] * len(values))
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO bod_item ({names}) VALUES ({marks})", list(values.values()))
        cursor.execute("SELECT id_item FROM bod_item WHERE code = %s", [code])
        return cursor.fetchone()[0]
