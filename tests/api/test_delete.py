"""DELETE: by identifier or by filters, 1318, 1303, 1317 per blocked row, 1403 (SPEC A5)."""

import json

import pytest
from rest_framework.test import APIRequestFactory, force_authenticate

from dataexchange.api.views import DynamicEntityView
from dataexchange.models import Endpoint
from tests.api.conftest import add_item, count_rows, fetch_rows, insert_row, make_endpoint


@pytest.fixture
def items(items_endpoint):
    return {code: add_item(code, is_active=code != "CC") for code in ["AA", "BB", "CC", "DD"]}


def codes_left():
    return [row["code"] for row in fetch_rows("dxa_item", "id_item", "code")]


def test_delete_one_is_204_with_an_empty_body(api, items):
    response = api.delete(f"items/{items['BB']}")
    assert response.status_code == 204
    assert response.content == b""
    assert response["Content-Type"] == "application/json"
    assert codes_left() == ["AA", "CC", "DD"]


def test_delete_response_itself_has_no_body(items, superuser):
    """The test client strips 204 bodies itself, so look at the view's own response: a WSGI
    server sends whatever that holds."""
    request = APIRequestFactory().delete(f"/dynamic-entity/items/{items['AA']}")
    force_authenticate(request, user=superuser)
    response = DynamicEntityView.as_view()(request, alias="items", entity_id=str(items["AA"]))
    assert response.status_code == 204
    assert response["Content-Type"] == "application/json"
    assert response.content == b""


def test_delete_one_unknown_is_1303_with_plain_alias(api, items):
    response = api.delete("items/999999")
    assert response.status_code == 404
    assert response.json() == [
        {
            "message": "The entity `items` could not be found in the database.",
            "status": 404,
            "code": "1303",
        }
    ]


def test_delete_one_with_a_non_numeric_id_is_1303(api, items):
    assert api.delete("items/abc").json()[0]["code"] == "1303"


def test_delete_one_by_a_string_identifier(api, settings_endpoint):
    api.post("settings", {"data": [{"key": "a"}, {"key": "b"}]})
    assert api.delete("settings/a").status_code == 204
    assert [r["setting_key"] for r in fetch_rows("dxa_setting", "id_setting")] == ["b"]


def test_delete_collection_deletes_the_rows_matching_the_filters(api, items):
    response = api.delete("items", **{"filter[items.is_active]": "1", "filter[i.code]": "BB"})
    assert (response.status_code, response.content) == (204, b"")
    assert codes_left() == ["AA", "CC", "DD"]


def test_delete_collection_with_in(api, items):
    response = api.delete("items", **{"filter[items.code]": '{"in": ["AA", "DD", "ZZ"]}'})
    assert response.status_code == 204
    assert codes_left() == ["BB", "CC"]


def test_delete_collection_matching_nothing_is_1303(api, items):
    response = api.delete("items", **{"filter[items.code]": "ZZ"})
    assert response.status_code == 404
    assert response.json()[0]["message"] == (
        "The entity `items` could not be found in the database."
    )
    assert len(codes_left()) == 4


def test_delete_collection_without_a_filter_is_refused_with_1403(api, items):
    response = api.delete("items")
    assert response.status_code == 400
    assert response.json() == [
        {
            "message": (
                "Deleting without a filter is not allowed for `items`. Give at least one filter."
            ),
            "status": 400,
            "code": "1403",
        }
    ]
    assert len(codes_left()) == 4


def test_delete_collection_paging_parameters_are_not_filters(api, items):
    response = api.delete("items", **{"page[offset]": "0", "page[limit]": "1"})
    assert response.json()[0]["code"] == "1403"


def test_delete_with_unknown_filter_field_is_1315(api, items):
    response = api.delete("items", **{"filter[items.colour]": "x"})
    assert (response.status_code, response.json()[0]["code"]) == (400, "1315")


def test_delete_with_a_filter_key_without_dot_is_011(api, items):
    response = api.delete("items", **{"filter[code]": "AA"})
    assert (response.status_code, response.json()[0]["code"]) == (400, "011")


