"""Bodies nested deeper than MAX_JSON_DEPTH are refused as a whole with 1412, before anything is
planned or written, so every accepted body can be written, rendered and logged (SPEC B2)."""

import pytest

from dataexchange.engine.parse.params import DEPTH_CEILING, parse_body
from dataexchange.errors import ApiException
from dataexchange.exchangelog.models import Exchange
from tests.exchangelog.conftest import send
from tests.limits.conftest import CHILDREN, NODES_URL, json_depth, node_chain, node_count

LIMIT = 32  # the default MAX_JSON_DEPTH


def too_deep(limit=LIMIT):
    return [
        {
            "message": f"The request body is nested deeper than the maximum of {limit} levels.",
            "status": 400,
            "code": "1412",
        }
    ]


def nested_body(depth):
    """Return a body `{"data":[{"x":[[...0...]]}]}` exactly `depth` levels deep (3 or more)."""
    return b'{"data":[{"x":' + b"[" * (depth - 3) + b"0" + b"]" * (depth - 3) + b"}]}"


class TestParse:
    @pytest.mark.parametrize("depth", [3, LIMIT - 1, LIMIT])
    def test_bodies_up_to_the_limit_are_parsed(self, depth):
        (item,) = parse_body(nested_body(depth), single=False)
        assert json_depth(item) == depth - 2

    @pytest.mark.parametrize("depth", [LIMIT + 1, 300, 1000])
    def test_deeper_bodies_are_refused(self, depth):
        with pytest.raises(ApiException) as raised:
            parse_body(nested_body(depth), single=False)
        assert [e.as_dict() for e in raised.value.errors] == too_deep()

    def test_the_limit_is_a_setting(self, settings):
        settings.DATA_EXCHANGE = {**settings.DATA_EXCHANGE, "MAX_JSON_DEPTH": 5}
        assert parse_body(b'{"data":{"a":{"b":{"c":{}}}}}', single=True)
        with pytest.raises(ApiException) as raised:
            parse_body(b'{"data":{"a":{"b":{"c":{"d":{}}}}}}', single=True)
        assert [e.as_dict() for e in raised.value.errors] == too_deep(5)

    def test_the_setting_cannot_lift_the_limit_past_what_can_be_rendered(self, settings):
        settings.DATA_EXCHANGE = {**settings.DATA_EXCHANGE, "MAX_JSON_DEPTH": 1000}
        assert parse_body(nested_body(DEPTH_CEILING), single=False)
        with pytest.raises(ApiException) as raised:
            parse_body(nested_body(DEPTH_CEILING + 1), single=False)
        assert [e.as_dict() for e in raised.value.errors] == too_deep(DEPTH_CEILING)

    def test_depth_counts_objects_and_arrays_alike(self, settings):
        body = b'{"data":[{"a":{"b":[{"c":[]}]}}]}'  # 7 levels
        settings.DATA_EXCHANGE = {**settings.DATA_EXCHANGE, "MAX_JSON_DEPTH": 7}
        assert len(parse_body(body, single=False)) == 1
        settings.DATA_EXCHANGE = {**settings.DATA_EXCHANGE, "MAX_JSON_DEPTH": 6}
        with pytest.raises(ApiException):
            parse_body(body, single=False)


class TestCategoryTree:
    """The demo's self relation: category nodes with child nodes under `categoryNodeChildren`."""

    def test_tree_just_under_the_limit_is_created_and_rendered(self, api, demo):
        levels = (LIMIT - 1) // 2  # {"data":[ node, then 2 levels per child node
        body = {"data": [node_chain(levels, demo)]}
        assert json_depth(body) == 2 * levels + 1 <= LIMIT
        before = node_count()
        response = send(api, "POST", NODES_URL, body["data"])
        assert response.status_code == 201, response.content
        node, parent, seen = response.json()["data"][0], None, 0
        while node is not None:
            assert node["node_order"] == seen
            assert node["fk_parent_category_node"] == parent
            parent, seen = node["id_category_node"], seen + 1
            node = node.get(CHILDREN, [None])[0]
        assert seen == levels
        assert node_count() == before + levels

    def test_tree_one_level_over_the_limit_is_refused_whole(self, api, demo):
        levels = (LIMIT - 1) // 2 + 1
        before = node_count()
        response = send(api, "POST", NODES_URL, [node_chain(levels, demo)])
        assert response.status_code == 400
        assert response.json() == too_deep()
        assert node_count() == before

    @pytest.mark.parametrize("transactional", ["true", "false"])
    def test_tree_126_deep_is_refused_before_any_row_is_written(self, api, demo, transactional):
        """Once committed and then answered 500 (the response was too deep for orjson to
        render) with the log saying `failed`: a client retried and duplicated the tree."""
        before = node_count()
        response = send(
            api,
            "POST",
            NODES_URL,
            [node_chain(127, demo)],
            **{"X-Is-Transactional": transactional},
        )
        assert (response.status_code, response.json()) == (400, too_deep())
        assert node_count() == before
        (exchange,) = Exchange.objects.all()
        assert exchange.status == Exchange.Status.REJECTED
        assert exchange.error_codes == ",1412,"
