"""Fixtures of the documentation tests: raw-SQL tables, a fixed configuration, callers.

The `dxo_*` tables are created with raw SQL once per session, outside the per-test transactions
(MariaDB commits implicitly on DDL). Endpoints are configured through the ORM, as the admin does.
"""

import json
from pathlib import Path

from django.core.cache import cache

import pytest
from rest_framework.test import APIClient

from dataexchange.models import EndpointRelation
from dataexchange.openapi.generator import clear_cache
from tests.support.ddl import create_tables
from tests.support.endpoints import make_endpoint
from tests.support.fixtures import fresh_registry  # noqa: F401  (autouse here)

GOLDEN = Path(__file__).parent / "golden"
# Parents before children; dropped in reverse order; placeholders: tests/support/ddl.py.
TABLES = {
    "dxo_brand": """
        id_brand {pk},
        code VARCHAR(10) NOT NULL UNIQUE,
        name VARCHAR(60) NULL
    """,
    "dxo_gadget": """
        id_gadget {pk},
        fk_brand INTEGER NULL REFERENCES dxo_brand (id_brand),
        code VARCHAR(20) NOT NULL UNIQUE,
        price DECIMAL(8,2) NULL,
        weight DOUBLE PRECISION NULL,
        stock INTEGER NOT NULL DEFAULT 0,
        is_active BOOLEAN NOT NULL DEFAULT TRUE,
        released DATE NULL,
        created_at {timestamptz} NULL,
        kind VARCHAR(10) NULL,
        url VARCHAR(255) NULL
    """,
}

GADGET_FIELDS = [
    dict(column_name="id_gadget", type="integer", is_creatable=False, is_editable=False),
    dict(column_name="fk_brand", visible_name="brand", type="integer", is_required=True),
    dict(
        column_name="code",
        type="string",
        is_required=True,
        min_length=2,
        max_length=20,
        description="Article code.",
        examples="AB-1, CD-2",
    ),
    dict(column_name="price", type="decimal", precision=8, scale=2, examples="19.99"),
    dict(column_name="weight", type="float"),
    dict(column_name="stock", type="integer", min_value=0, max_value=1000, examples="5"),
    dict(column_name="is_active", visible_name="active", type="boolean"),
    dict(column_name="released", type="date"),
    dict(column_name="created_at", type="datetime", is_creatable=False, is_editable=False),
    dict(column_name="kind", type="string", enum_values=["tool", "toy"]),
    dict(column_name="url", type="string", constraints=[{"name": "url"}]),
]
BRAND_FIELDS = [
    dict(column_name="id_brand", type="integer", is_creatable=False, is_editable=False),
    dict(column_name="code", type="string", is_required=True, max_length=10),
    dict(column_name="name", type="string", is_editable=False),
]


@pytest.fixture(scope="session", autouse=True)
def openapi_tables(django_db_setup, django_db_blocker):
    """Create the dxo_* tables in the test database for the whole session."""
    with django_db_blocker.unblock():
        create_tables(TABLES)
    return tuple(TABLES)


@pytest.fixture(autouse=True)
def fresh_caches():
    """Forget cached documents and grants (`fresh_registry` forgets compiled endpoints):
    rolled-back test transactions reuse configuration version numbers."""
    clear_cache()
    cache.clear()
    yield
    clear_cache()
    cache.clear()


@pytest.fixture
def configuration(db):
    """The fixed test configuration: `gadgets` (every type and rule, deletable) and `brands`
    (not deletable) with the editable relation `brandGadgets`."""
    gadgets = make_endpoint(
        "gadgets", "dxo_gadget", "id_gadget", GADGET_FIELDS, deletable=True, description="Gadgets."
    )
    brands = make_endpoint("brands", "dxo_brand", "code", BRAND_FIELDS)
    EndpointRelation.objects.create(
        parent=brands,
        child=gadgets,
        name="brandGadgets",
        child_field="fk_brand",
        parent_field="id_brand",
        is_editable=True,
    )
    return {"gadgets": gadgets, "brands": brands}


@pytest.fixture
def superuser(db, django_user_model):
    return django_user_model.objects.create_superuser("doc-boss", "doc@example.com", "pw-1!x")


@pytest.fixture
def staff_user(db, django_user_model):
    return django_user_model.objects.create_user("doc-reader", "reader@example.com", "pw-2!y")


def client_for(user=None):
    client = APIClient()
    if user is not None:
        client.force_authenticate(user=user)
    return client


def fetch_document(client, fmt="json"):
    """Return the document served to `client` as a dict."""
    response = client.get(f"/api/schema/?format={fmt}")
    assert response.status_code == 200, response.content
    if fmt == "json":
        return json.loads(response.content)
    import yaml

    return yaml.safe_load(response.content)
