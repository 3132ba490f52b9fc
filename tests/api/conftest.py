"""Fixtures of the wire-contract tests (SPEC Part A): raw-SQL tables, endpoint factories, a client.

The `dxa_*` tables are created with raw SQL once per session, outside the per-test transactions
(MariaDB commits implicitly on DDL). They are not Django models, exactly like the tables a user
exposes. Endpoints are configured through the ORM, as the admin does; the configuration version
bump of its signals is what makes the API serve them.
"""

import json
import os
from functools import partial
from pathlib import Path

from django.db import connection

import pytest
from rest_framework.test import APIClient

from dataexchange.models import EndpointRelation
from tests.support.client import Api
from tests.support.ddl import create_tables
from tests.support.endpoints import make_endpoint as endpoint_create
from tests.support.fixtures import fresh_registry  # noqa: F401  (autouse here)
from tests.support.golden import assert_same_response

GOLDEN = Path(__file__).parent / "golden"

# Parents before children; dropped in reverse order. Placeholders: tests/support/ddl.py.
TABLES = {
    "dxa_item": """
        id_item {pk},
        code VARCHAR(20) NOT NULL,
        name VARCHAR(100) NOT NULL,
        label VARCHAR(50) NULL,
        price DECIMAL(8,2) NULL,
        qty INTEGER NULL,
        item_rank INTEGER NULL,
        is_active BOOLEAN NOT NULL DEFAULT TRUE,
        ratio DOUBLE PRECISION NULL,
        url VARCHAR(255) NULL,
        origin VARCHAR(20) NULL DEFAULT 'db',
        note VARCHAR(50) NULL,
        CONSTRAINT dxa_item_code_uniq UNIQUE (code),
        CONSTRAINT dxa_item_qty_check CHECK (qty >= 0)
    """,
    "dxa_part": """
        id_part {pk},
        fk_item INTEGER NOT NULL,
        sku VARCHAR(30) NOT NULL,
        CONSTRAINT dxa_part_sku_uniq UNIQUE (sku),
        CONSTRAINT dxa_part_fk_item FOREIGN KEY (fk_item) REFERENCES dxa_item (id_item)
    """,
    "dxa_setting": """
        id_setting {pk},
        setting_key VARCHAR(40) NOT NULL,
        setting_value VARCHAR(100) NULL,
        CONSTRAINT dxa_setting_key_uniq UNIQUE (setting_key)
    """,
    "dxa_setting_use": """
        id_setting_use {pk},
        fk_setting INTEGER NOT NULL,
        CONSTRAINT dxa_setting_use_fk FOREIGN KEY (fk_setting) REFERENCES dxa_setting (id_setting)
    """,
}

# The `items` endpoint: every type, visible names differing from columns, every rule.
ITEM_FIELDS = [
    dict(column_name="id_item", type="integer", is_creatable=False, is_editable=False),
    dict(column_name="code", type="string", is_required=True, min_length=2, max_length=20),
    dict(column_name="name", visible_name="title", type="string", max_length=100),
    dict(column_name="label", type="string"),
    dict(column_name="price", type="decimal", precision=8, scale=2),
    dict(column_name="qty", type="integer"),
    dict(column_name="item_rank", visible_name="rank", type="integer", min_value=1, max_value=10),
    dict(column_name="is_active", type="boolean"),
    dict(column_name="ratio", type="float"),
    dict(column_name="url", type="string", constraints=["url"]),
    dict(column_name="origin", type="string", is_creatable=False, is_editable=False),
]
PART_FIELDS = [
    dict(column_name="id_part", type="integer", is_creatable=False, is_editable=False),
    dict(column_name="fk_item", type="integer", is_required=True),
    dict(column_name="sku", type="string", is_required=True),
]
SETTING_FIELDS = [
    dict(column_name="id_setting", type="integer", is_creatable=False, is_editable=False),
    dict(column_name="setting_key", visible_name="key", type="string", is_required=True),
    dict(column_name="setting_value", visible_name="value", type="string"),
]


