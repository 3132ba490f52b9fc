"""GET collection and GET one, routing, content negotiation and the row format (SPEC A1, A2)."""

import pytest

from dataexchange.models import Endpoint, EndpointField
from tests.api.conftest import add_item, make_endpoint

ITEM_KEYS = [
    "id_item",
    "code",
    "title",
    "label",
    "price",
    "qty",
    "rank",
    "is_active",
    "ratio",
    "url",
    "origin",
]
NOT_FOUND = [{"message": "Not found", "status": 404, "code": "007"}]


@pytest.fixture
def two_items(items_endpoint):
    second = add_item("BB", "Second", price="3.5", is_active=False, qty=7, ratio=0.25)
    first = add_item("AA", "First", price="20", is_active=True, label="l", url="/a")
    return first, second


# --- A1 routes ---------------------------------------------------------------------------------


def test_get_collection_is_an_object_with_data_list(api, two_items):
    response = api.get("items")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert list(body) == ["data"]
    assert [row["code"] for row in body["data"]] == ["BB", "AA"]  # identifier order


def test_get_one_returns_an_object(api, two_items):
    first, _ = two_items
    response = api.get(f"items/{first}")
    assert response.status_code == 200
    assert response.json()["data"]["code"] == "AA"
    assert isinstance(response.json()["data"], dict)


def test_get_one_unknown_identifier_is_1303_with_plain_alias(api, two_items):
    response = api.get("items/999999")
    assert response.status_code == 404
    assert response.json() == [
        {
            "message": "The entity `items` could not be found in the database.",
            "status": 404,
            "code": "1303",
        }
    ]


def test_get_one_identifier_of_the_wrong_type_is_1303(api, two_items):
    assert api.get("items/abc").json()[0]["code"] == "1303"


def test_get_one_identifier_no_column_can_hold_is_1303(api, two_items, settings_endpoint):
    assert api.get("items/99999999999999999999").json()[0]["code"] == "1303"
    assert api.get("settings/a%00b").json()[0]["code"] == "1303"


def test_get_one_by_a_non_primary_key_identifier(api, settings_endpoint):
    response = api.post("settings", {"data": [{"key": "colour", "value": "blue"}]})
    assert response.status_code == 201
    response = api.get("settings/colour")
    assert response.status_code == 200
    assert response.json()["data"]["value"] == "blue"


def test_get_one_combines_filters_with_the_identifier(api, two_items):
    first, _ = two_items
    assert api.get(f"items/{first}", **{"filter[i.code]": "AA"}).status_code == 200
    response = api.get(f"items/{first}", **{"filter[i.code]": "BB"})
    assert response.status_code == 404
    assert response.json()[0]["code"] == "1303"


@pytest.mark.parametrize("method", ["GET", "POST", "PATCH", "PUT", "DELETE"])
def test_unknown_alias_is_007_for_every_method(api, items_endpoint, method):
    response = api.request(method, "nothings", {"data": [{"code": "x"}]})
    assert response.status_code == 404
    assert response.json() == NOT_FOUND
    assert response["Content-Type"] == "application/json"


@pytest.mark.parametrize("method", ["GET", "PATCH", "PUT", "DELETE"])
def test_unknown_alias_on_id_routes_is_007(api, items_endpoint, method):
    response = api.request(method, "nothings/1", {"data": {"code": "x"}})
    assert (response.status_code, response.json()) == (404, NOT_FOUND)


@pytest.mark.parametrize("method", ["GET", "POST", "DELETE"])
def test_inactive_endpoint_is_007(api, db, method):
    make_endpoint("sleepers", "dxa_item", "id_item", [{"column_name": "id_item"}], active=False)
    response = api.request(method, "sleepers", {"data": [{"id_item": 1}]})
    assert (response.status_code, response.json()) == (404, NOT_FOUND)


def test_endpoint_whose_table_is_missing_is_007(api, db):
    make_endpoint("ghosts", "dxa_no_such_table", "id", [{"column_name": "id"}])
    assert api.get("ghosts").json() == NOT_FOUND


def test_post_on_an_id_route_is_007(api, two_items):
    first, _ = two_items
    response = api.post(f"items/{first}", {"data": {"code": "ZZ"}})
    assert (response.status_code, response.json()) == (404, NOT_FOUND)


@pytest.mark.parametrize("method", ["OPTIONS", "TRACE"])
def test_methods_outside_the_route_table_are_007(api, items_endpoint, method):
    response = api.client.generic(method, "/dynamic-entity/items")
    assert (response.status_code, response.json()) == (404, NOT_FOUND)


@pytest.mark.parametrize(
    "path",
    [
        "/dynamic-entities/items",  # wrong prefix
        "/items",
        "/dynamic-entity",
        "/dynamic-entity/",
        "/dynamic-entity/items/",  # trailing slash
        "/dynamic-entity/items/1/2",
        "/dynamic-entity/it.ems",  # alias outside [A-Za-z0-9_-]
        "/dynamic-entity/it%20ems",
    ],
)
def test_paths_outside_the_route_table_are_007(api, items_endpoint, path):
    response = api.get(path)
    assert (response.status_code, response.json()) == (404, NOT_FOUND)
    assert response["Content-Type"] == "application/json"


def test_alias_may_use_letters_digits_underscore_and_dash(api, db):
    make_endpoint("Item_s-2", "dxa_item", "id_item", [{"column_name": "id_item"}])
    add_item("AA")
    response = api.get("Item_s-2")
    assert response.status_code == 200
    assert len(response.json()["data"]) == 1


