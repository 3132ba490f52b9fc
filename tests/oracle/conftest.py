"""Fixtures of the trust tests (callers who may write or delete but not view): the wire-contract
tables and endpoints of tests/api, a caller with chosen grants, and the rows they work on."""

import pytest
from rest_framework.test import APIClient

from dataexchange.models import Endpoint
from tests.api.conftest import (  # noqa: F401  (fixtures shared with tests/api)
    add_item,
    api,
    items_endpoint,
    parts_endpoint,
    raw_tables,
    settings_endpoint,
    superuser,
)
from tests.auth.conftest import fresh_caches, grant  # noqa: F401
from tests.support.client import Api
from tests.support.fixtures import fresh_registry  # noqa: F401  (autouse here)


@pytest.fixture
def clerk(db, django_user_model):
    """A user without grants (no password: the client logs them in directly)."""
    return django_user_model.objects.create_user("clerk", "clerk@example.com", None)


@pytest.fixture
def caller(clerk):
    """Return `caller(grants)`: an Api client of the clerk, granted {alias: actions} first."""

    def make(grants):
        for alias, actions in grants.items():
            grant(Endpoint.objects.get(alias=alias), *actions, user=clerk)
        client = APIClient()
        client.force_authenticate(user=clerk)
        return Api(client)

    return make


@pytest.fixture
def rows(items_endpoint):  # noqa: F811  (the imported fixture)
    """Four items with values the caller never sent; return {code: id_item}."""
    return {
        code: add_item(code, name=f"Secret {code}", label="hidden", qty=qty, price="9.99")
        for code, qty in (("AA", 1), ("AB", 2), ("BA", 3), ("BB", 4))
    }
