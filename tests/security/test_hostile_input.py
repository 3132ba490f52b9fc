"""Hostile aliases, oversized and deeply nested JSON, and wrong types everywhere: each refused
with its exact error and the table unchanged."""

import json

import pytest

from dataexchange.models import Endpoint
from tests.auth.conftest import TABLE, bearer, thing_id, thing_rows
from tests.security.conftest import table_exists

URL = "/dynamic-entity/things"
NOT_FOUND = [{"message": "Not found", "status": 404, "code": "007"}]
BAD_FORMAT = [
    {
        "message": "Invalid or missing data format. Please ensure that the data is provided in "
        "the correct format. Example request body: {'data':[{...},{...},..]}",
        "status": 400,
        "code": "1301",
    }
]


@pytest.fixture
def as_boss(superuser):
    return bearer(superuser)


@pytest.fixture
def unchanged(things):
    before = thing_rows()
    yield
    assert table_exists(TABLE)
    assert thing_rows() == before


def error(code, status, message):
    return [{"message": message, "status": status, "code": code}]


def post_raw(client, body, headers, url=URL):
    return client.post(url, body, content_type="application/json", **headers)


class TestHostileAliases:
    @pytest.mark.parametrize(
        "path",
        [
            "../admin/",
            "..%2Fadmin%2F",
            "%2e%2e%2f%2e%2e%2fadmin",
            "things%2F..%2F..%2Fadmin%2F",
            "things/../../admin/",
            "%2e%2e",
            ".",
            "things%5C..%5Cadmin",
            "th\u0456ngs",  # Cyrillic i
            "%EF%BD%94hings",  # fullwidth t
            "things%E2%80%8B",  # zero-width space
            "things%C0%AF",  # overlong UTF-8 slash
            "things\u2215x",  # division slash
            "%00",
            "",
        ],
    )
    def test_refused_as_not_found(self, client, unchanged, as_boss, path):
        response = client.get(f"/dynamic-entity/{path}", **as_boss)
        assert response.status_code == 404
        assert response.json() == NOT_FOUND

    @pytest.mark.parametrize("alias", ["THINGS", "Things"])
    def test_alias_is_case_sensitive(self, client, unchanged, as_boss, alias):
        response = client.get(f"/dynamic-entity/{alias}", **as_boss)
        assert response.json() == NOT_FOUND

    def test_encoded_slash_is_a_slash_and_still_checked(self, client, things, user):
        """WSGI decodes the path before routing, so `things%2F1` is `things/1`: the same
        resource behind the same permission check, never a way around it."""
        response = client.get(f"{URL}%2F{thing_id('alpha')}", **bearer(user))
        assert response.json() == error("1404", 403, "Permission denied: `view` on `things`.")


class TestOversized:
    def test_body_over_the_byte_limit(self, client, unchanged, as_boss, settings):
        settings.DATA_EXCHANGE = {**settings.DATA_EXCHANGE, "MAX_BODY_BYTES": 1000}
        body = json.dumps({"data": [{"name": "x" * 2000}]})
        response = post_raw(client, body, as_boss)
        assert response.status_code == 413
        assert response.json() == error(
            "1408", 413, f"Request body of {len(body)} bytes exceeds the maximum of 1000 bytes."
        )

    def test_batch_over_the_endpoint_limit(self, client, unchanged, as_boss, things):
        Endpoint.objects.filter(pk=things.pk).update(max_batch_size=2)
        Endpoint.objects.get(pk=things.pk).save()  # bump the configuration version
        items = [{"name": f"n{i}"} for i in range(3)]
        response = client.post(URL, {"data": items}, format="json", **as_boss)
        assert response.status_code == 413
        assert response.json() == error(
            "1401", 413, "Batch of 3 items exceeds the maximum of 2 for `things`."
        )

    def test_huge_string_value(self, client, unchanged, as_boss):
        response = client.post(URL, {"data": [{"name": "x" * 1_000_000}]}, format="json", **as_boss)
        assert response.json() == error(
            "1306",
            400,
            "Invalid data value `things[0]` for field: `name`. Field rules: max_length: 50, "
            "is_required: 1",
        )

    def test_many_unknown_keys(self, client, unchanged, as_boss):
        item = {"name": "gamma", **{f"k{i}": i for i in range(2000)}}
        response = client.post(URL, {"data": [item]}, format="json", **as_boss)
        errors = response.json()
        assert response.status_code == 400
        assert len(errors) == 2000 and {e["code"] for e in errors} == {"1311"}


