"""Fixtures for access tests: a raw-SQL table served as endpoint `things`, users, tokens, keys.

The table is created once per session outside any test transaction (MariaDB commits on DDL);
rows, users and configuration live in each test's transaction and roll back with it.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.db import connection

import pytest
from rest_framework.test import APIClient

from dataexchange.auth.models import AccessToken, ApiKey, EndpointPermission
from tests.support.ddl import create_tables, drop_tables
from tests.support.endpoints import make_endpoint as endpoint_create
from tests.support.fixtures import fresh_registry  # noqa: F401  (autouse here)

TABLE = "dx_auth_thing"
OTHER_TABLE = "dx_auth_other"
PASSWORD = "correct horse battery staple"


THING_COLUMNS = "id_thing {pk}, name VARCHAR(50) NOT NULL UNIQUE, qty INTEGER NULL"


@pytest.fixture(scope="session")
def things_table(django_db_setup, django_db_blocker):
    """Create the tables once per test session; drop them at the end."""
    with django_db_blocker.unblock():
        create_tables({TABLE: THING_COLUMNS, OTHER_TABLE: THING_COLUMNS})
    yield TABLE
    with django_db_blocker.unblock():
        drop_tables(TABLE, OTHER_TABLE)


@pytest.fixture(autouse=True)
def fast_hasher(settings):
    """Hash test passwords cheaply; the real hasher's cost is not what these tests check."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def fresh_caches():
    """Start every test with empty throttle/permission caches (and, with `fresh_registry`, no
    compiled endpoints)."""
    cache.clear()
    yield
    cache.clear()


THING_FIELDS = [
    ("id_thing", "integer", {"is_creatable": False, "is_editable": False}),
    ("name", "string", {"is_required": True, "max_length": 50}),
    ("qty", "integer", {}),
]


def make_endpoint(alias="things", table=TABLE, deletable=True):
    """Configure an active endpoint over the things table; return its Endpoint row."""
    return endpoint_create(alias, table, "id_thing", THING_FIELDS, deletable=deletable)


@pytest.fixture
def things(db, things_table):
    """The endpoint `things` with two rows; return the Endpoint row."""
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {TABLE} (name, qty) VALUES ('alpha', 1), ('beta', 2)")
    return make_endpoint()


def thing_id(name):
    """Return the id of the row called `name` (ids differ per database: sequences never roll
    back on PostgreSQL and MariaDB)."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id_thing FROM {TABLE} WHERE name = %s", [name])
        return cursor.fetchone()[0]


def thing_rows():
    """Return every row of the things table, ordered, to prove it unchanged."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id_thing, name, qty FROM {TABLE} ORDER BY id_thing")
        return cursor.fetchall()


@pytest.fixture
def user(db):
    return get_user_model().objects.create_user(
        "clerk", email="clerk@example.com", password=PASSWORD
    )


@pytest.fixture
def superuser(db):
    return get_user_model().objects.create_superuser(
        "boss", email="boss@example.com", password=PASSWORD
    )


@pytest.fixture
def client():
    return APIClient()


def bearer(user):
    """Return Authorization headers with a fresh access token of `user`."""
    _, access, _ = AccessToken.objects.issue(user)
    return {"HTTP_AUTHORIZATION": f"Bearer {access}"}


def make_key(owner, **fields):
    """Create an API key; return (ApiKey, raw secret)."""
    key = ApiKey(name=fields.pop("name", "importer"), owner=owner, **fields)
    raw = key.set_new_key()
    key.save()
    return key, raw


def grant(endpoint, *actions, user=None, group=None, api_key=None):
    """Grant `actions` on `endpoint` to one principal; return the EndpointPermission."""
    flags = {f"can_{action}": True for action in actions}
    return EndpointPermission.objects.create(
        endpoint=endpoint, user=user, group=group, api_key=api_key, **flags
    )


def group_with(user, name="importers"):
    group = Group.objects.create(name=name)
    user.groups.add(group)
    return group
