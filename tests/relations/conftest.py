"""Raw-SQL tables with a three-level hierarchy and a self relation, configured as endpoints."""

from functools import partial

from django.contrib.auth import get_user_model

import pytest

from dataexchange.models import EndpointRelation
from tests.support.client import Api
from tests.support.ddl import create_tables, drop_tables
from tests.support.endpoints import make_endpoint

TABLES = {  # parents first, dropped in reverse order; placeholders: tests/support/ddl.py
    "rel_group": "id_group {pk}, code VARCHAR(20) NOT NULL UNIQUE, label VARCHAR(50)",
    "rel_item": "id_item {pk}, fk_group INTEGER NOT NULL REFERENCES rel_group (id_group),"
    " sku VARCHAR(20) NOT NULL UNIQUE, note VARCHAR(50)",
    "rel_leaf": "id_leaf {pk}, fk_item INTEGER NOT NULL REFERENCES rel_item (id_item),"
    " name VARCHAR(20) NOT NULL",
    "rel_node": "id_node {pk}, fk_parent INTEGER NULL REFERENCES rel_node (id_node),"
    " title VARCHAR(20) NOT NULL",
}


# tests/support/endpoints.py's make_endpoint; these endpoints are deletable.
endpoint = partial(make_endpoint, deletable=True)


KEY = {"is_creatable": False, "is_editable": False}


@pytest.fixture
def hierarchy(transactional_db):
    """groups → items → leaves, plus a self-related node tree; dropped afterwards."""
    create_tables(TABLES)
    groups = endpoint(
        "groups",
        "rel_group",
        "id_group",
        [("id_group", "integer", KEY), ("code", "string", {"is_required": True}),
         ("label", "string", {})],
    )  # fmt: skip
    items = endpoint(
        "items",
        "rel_item",
        "id_item",
        [("id_item", "integer", KEY), ("fk_group", "integer", {"is_required": True}),
         ("sku", "string", {"is_required": True, "max_length": 20}), ("note", "string", {})],
    )  # fmt: skip
    leaves = endpoint(
        "leaves",
        "rel_leaf",
        "id_leaf",
        [("id_leaf", "integer", KEY), ("fk_item", "integer", {"is_required": True}),
         ("name", "string", {"is_required": True})],
    )  # fmt: skip
    nodes = endpoint(
        "nodes",
        "rel_node",
        "id_node",
        [("id_node", "integer", KEY), ("fk_parent", "integer", {}),
         ("title", "string", {"is_required": True})],
    )  # fmt: skip
    rel = EndpointRelation.objects.create
    rel(parent=groups, name="groupItems", child=items, child_field="fk_group",
        parent_field="id_group")  # fmt: skip
    rel(parent=groups, name="groupItemsReadOnly", child=items, child_field="fk_group",
        parent_field="id_group", is_editable=False)  # fmt: skip
    rel(parent=items, name="itemLeaves", child=leaves, child_field="fk_item",
        parent_field="id_item")  # fmt: skip
    rel(parent=nodes, name="nodeChildren", child=nodes, child_field="fk_parent",
        parent_field="id_node")  # fmt: skip
    yield
    drop_tables(*reversed(TABLES))


@pytest.fixture
def api(transactional_db):
    """A test client logged in as a superuser, with JSON helpers."""
    from django.test import Client

    user = get_user_model().objects.create_superuser("rel-admin", "rel@example.com", "pw")
    client = Client()
    client.force_login(user)

    def call(method, path, body=None, **headers):
        """Send `body` as JSON; return (status, parsed body or None)."""
        status, parsed, _ = Api(client)(method, path, body, headers=headers)
        return status, parsed

    return call