class TestDeeplyNested:
    @pytest.mark.parametrize("depth", [2000, 100_000])
    def test_nesting_beyond_the_parser_limit(self, client, unchanged, as_boss, depth):
        body = '{"data":' + "[" * depth + "]" * depth + "}"
        assert post_raw(client, body, as_boss).json() == BAD_FORMAT

    def test_nested_objects_under_an_unknown_relation(self, client, unchanged, as_boss):
        deep = {"x": 1}
        for _ in range(10):  # 25 levels in all, within MAX_JSON_DEPTH
            deep = {"x": [deep]}
        response = client.post(
            URL, {"data": [{"name": "g", "x": [deep]}]}, format="json", **as_boss
        )
        assert response.json() == error(
            "1313",
            400,
            "Relation `x` not found. Please check the requested relation name and try again.",
        )

    def test_nesting_beyond_the_depth_limit(self, client, unchanged, as_boss):
        deep = {"x": 1}
        for _ in range(200):
            deep = {"x": [deep]}
        response = client.post(
            URL, {"data": [{"name": "g", "x": [deep]}]}, format="json", **as_boss
        )
        assert response.json() == error(
            "1412", 400, "The request body is nested deeper than the maximum of 32 levels."
        )

    def test_include_chain_deeper_than_allowed(self, client, demo_endpoints, superuser):
        chain = ".".join(["categoryNodeChildren"] * 500)
        response = client.get(
            "/dynamic-entity/category-nodes", {"include": chain}, **bearer(superuser)
        )
        assert response.status_code == 400
        assert response.json()[0]["status"] == 400


class TestWrongTypes:
    @pytest.mark.parametrize(
        "body",
        [
            "",
            "null",
            "1",
            '"data"',
            "[]",
            "{}",
            '{"data": null}',
            '{"data": "x"}',
            '{"data": 5}',
            '{"data": {}}',
            '{"data": {"name": "x"}}',
            '{"data": []}',
            '{"data": [1]}',
            '{"data": [[]]}',
            '{"data": [null]}',
            '{"data": [{"name": "x"}, "y"]}',
            '{"data": [{"name": "x", "qty": NaN}]}',
            '{"data": [{"name": "x", "qty": 1e400}]}',
            "\xff\xfe",
            "{'data': [{'name': 'x'}]}",
        ],
    )
    def test_collection_body_shapes(self, client, unchanged, as_boss, body):
        assert post_raw(client, body, as_boss).json() == BAD_FORMAT

    @pytest.mark.parametrize("body", ['{"data": [{"qty": 1}]}', '{"data": "x"}', '{"data": {}}'])
    def test_single_route_body_shapes(self, client, unchanged, as_boss, body):
        url = f"{URL}/{thing_id('alpha')}"
        response = client.patch(url, body, content_type="application/json", **as_boss)
        assert response.json() == BAD_FORMAT

    @pytest.mark.parametrize(
        "field, value, codes",
        [
            ("name", 5, ["1305"]),
            ("name", True, ["1305"]),
            ("name", 1.5, ["1305"]),
            ("qty", "5", ["1305"]),
            ("qty", 1.5, ["1305"]),
            ("qty", 10**30, ["1305"]),
            ("qty", "abc", ["1305"]),
            ("id_thing", "1", ["1305", "1304"]),
        ],
    )
    def test_field_types(self, client, unchanged, as_boss, field, value, codes):
        url = f"{URL}/{thing_id('alpha')}"
        response = client.patch(url, {"data": {field: value}}, format="json", **as_boss)
        messages = {
            "1305": f"Invalid data type `things[0]` for field `{field}`",
            "1304": f"Modification of immutable field `things[0].{field}` is prohibited",
        }
        assert response.status_code == 400
        assert response.json() == [error(code, 400, messages[code])[0] for code in codes]

    def test_boolean_for_integer_yields_type_error(self, client, unchanged, as_boss):
        response = client.post(
            URL, {"data": [{"name": "g", "qty": True}]}, format="json", **as_boss
        )
        assert response.json() == error(
            "1305", 400, "Invalid data type `things[0]` for field `qty`"
        )

    @pytest.mark.parametrize(
        "value, reason",
        [
            ('{"gt":"abc"}', "`gt` needs a value of type integer"),
            ('{"between":[1]}', "`between` needs a list of two values of type integer"),
        ],
    )
    def test_filter_operator_types(self, client, unchanged, as_boss, value, reason):
        response = client.get(URL, {"filter[things.qty]": value}, **as_boss)
        assert response.json() == error(
            "1405", 400, f"Invalid filter `qty` for table alias `things`: {reason}."
        )

    def test_filter_key_without_dot(self, client, unchanged, as_boss):
        response = client.get(URL, {"filter[qty]": "1"}, **as_boss)
        assert response.json() == error(
            "011",
            400,
            "Unsupported `Filter` format is used. Please use `filter[resource.property]`",
        )

    def test_unsupported_accept(self, client, unchanged, as_boss):
        response = client.get(URL, HTTP_ACCEPT="text/html", **as_boss)
        assert response.status_code == 415
        assert response.json() == error("010", 415, "Unsupported `Accept` format used.")

    def test_post_on_an_item_route_is_not_a_route(self, client, unchanged, as_boss):
        url = f"{URL}/{thing_id('beta')}"
        response = client.post(url, {"data": [{"name": "x"}]}, format="json", **as_boss)
        assert response.json() == NOT_FOUND
