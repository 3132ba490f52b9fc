"""Fixtures of the limit tests: the demo endpoints on demo data, and the exchange-log table."""

import io
from pathlib import Path

from django.core.management import call_command

import pytest

from core.models import Category, CategoryNode
from tests.exchangelog.conftest import (  # noqa: F401  (fixtures shared with tests/exchangelog)
    api,
    countries,
    country_table,
    writer,
)
from tests.support.fixtures import fresh_registry  # noqa: F401  (autouse here)

ENDPOINTS_FILE = Path(__file__).resolve().parents[2] / "dataexchange" / "demo" / "endpoints.json"
NODES_URL = "/dynamic-entity/category-nodes"
CHILDREN = "categoryNodeChildren"  # the self relation of category nodes


@pytest.fixture
def demo(demo_data):
    """The demo tables with reference data and the demo endpoints; return a category id."""
    call_command("import_endpoints", str(ENDPOINTS_FILE), stdout=io.StringIO())
    return Category.objects.order_by("pk").values_list("pk", flat=True).first()


def node_chain(levels, category):
    """Return one category node with its children nested `levels` nodes deep in all."""
    node = {"fk_category": category, "node_order": levels - 1}
    for order in range(levels - 2, -1, -1):
        node = {"fk_category": category, "node_order": order, CHILDREN: [node]}
    return node


def json_depth(value):
    """Return how many objects and arrays nest in `value` at most (recursively: small values)."""
    if isinstance(value, dict):
        return 1 + max((json_depth(v) for v in value.values()), default=0)
    if isinstance(value, list):
        return 1 + max((json_depth(v) for v in value), default=0)
    return 0


def node_count():
    """Return how many category nodes are stored."""
    return CategoryNode.objects.count()
