"""A string value holding NUL matches nothing on every backend (MariaDB's collations ignore NUL,
so `BER\\0` found `BER` there; PostgreSQL text cannot hold NUL at all)."""

import json

import pytest

from tests.api.conftest import count_rows


@pytest.fixture
def ber(api, settings_endpoint):
    """Settings `BER` and `FRA`."""
    data = [{"key": "BER", "value": "Berlin"}, {"key": "FRA", "value": "Frankfurt"}]
    assert api.post("settings", {"data": data}).status_code == 201


def keys(response):
    assert response.status_code == 200, response.content
    return [row["key"] for row in response.json()["data"]]


def test_get_one_with_nul_is_1303(api, ber):
    response = api.get("settings/BER%00")
    assert (response.status_code, response.json()[0]["code"]) == (404, "1303")


@pytest.mark.parametrize("value", ["BER\x00", "\x00BER", "B\x00ER"])
def test_equality_filter_with_nul_matches_nothing(api, ber, value):
    assert keys(api.get("settings", **{"filter[s.key]": value})) == []


def test_in_filter_drops_values_with_nul(api, ber):
    assert keys(api.get("settings", **{"filter[s.key]": json.dumps({"in": ["BER\x00"]})})) == []
    both = json.dumps({"in": ["BER\x00", "FRA"]})
    assert keys(api.get("settings", **{"filter[s.key]": both})) == ["FRA"]


def test_delete_and_patch_by_an_identifier_with_nul_touch_nothing(api, ber):
    response = api.delete("settings/BER%00")
    assert (response.status_code, response.json()[0]["code"]) == (404, "1303")
    response = api.patch("settings", {"data": [{"key": "BER\x00", "value": "x"}]})
    assert (response.status_code, response.json()[0]["code"]) == (404, "1303")
    assert count_rows("dxa_setting") == 2
    assert api.get("settings/BER").json()["data"]["value"] == "Berlin"


@pytest.mark.parametrize("op", ["like", "ilike", "ne", "gt", "notIn"])
def test_operators_refuse_values_with_nul_alike_everywhere(api, ber, op):
    value = ["BER\x00"] if op == "notIn" else "BER\x00%"
    response = api.get("settings", **{"filter[s.key]": json.dumps({op: value})})
    assert (response.status_code, response.json()[0]["code"]) == (400, "1405")
