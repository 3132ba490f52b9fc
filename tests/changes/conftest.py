"""Fixtures of the change-capture and feed tests: a raw-SQL table served as a tracked endpoint.

Triggers, the sequencer and second connections need real commits, so the tests use
`transactional_db`; the table is created afresh for each test (dropping it drops its triggers).
"""

from django.db import connection

import pytest
from rest_framework.test import APIClient

from dataexchange.auth.models import EndpointPermission
from dataexchange.changes.sequencer import sequence_pending
from tests.support.client import Api
from tests.support.ddl import create_tables, drop_tables
from tests.support.endpoints import make_endpoint
from tests.support.fixtures import fresh_registry  # noqa: F401  (autouse here)

ALIAS = "chg-items"
TABLE = "chg_item"
COLUMNS = "id_item {pk}, code VARCHAR(20) NOT NULL UNIQUE, name VARCHAR(100) NOT NULL, qty INTEGER"
FIELDS = [
    ("id_item", "integer", {"is_creatable": False, "is_editable": False}),
    ("code", "string", {"is_required": True, "max_length": 20}),
    ("name", "string", {"is_required": True}),
    ("qty", "integer", {}),
]


@pytest.fixture
def item_table(transactional_db):
    """Create `chg_item` for one test; drop it (with its triggers) afterwards."""
    create_tables({TABLE: COLUMNS})
    yield TABLE
    drop_tables(TABLE)


@pytest.fixture
def tracked(item_table):
    """Configure `chg_item` as the tracked endpoint `chg-items` (triggers installed)."""
    return make_endpoint(ALIAS, TABLE, "id_item", FIELDS, deletable=True, track_changes=True)


def sql(statement, params=None):
    """Run one statement on the default connection (autocommit: a writer outside the app)."""
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return list(cursor.fetchall()) if cursor.description else None


def logged(table=TABLE):
    """Return (operation, identifier, columns) of `table`'s entries, numbered, in order."""
    from dataexchange.changes.models import ChangeEntry

    sequence_pending()
    entries = ChangeEntry.objects.filter(table_name=table).order_by("position")
    return [(e.operation, e.identifier, e.columns) for e in entries]


def client_for(user):
    """Return an Api over a DRF client authenticated as `user`."""
    client = APIClient()
    client.force_authenticate(user=user)
    return Api(client)


@pytest.fixture
def viewer(tracked, django_user_model):
    """Return an Api of a user allowed to view, create, update and delete `chg-items`."""
    user = django_user_model.objects.create_user("viewer", "viewer@example.com", "pw-1!")
    EndpointPermission.objects.create(
        endpoint=tracked, user=user, can_view=True, can_create=True, can_update=True,
        can_delete=True,
    )  # fmt: skip
    return client_for(user)