@pytest.fixture(scope="session", autouse=True)
def raw_tables(django_db_setup, django_db_blocker):
    """Create the dxa_* tables in the test database for the whole session."""
    with django_db_blocker.unblock():
        create_tables(TABLES)
    return tuple(TABLES)


# tests/support/endpoints.py's make_endpoint; the API tests' endpoints are deletable by default.
make_endpoint = partial(endpoint_create, deletable=True)


@pytest.fixture
def items_endpoint(db):
    """The `items` endpoint over dxa_item (deletable)."""
    return make_endpoint("items", "dxa_item", "id_item", ITEM_FIELDS)


@pytest.fixture
def parts_endpoint(db, items_endpoint):
    """The `parts` endpoint over dxa_part, child of `items` through relation `itemParts`."""
    endpoint = make_endpoint("parts", "dxa_part", "id_part", PART_FIELDS)
    EndpointRelation.objects.create(
        parent=items_endpoint,
        child=endpoint,
        name="itemParts",
        child_field="fk_item",
        parent_field="id_item",
        is_editable=True,
    )
    return endpoint


@pytest.fixture
def settings_endpoint(db):
    """The `settings` endpoint over dxa_setting, identified by its creatable string `key`."""
    return make_endpoint("settings", "dxa_setting", "setting_key", SETTING_FIELDS)


@pytest.fixture
def superuser(db, django_user_model):
    """A superuser without a usable password (hashing one costs a second per test)."""
    return django_user_model.objects.create_superuser("api-boss", "boss@example.com", None)


@pytest.fixture
def api(superuser):
    """An Api client authenticated as a superuser (independent of the authentication classes)."""
    client = APIClient()
    client.force_authenticate(user=superuser)
    return Api(client)


@pytest.fixture
def anonymous_api(db):
    return Api(APIClient())


def insert_row(table, **values):
    """Insert one row with raw SQL and return its primary key value (read back by a unique
    column when given, so it works on every backend)."""
    quote = connection.ops.quote_name
    columns = ", ".join(quote(c) for c in values)
    marks = ", ".join(["%s"] * len(values))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(table)} ({columns}) VALUES ({marks})", list(values.values())
        )
        return cursor.lastrowid if connection.vendor != "postgresql" else _pg_last_id(cursor)


def _pg_last_id(cursor):
    cursor.execute("SELECT lastval()")
    return cursor.fetchone()[0]


def fetch_rows(table, order_by, columns="*"):
    """Return all rows of `table` as dicts, ordered."""
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {columns} FROM {quote(table)} ORDER BY {quote(order_by)}")
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row)) for row in cursor.fetchall()]


def count_rows(table):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")
        return cursor.fetchone()[0]


def add_item(code, name="Item", **values):
    """Insert a dxa_item row with raw SQL; return its id."""
    return insert_row("dxa_item", code=code, name=name, **values)


def errors_of(response):
    """Return the error list of a transactional error body as (code, status, message) tuples."""
    return [(e["code"], e["status"], e["message"]) for e in response.json()]


def codes_of(response):
    body = response.json()
    errors = body["errors"] if isinstance(body, dict) else body
    return [e["code"] for e in errors]


def assert_golden(response, name, **substitutions):
    """Compare status and body byte for byte with tests/api/golden/<name>.json.

    The golden file holds {"status": int, "body": ...}; `<<key>>` markers in it are replaced by
    `substitutions` (ids chosen by the database). `UPDATE_GOLDEN=1` rewrites the file from the
    response instead: review the diff, and put the markers back by hand.
    """
    path = GOLDEN / f"{name}.json"
    if os.environ.get("UPDATE_GOLDEN") == "1" and not substitutions:
        document = {"status": response.status_code, "body": response.json()}
        path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
    text = path.read_text()
    for key, value in substitutions.items():
        text = text.replace(f"<<{key}>>", str(value))
    golden = json.loads(text)
    expected = json.dumps(golden["body"], separators=(",", ":"), ensure_ascii=False)
    actual = response.content.decode()
    assert_same_response(response.status_code, actual, (golden["status"], expected), name)
    assert response["Content-Type"] == "application/json"