@pytest.mark.parametrize(
    "accept",
    [
        None,
        "application/json",
        "application/*",
        "*/*",
        "application/json; charset=utf-8",
        "text/html, application/json;q=0.9",
    ],
)
def test_json_compatible_accept_headers_are_served(api, two_items, accept):
    headers = {"Accept": accept} if accept else {}
    response = api.get("items", headers=headers)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"


@pytest.mark.parametrize("accept", ["text/html", "application/xml", "image/png"])
@pytest.mark.parametrize("method", ["GET", "POST", "DELETE"])
def test_other_accept_headers_are_415(api, two_items, accept, method):
    response = api.request(method, "items", {"data": [{"code": "ZZ"}]}, headers={"Accept": accept})
    assert response.status_code == 415
    assert response.json() == [
        {"message": "Unsupported `Accept` format used.", "status": 415, "code": "010"}
    ]
    assert response["Content-Type"] == "application/json"


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", ""])
def test_answer_is_json_whatever_the_request_content_type(api, two_items, content_type):
    response = api.client.get("/dynamic-entity/items", content_type=content_type)
    assert response.status_code == 200
    assert list(response.json()) == ["data"]
    response = api.client.post(
        "/dynamic-entity/items",
        data='{"data":[{"code":"CT","title":"t"}]}',
        content_type=content_type or "text/plain",
    )
    assert response.status_code == 201, response.content
    assert response.json()["data"][0]["code"] == "CT"


# --- A2 rows -----------------------------------------------------------------------------------


def test_row_holds_exactly_the_configured_fields_keyed_by_visible_name(api, two_items):
    row = api.get("items").json()["data"][0]
    assert list(row) == ITEM_KEYS  # the unconfigured column `note` is not there
    assert "name" not in row and row["title"] == "Second"


def test_json_types_out(api, two_items):
    second, first = api.get("items").json()["data"]
    assert first == {
        "id_item": two_items[0],
        "code": "AA",
        "title": "First",
        "label": "l",
        "price": "20.00",
        "qty": None,
        "rank": None,
        "is_active": True,
        "ratio": None,
        "url": "/a",
        "origin": "db",
    }
    assert second["price"] == "3.50"
    assert second["is_active"] is False
    assert second["qty"] == 7 and isinstance(second["qty"], int)
    assert second["ratio"] == 0.25
    assert isinstance(second["id_item"], int)


def test_decimal_keeps_the_scale(api, items_endpoint):
    add_item("D1", price="0")
    add_item("D2", price="-12.5")
    add_item("D3", price="999999.99")
    prices = [row["price"] for row in api.get("items").json()["data"]]
    assert prices == ["0.00", "-12.50", "999999.99"]


def test_disabled_field_is_not_served(api, items_endpoint):
    EndpointField.objects.filter(endpoint=items_endpoint, column_name="label").update(
        is_enabled=False
    )
    Endpoint.objects.get(pk=items_endpoint.pk).save()  # bump the configuration version
    add_item("AA")
    assert "label" not in api.get("items").json()["data"][0]


def test_empty_table_is_an_empty_list(api, items_endpoint):
    response = api.get("items")
    assert (response.status_code, response.content) == (200, b'{"data":[]}')


def test_rows_are_ordered_by_a_string_identifier(api, settings_endpoint):
    api.post("settings", {"data": [{"key": k} for k in ["m", "b", "z", "a"]]})
    keys = [row["key"] for row in api.get("settings").json()["data"]]
    assert keys == ["a", "b", "m", "z"]


def test_no_credentials_is_403(anonymous_api, items_endpoint):
    response = anonymous_api.get("items")
    assert response.status_code == 403
    assert response.json() == [{"message": "Unauthorized request.", "status": 403, "code": None}]


def test_every_route_answers_application_json(api, items_endpoint):
    first = add_item("AA", "First", is_active=True)
    second = add_item("BB", "Second", is_active=True)
    row = {"code": "CC", "title": "t", "is_active": True}
    responses = [
        api.get("items"),
        api.get(f"items/{first}"),
        api.post("items", {"data": [row]}),
        api.patch("items", {"data": [{"id_item": first, "qty": 1}]}),
        api.patch(f"items/{first}", {"data": {"qty": 2}}),
        api.put("items", {"data": [{"id_item": first, **row, "code": "AA"}]}),
        api.put(f"items/{first}", {"data": {**row, "code": "AA"}}),
        api.delete("items", **{"filter[i.code]": "CC"}),
        api.delete(f"items/{second}"),
    ]
    assert [r.status_code for r in responses] == [200, 200, 201, 200, 200, 200, 200, 204, 204]
    assert {r["Content-Type"] for r in responses} == {"application/json"}


def test_configuration_change_is_served_by_the_next_request(api, two_items, items_endpoint):
    assert "title" in api.get("items").json()["data"][0]
    field = EndpointField.objects.get(endpoint=items_endpoint, column_name="name")
    field.visible_name = "name_text"
    field.save()  # the signal bumps the version; no registry.clear() here
    row = api.get("items").json()["data"][0]
    assert "title" not in row and row["name_text"] == "Second"
    items_endpoint.is_active = False
    items_endpoint.save()
    assert api.get("items").json() == NOT_FOUND
