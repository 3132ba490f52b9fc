"""PATCH: partial updates by identifier, explicit nulls, 1310/1303 (SPEC A5)."""

import pytest

from tests.api.conftest import add_item, fetch_rows


@pytest.fixture
def items(items_endpoint):
    first = add_item("AA", "First", label="keep", qty=1, price="2.5")
    second = add_item("BB", "Second", label="keep", qty=2)
    return first, second


def test_patch_collection_changes_only_sent_keys(api, items):
    first, second = items
    body = {"data": [{"id_item": second, "qty": 20}, {"id_item": first, "title": "Renamed"}]}
    response = api.patch("items", body)
    assert response.status_code == 200, response.content
    rows = response.json()["data"]
    assert [row["id_item"] for row in rows] == [second, first]  # request order
    assert rows[0] == {
        "id_item": second,
        "code": "BB",
        "title": "Second",
        "label": "keep",
        "price": None,
        "qty": 20,
        "rank": None,
        "is_active": True,
        "ratio": None,
        "url": None,
        "origin": "db",
    }
    assert (rows[1]["title"], rows[1]["qty"], rows[1]["price"]) == ("Renamed", 1, "2.50")
    assert fetch_rows("dxa_item", "id_item", "name, qty") == [
        {"name": "Renamed", "qty": 1},
        {"name": "Second", "qty": 20},
    ]


def test_patch_writes_explicit_nulls(api, items):
    first, _ = items
    response = api.patch("items", {"data": [{"id_item": first, "label": None, "price": None}]})
    assert response.status_code == 200, response.content
    row = response.json()["data"][0]
    assert (row["label"], row["price"], row["qty"]) == (None, None, 1)
    assert api.get(f"items/{first}").json()["data"]["label"] is None


def test_patch_selects_rows_by_the_identifier_key(api, items):
    first, _ = items
    response = api.patch("items", {"data": [{"identifier": first, "qty": 9}]})
    assert response.status_code == 200, response.content
    assert response.json()["data"][0]["qty"] == 9


def test_patch_one_returns_an_object(api, items):
    first, _ = items
    response = api.patch(f"items/{first}", {"data": {"title": "One", "qty": 5}})
    assert response.status_code == 200, response.content
    row = response.json()["data"]
    assert isinstance(row, dict)
    assert (row["id_item"], row["title"], row["qty"], row["label"]) == (first, "One", 5, "keep")


def test_patch_one_by_a_string_identifier(api, settings_endpoint):
    api.post("settings", {"data": [{"key": "colour", "value": "blue"}]})
    response = api.patch("settings/colour", {"data": {"value": "red"}})
    assert response.status_code == 200, response.content
    assert response.json()["data"]["value"] == "red"


def test_patch_may_change_an_editable_identifier(api, settings_endpoint):
    api.post("settings", {"data": [{"key": "colour", "value": "blue"}]})
    response = api.patch("settings/colour", {"data": {"key": "color"}})
    assert response.status_code == 200, response.content
    assert response.json()["data"] == {
        "id_setting": response.json()["data"]["id_setting"],
        "key": "color",
        "value": "blue",
    }
    assert api.get("settings/color").status_code == 200


def test_patch_does_not_check_required_fields(api, items):
    first, _ = items
    response = api.patch("items", {"data": [{"id_item": first, "label": "x"}]})
    assert response.status_code == 200, response.content


def test_missing_identifier_is_1310(api, items):
    response = api.patch("items", {"data": [{"qty": 1}]})
    assert response.status_code == 400
    assert response.json() == [
        {
            "message": "Incomplete Request - missing identifier for `items[0]`",
            "status": 400,
            "code": "1310",
        }
    ]


def test_null_identifier_is_missing(api, items):
    response = api.patch("items", {"data": [{"id_item": None, "qty": 1}]})
    assert response.json()[0]["code"] == "1310"


def test_unknown_identifier_is_1303_with_the_item_path(api, items):
    first, _ = items
    response = api.patch("items", {"data": [{"id_item": first, "qty": 3}, {"id_item": 999999}]})
    assert response.status_code == 404
    assert response.json() == [
        {
            "message": "The entity `items[1]` could not be found in the database.",
            "status": 404,
            "code": "1303",
        }
    ]
    assert fetch_rows("dxa_item", "id_item", "qty")[0]["qty"] == 1  # nothing written


def test_patch_one_unknown_is_1303_at_index_0(api, items):
    response = api.patch("items/999999", {"data": {"qty": 1}})
    assert response.status_code == 404
    assert response.json()[0]["message"] == (
        "The entity `items[0]` could not be found in the database."
    )


def test_patch_of_an_identifier_no_column_can_hold_is_1303(api, settings_endpoint):
    response = api.patch("settings", {"data": [{"key": "a\x00b", "value": "x"}]})
    assert (response.status_code, response.json()[0]["code"]) == (404, "1303")


def test_patch_one_with_a_non_numeric_id_is_1303(api, items):
    response = api.patch("items/abc", {"data": {"qty": 1}})
    assert (response.status_code, response.json()[0]["code"]) == (404, "1303")


def test_identifier_in_the_body_of_an_id_route_is_1304_when_not_editable(api, items):
    first, _ = items
    response = api.patch(f"items/{first}", {"data": {"id_item": first, "qty": 2}})
    assert response.status_code == 400
    assert response.json() == [
        {
            "message": "Modification of immutable field `items[0].id_item` is prohibited",
            "status": 400,
            "code": "1304",
        }
    ]


def test_missing_and_unknown_errors_come_item_by_item(api, items):
    first, _ = items
    body = {"data": [{"qty": 1}, {"id_item": 999999}, {"id_item": first, "qty": 7}]}
    response = api.patch("items", body)
    assert [e["code"] for e in response.json()] == ["1310", "1303"]
    assert response.status_code == 404  # the last error's status
