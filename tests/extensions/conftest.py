"""Fixtures of the Part B extension tests: raw-SQL tables created once per session, endpoints
configured through the ORM per test, and a JSON client logged in as a superuser.

The tables are created outside the per-test transactions (MariaDB commits implicitly on DDL) and
dropped at the end of the session; rows inserted by a test roll back with it. `ext_bulk` is
filled once with BULK_ROWS rows for the streaming tests.
"""

import datetime as dt
import json
from decimal import Decimal
from functools import partial

from django.db import connection
from django.test import Client

import pytest

from dataexchange.models import EndpointRelation
from tests.support.client import Api
from tests.support.ddl import create_tables, drop_tables
from tests.support.endpoints import make_endpoint as endpoint_create
from tests.support.fixtures import fresh_registry  # noqa: F401  (autouse here)

BULK_ROWS = 20_000

TABLES = {  # parents first; dropped in reverse order; placeholders: tests/support/ddl.py
    "ext_item": """
        id_item {pk},
        code VARCHAR(20) NOT NULL UNIQUE,
        name VARCHAR(100) NOT NULL,
        price DECIMAL(8,2) NULL,
        qty INTEGER NULL,
        is_active BOOLEAN NOT NULL DEFAULT TRUE,
        ratio DOUBLE PRECISION NULL,
        born DATE NULL,
        seen {timestamp} NULL
    """,
    "ext_part": """
        id_part {pk},
        fk_item INTEGER NOT NULL REFERENCES ext_item (id_item),
        sku VARCHAR(30) NOT NULL UNIQUE
    """,
    "ext_code": """
        id_code {pk},
        code VARCHAR(20) NOT NULL UNIQUE,
        name VARCHAR(100) NULL,
        qty INTEGER NULL
    """,
    "ext_odd": """
        id_odd {pk},
        f {float4} NULL,
        ts {timestamp} NULL
    """,
    "ext_bulk": """
        id_bulk {pk},
        label VARCHAR(40) NOT NULL,
        grp INTEGER NOT NULL,
        amount DECIMAL(10,2) NULL
    """,
}

KEY = {"is_creatable": False, "is_editable": False}
ITEM_FIELDS = [
    ("id_item", "integer", KEY),
    ("code", "string", {"is_required": True, "max_length": 20}),
    ("name", "string", {"is_required": True}),
    ("price", "decimal", {"precision": 8, "scale": 2}),
    ("qty", "integer", {}),
    ("is_active", "boolean", {}),
    ("ratio", "float", {}),
    ("born", "date", {}),
    ("seen", "datetime", {}),
]
# code, name, price, qty, is_active, ratio, born, seen (naive = UTC)
ITEMS = [
    ("A1", "apple", "1.50", 10, True, 0.5, "2024-01-01", "2024-01-01 08:00:00"),
    ("B2", "Banana", "20.00", 0, False, None, "2024-02-01", "2024-02-01 08:00:00"),
    ("C3", "cherry", None, 5, True, 2.25, None, None),
    ("D4", "date_fruit", "3.00", None, True, 1.0, "2024-04-01", "2024-04-01 08:00:00"),
    ("E5", "Elder%", "4.10", 7, False, 3.5, "2024-05-01", "2024-05-01 08:00:00"),
    ("F6", "apple", "2.00", 10, True, 0.5, "2024-06-01", "2024-06-01 08:00:00"),
]


def fill_bulk(count=BULK_ROWS, size=1000):
    """Insert `count` rows into ext_bulk in multi-row statements; every 7th amount is NULL."""
    with connection.cursor() as cursor:
        for start in range(0, count, size):
            rows = [
                (f"row-{n:06d}", n % 10, None if n % 7 == 0 else Decimal(n) / 100)
                for n in range(start + 1, min(start + size, count) + 1)
            ]
            marks = ", ".join(["(%s, %s, %s)"] * len(rows))
            cursor.execute(
                f"INSERT INTO ext_bulk (label, grp, amount) VALUES {marks}",
                [value for row in rows for value in row],
            )


@pytest.fixture(scope="session", autouse=True)
def ext_tables(django_db_setup, django_db_blocker):
    """Create the ext_* tables (and fill ext_bulk) for the session; drop them afterwards."""
    with django_db_blocker.unblock():
        create_tables(TABLES)
        fill_bulk()
    yield tuple(TABLES)
    with django_db_blocker.unblock():
        drop_tables(*reversed(TABLES))


# tests/support/endpoints.py's make_endpoint; these endpoints are deletable by default.
make_endpoint = partial(endpoint_create, deletable=True)


@pytest.fixture
def endpoints(db):
    """`items` (every type), `parts` (child via `itemParts`), `codes` (string identifier) and
    `bulk`."""
    items = make_endpoint("items", "ext_item", "id_item", ITEM_FIELDS)
    parts = make_endpoint(
        "parts",
        "ext_part",
        "id_part",
        [("id_part", "integer", KEY), ("fk_item", "integer", {}), ("sku", "string", {})],
    )
    EndpointRelation.objects.create(
        parent=items,
        child=parts,
        name="itemParts",
        child_field="fk_item",
        parent_field="id_item",
        is_editable=True,
    )
    make_endpoint(
        "codes",
        "ext_code",
        "code",
        [("code", "string", {}), ("name", "string", {}), ("qty", "integer", {})],
    )
    make_endpoint(
        "odd", "ext_odd", "id_odd", [("id_odd", "integer", KEY), ("f", "float", {}),
                                     ("ts", "datetime", {})]
    )  # fmt: skip
    make_endpoint(
        "bulk",
        "ext_bulk",
        "id_bulk",
        [("id_bulk", "integer", KEY), ("label", "string", {}), ("grp", "integer", {}),
         ("amount", "decimal", {"precision": 10, "scale": 2})],
    )  # fmt: skip
    return items


def insert_items(rows=ITEMS):
    """Insert item rows with raw SQL; return {code: id_item}."""
    sql = (
        "INSERT INTO ext_item (code, name, price, qty, is_active, ratio, born, seen)"
        " VALUES (%s, %s, %s, %s, %s, %s, %s, %s)"
    )
    with connection.cursor() as cursor:
        for code, name, price, qty, active, ratio, born, seen in rows:
            cursor.execute(
                sql,
                [
                    code,
                    name,
                    Decimal(price) if price is not None else None,
                    qty,
                    active,
                    ratio,
                    dt.date.fromisoformat(born) if born else None,
                    dt.datetime.fromisoformat(seen) if seen else None,
                ],
            )
        cursor.execute("SELECT code, id_item FROM ext_item")
        return dict(cursor.fetchall())


@pytest.fixture
def sample(endpoints):
    """The ITEMS rows, with two parts under A1; returns {code: id_item}."""
    ids = insert_items()
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO ext_part (fk_item, sku) VALUES (%s, %s), (%s, %s)",
            [ids["A1"], "A1-a", ids["A1"], "A1-b"],
        )
    return ids


@pytest.fixture
def superuser(db, django_user_model):
    return django_user_model.objects.create_superuser("ext-admin", "ext@example.com", "pw-x1!")


@pytest.fixture
def api(superuser):
    """An Api logged in as a superuser with Django's test client (session authentication)."""
    client = Client()
    client.force_login(superuser)
    return Api(client)


def error(code, status, message):
    """Return the A7 error body of one error."""
    return [{"message": message, "status": status, "code": code}]


def filter_param(field, value):
    """Return {`filter[items.<field>]`: JSON text of value} for `api(..., **params)`."""
    text = value if isinstance(value, str) else json.dumps(value)
    return {f"filter[items.{field}]": text}
