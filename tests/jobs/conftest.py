"""Fixtures of the jobs tests: a raw-SQL table served as an endpoint, callers, and a worker.

Jobs commit for real (the body, then each chunk with its rows), so the tests use
`transactional_db` and empty the table themselves. `run_worker` runs django-tasks-db's own
`db_worker` in this process until the queue is empty: the tasks the API enqueued go through the
real task engine, not a shortcut.
"""

from django.core.management import call_command
from django.db import connection

import pytest
from rest_framework.test import APIClient

from dataexchange.auth.models import EndpointPermission
from tests.support.client import Api
from tests.support.ddl import create_tables, drop_tables
from tests.support.endpoints import make_endpoint
from tests.support.fixtures import fresh_registry  # noqa: F401  (autouse here)

ALIAS = "job-items"
URL = f"/dynamic-entity/{ALIAS}"
ASYNC = {"Prefer": "respond-async"}
LOOSE = {"Prefer": "respond-async", "X-Is-Transactional": "false"}


@pytest.fixture(scope="session", autouse=True)
def item_table(django_db_setup, django_db_blocker):
    """Create `job_item` in the test database for the whole session."""
    columns = (
        "id_item {pk}, code VARCHAR(20) NOT NULL UNIQUE, name VARCHAR(100) NOT NULL, qty INTEGER"
    )
    with django_db_blocker.unblock():
        create_tables({"job_item": columns})
    yield
    with django_db_blocker.unblock():
        drop_tables("job_item")


@pytest.fixture
def items_endpoint(transactional_db):
    """Configure `job_item` as `job-items` (identifier `code`); empty the table around the test."""
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM job_item")
    fields = [
        ("id_item", "integer", {"is_creatable": False, "is_editable": False}),
        ("code", "string", {"is_required": True, "max_length": 20}),
        ("name", "string", {"is_required": True}),
        ("qty", "integer", {"min_value": 0}),
    ]
    yield make_endpoint(ALIAS, "job_item", "code", fields, deletable=True)
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM job_item")


@pytest.fixture
def owner(items_endpoint, django_user_model):
    """Return a non-superuser allowed to view, create, update and delete `job-items`."""
    user = django_user_model.objects.create_user("owner", "owner@example.com", "pw-1!")
    EndpointPermission.objects.create(
        endpoint=items_endpoint, user=user, can_view=True, can_create=True, can_update=True,
        can_delete=True,
    )  # fmt: skip
    return user


def client_for(user):
    """Return an Api over a DRF client authenticated as `user`."""
    client = APIClient()
    client.force_authenticate(user=user)
    return Api(client)


@pytest.fixture
def api(owner):
    return client_for(owner)


def run_worker():
    """Run the task engine's worker in this process until no task is waiting."""
    call_command("db_worker", "--batch", "--no-startup-delay", "--interval", "0", verbosity=0)


def rows():
    """Return (code, name, qty) of every stored item, ordered by code."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT code, name, qty FROM job_item ORDER BY code")
        return [tuple(row) for row in cursor.fetchall()]


def items(count, start=0, **extra):
    """Return `count` valid items `I00000`, `I00001`, ..."""
    return [
        {"code": f"I{n:05d}", "name": f"Item {n}", "qty": n, **extra}
        for n in range(start, start + count)
    ]


def submit(api, method, body, headers=ASYNC, path=URL, **params):
    """Send an asynchronous write; return (status, body, response)."""
    data = None if body is None else {"data": body}
    return api(method, path, data, headers=headers, **params)
