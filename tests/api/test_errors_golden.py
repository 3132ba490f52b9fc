"""Golden files: every error body of Part A, byte for byte (SPEC A7), in tests/api/golden/.

Each scenario makes one request; the file holds the expected status and body. `<<name>>` markers
stand for values the database chooses (ids). Regenerate with `UPDATE_GOLDEN=1` and review the diff.
"""

from django.db import OperationalError, ProgrammingError

import pytest

from dataexchange.engine.query import sql
from dataexchange.models import EndpointRelation
from tests.api.conftest import add_item, assert_golden, insert_row

OFF = {"X-Is-Transactional": "false"}


def item_row(code, **values):
    return {"code": code, "title": "t", **values}


def relation_not_editable():
    EndpointRelation.objects.filter(name="itemParts").update(is_editable=False)
    EndpointRelation.objects.get(name="itemParts").save()


SCENARIOS = {
    "007_unknown_alias": lambda api: api.get("nothings"),
    "007_post_on_id_route": lambda api: api.post("items/1", {"data": {"code": "AA"}}),
    "007_wrong_prefix": lambda api: api.get("/dynamic-entities/items"),
    "010_accept": lambda api: api.get("items", headers={"Accept": "text/html"}),
    "011_filter_format": lambda api: api.get("items", **{"filter[code]": "AA"}),
    "1301_invalid_format": lambda api: api.post("items", {"data": []}),
    "1302_not_null": lambda api: api.post("items", {"data": [{"code": "AA"}]}),
    "1302_check": lambda api: api.post("items", {"data": [item_row("AA", qty=-1)]}),
    "1302_foreign_key": lambda api: api.post("parts", {"data": [{"fk_item": 999999, "sku": "s"}]}),
    "1303_get_one": lambda api: api.get("items/999999"),
    "1303_patch_item": lambda api: api.patch("items", {"data": [{"id_item": 999999, "qty": 1}]}),
    "1303_delete_no_match": lambda api: api.delete("items", **{"filter[i.code]": "ZZ"}),
    "1304_post": lambda api: api.post("items", {"data": [item_row("AA", origin="x")]}),
    "1304_patch_id_route": lambda api: api.patch("items/1", {"data": {"id_item": 2}}),
    "1305_integer": lambda api: api.post("items", {"data": [item_row("AA", qty="5")]}),
    "1305_1306_boolean": lambda api: api.post("items", {"data": [item_row("AA", is_active=1)]}),
    "1306_length": lambda api: api.post("items", {"data": [item_row("A")]}),
    "1306_range": lambda api: api.post("items", {"data": [item_row("AA", rank=11)]}),
    "1306_precision": lambda api: api.post("items", {"data": [item_row("AA", price="1.234")]}),
    "1307_required": lambda api: api.post("items", {"data": [{"title": "t"}]}),
    "1308_not_creatable": lambda api: api.put("items", {"data": [item_row("AA", id_item=999999)]}),
    "1309_duplicate": lambda api: api.post("items", {"data": [item_row("AA"), item_row("AA")]}),
    "1310_missing_identifier": lambda api: api.patch("items", {"data": [{"qty": 1}]}),
    "1311_unknown_field": lambda api: api.post("items", {"data": [item_row("AA", colour="x")]}),
    "1313_relation_in_body": lambda api: api.post(
        "items", {"data": [item_row("AA", nope=[{"x": 1}])]}
    ),
    "1313_include": lambda api: api.get("items", include="nope"),
    "1315_filter_field": lambda api: api.get("items", **{"filter[i.colour]": "x"}),
    "1316_url": lambda api: api.post("items", {"data": [item_row("AA", url="no-slash")]}),
    "1403_delete_without_filter": lambda api: api.delete("items"),
    "collected_in_order": lambda api: api.post(
        "items",
        {
            "data": [
                {"colour": 1, "qty": "1", "is_active": "y", "origin": "o", "url": "u"},
                item_row("BB"),
                {"code": "C", "price": "x"},
            ]
        },
    ),
    "non_transactional_all_failed": lambda api: api.post(
        "items", {"data": [{"title": "t"}, item_row("AA", qty=True)]}, headers=OFF
    ),
}


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_error_body(api, parts_endpoint, name):
    assert_golden(SCENARIOS[name](api), name)


def test_1314_not_editable_relation(api, parts_endpoint):
    relation_not_editable()
    response = api.post("items", {"data": [item_row("AA", itemParts=[{"sku": "a"}, {}])]})
    assert_golden(response, "1314_not_editable_relation")


def test_1317_child_entity(api, parts_endpoint):
    item = add_item("AA")
    insert_row("dxa_part", fk_item=item, sku="p")
    assert_golden(api.delete(f"items/{item}"), "1317_child_entity", id=item)


def test_1318_not_deletable(api, settings_endpoint):
    settings_endpoint.is_deletable = False
    settings_endpoint.save()
    assert_golden(api.delete("settings/x"), "1318_not_deletable")


def test_non_transactional_partial_success(api, items_endpoint):
    response = api.post("items", {"data": [item_row("A"), item_row("BB")]}, headers=OFF)
    assert_golden(response, "non_transactional_partial", id=response.json()["data"][0]["id_item"])


def test_403_without_credentials(anonymous_api, items_endpoint):
    assert_golden(anonymous_api.get("items"), "403_unauthorized")


@pytest.mark.parametrize(
    "target, error",
    [
        ("select", ProgrammingError('relation "dxa_item" does not exist\nSELECT "id_item" FROM')),
        ("insert_returning", OperationalError("(2013, 'Lost connection') INSERT INTO dxa_item")),
    ],
)
def test_server_fault_is_a_bare_500(api, items_endpoint, monkeypatch, target, error):
    def fail(*args, **kwargs):
        raise error

    monkeypatch.setattr(sql, target, fail)
    if target == "select":
        response = api.get("items")
    else:
        response = api.post("items", {"data": [item_row("AA")]})
    assert_golden(response, "500_server_fault")
    for leak in ("SELECT", "INSERT", "dxa_item", "Traceback", "relation", "Lost connection"):
        assert leak not in response.content.decode()