@pytest.mark.parametrize("path", ["items", "items/1"])
def test_not_deletable_is_405_1318(api, items, path):
    Endpoint.objects.filter(alias="items").update(is_deletable=False)
    Endpoint.objects.get(alias="items").save()  # bump the configuration version
    response = api.delete(path, **{"filter[i.code]": "AA"})
    assert response.status_code == 405
    assert response.json() == [
        {"message": "Method not allowed for the entity `items`.", "status": 405, "code": "1318"}
    ]
    assert len(codes_left()) == 4


def test_not_deletable_wins_over_a_missing_filter(api, items):
    Endpoint.objects.filter(alias="items").update(is_deletable=False)
    Endpoint.objects.get(alias="items").save()
    assert api.delete("items").json()[0]["code"] == "1318"


def test_row_referenced_by_a_foreign_key_is_1317_naming_the_child_table(api, items):
    insert_row("dxa_part", fk_item=items["BB"], sku="p1")
    response = api.delete(f"items/{items['BB']}")
    assert response.status_code == 400
    assert response.json() == [
        {
            "message": (
                f"Failed to delete the data for `items.id_item = {items['BB']}`. The entity has a"
                " child entity and can not be deleted. Child entity: `dxa_part`."
            ),
            "status": 400,
            "code": "1317",
        }
    ]
    assert len(codes_left()) == 4


def test_one_1317_per_blocked_row_and_the_free_rows_go(api, items):
    insert_row("dxa_part", fk_item=items["AA"], sku="p1")
    insert_row("dxa_part", fk_item=items["AA"], sku="p2")
    insert_row("dxa_part", fk_item=items["CC"], sku="p3")
    response = api.delete("items", **{"filter[i.code]": '{"in": ["AA", "BB", "CC"]}'})
    assert response.status_code == 400
    errors = response.json()
    assert [e["code"] for e in errors] == ["1317", "1317"]
    assert [e["message"].split("`")[1] for e in errors] == [
        f"items.id_item = {items['AA']}",
        f"items.id_item = {items['CC']}",
    ]
    # Like Spryker, each row is deleted on its own: the unreferenced one is gone.
    assert codes_left() == ["AA", "CC", "DD"]


def test_1317_path_uses_the_identifier_visible_name_and_value(api, settings_endpoint):
    setting = api.post("settings", {"data": [{"key": "colour"}]}).json()["data"][0]
    insert_row("dxa_setting_use", fk_setting=setting["id_setting"])
    response = api.delete("settings/colour")
    assert response.json()[0]["message"] == (
        "Failed to delete the data for `settings.key = colour`. The entity has a child entity"
        " and can not be deleted. Child entity: `dxa_setting_use`."
    )


def test_1317_when_the_referenced_key_is_not_a_configured_field(api, db):
    make_endpoint(
        "keys",
        "dxa_setting",
        "setting_key",
        [{"column_name": "setting_key", "visible_name": "key", "type": "string"}],
    )
    insert_row("dxa_setting", setting_key="free")
    used = insert_row("dxa_setting", setting_key="used")
    insert_row("dxa_setting_use", fk_setting=used)
    response = api.delete("keys", **{"filter[k.key]": '{"in": ["free", "used"]}'})
    assert response.status_code == 400
    assert response.json()[0]["message"] == (
        "Failed to delete the data for `keys.key = used`. The entity has a child entity and can"
        " not be deleted. Child entity: `dxa_setting_use`."
    )
    assert [r["setting_key"] for r in fetch_rows("dxa_setting", "id_setting")] == ["used"]


def test_delete_ignores_x_is_transactional(api, items):
    insert_row("dxa_part", fk_item=items["AA"], sku="p1")
    response = api.delete(
        "items",
        headers={"X-Is-Transactional": "false"},
        **{"filter[i.code]": '{"in": ["AA", "BB"]}'},
    )
    assert response.status_code == 400
    assert isinstance(response.json(), list)
    assert codes_left() == ["AA", "CC", "DD"]


def test_delete_then_get_is_1303(api, items):
    assert api.delete(f"items/{items['DD']}").status_code == 204
    assert api.get(f"items/{items['DD']}").status_code == 404
    assert count_rows("dxa_item") == 3


def test_delete_body_is_ignored(api, items):
    response = api.request("DELETE", f"items/{items['AA']}", raw=json.dumps({"data": "x"}))
    assert response.status_code == 204
