"""The batch limit (1401) counts every item of a body: root items and the rows nested under
relation names at any depth, editable, read-only or unknown (SPEC B2)."""

import pytest

from dataexchange.engine.plan.write_plan import count_items
from dataexchange.models import Endpoint
from tests.exchangelog.conftest import send
from tests.limits.conftest import CHILDREN, NODES_URL, node_chain, node_count


@pytest.mark.parametrize(
    "items, count",
    [
        ([{}], 1),
        ([{"a": 1}, {"b": "x"}], 2),
        ([{"rel": [{}, {}, {"rel": [{}]}]}], 5),
        ([{"rel": {"rel": {}}}], 3),  # an object under a relation name is one row
        ([{"rel": [1, "x", [2, 3]]}], 4),  # rows that are not objects are still rows
        ([{"rel": []}], 1),
        ([node_chain(500, 1)], 500),
    ],
)
def test_count_items(items, count):
    assert count_items(items) == count


def test_count_of_a_wide_body_is_linear():
    assert count_items([{"rel": [{"rel": [{}] * 100}] * 100}] * 10) == 10 + 1000 + 100_000


def limit_nodes(size):
    endpoint = Endpoint.objects.get(alias="category-nodes")
    endpoint.max_batch_size = size
    endpoint.save()  # bumps the configuration version


def too_many(count, limit):
    message = f"Batch of {count} items exceeds the maximum of {limit} for `category-nodes`."
    return [{"message": message, "status": 413, "code": "1401"}]


def test_nested_items_count_toward_the_batch_limit(api, demo):
    limit_nodes(5)
    before = node_count()
    response = send(api, "POST", NODES_URL, [node_chain(6, demo)])
    assert (response.status_code, response.json()) == (413, too_many(6, 5))
    assert node_count() == before
    response = send(api, "POST", NODES_URL, [node_chain(5, demo)])
    assert response.status_code == 201, response.content
    assert node_count() == before + 5


def test_one_item_with_many_children_is_refused(api, demo):
    """One node with 10,001 children was accepted (and took seconds) under a limit of 10,000."""
    children = [{"fk_category": demo, "node_order": i} for i in range(10_001)]
    before = node_count()
    response = send(api, "POST", NODES_URL, [{"fk_category": demo, CHILDREN: children}])
    assert (response.status_code, response.json()) == (413, too_many(10_002, 10_000))
    assert node_count() == before


@pytest.mark.parametrize("relation", ["categoryNodeUrls", "noSuchRelation"])
def test_rows_under_other_relation_names_count_too(api, demo, relation):
    limit_nodes(3)
    item = {"fk_category": demo, relation: [{}, {}, {}]}
    response = send(api, "POST", NODES_URL, [item], **{"X-Is-Transactional": "false"})
    assert (response.status_code, response.json()) == (413, too_many(4, 3))


def test_patch_of_one_counts_its_children(api, demo):
    limit_nodes(2)
    created = send(api, "POST", NODES_URL, [{"fk_category": demo}]).json()["data"][0]
    url = f"{NODES_URL}/{created['id_category_node']}"
    response = send(api, "PATCH", url, {CHILDREN: [{"fk_category": demo}] * 2})
    assert (response.status_code, response.json()) == (413, too_many(3, 2))
