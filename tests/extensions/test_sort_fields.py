"""SPEC B4: `sort` (identifier breaks ties, NULL smallest everywhere) and sparse `fields`."""

import pytest

from .conftest import error


def rows(api, path="items", **params):
    status, body, _ = api("get", path, **params)
    assert status == 200, body
    return body["data"]


def codes(api, **params):
    return [row["code"] for row in rows(api, **params)]


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("qty", ["D4", "B2", "C3", "E5", "A1", "F6"]),  # NULL first, tie A1/F6 by identifier
        ("-qty", ["A1", "F6", "E5", "C3", "B2", "D4"]),  # NULL last, tie still ascending id
        ("-is_active,qty", ["D4", "C3", "A1", "F6", "B2", "E5"]),
        ("price,-code", ["C3", "A1", "F6", "D4", "E5", "B2"]),
        ("-code", ["F6", "E5", "D4", "C3", "B2", "A1"]),
        ("-id_item", ["F6", "E5", "D4", "C3", "B2", "A1"]),
        ("born,code", ["C3", "A1", "B2", "D4", "E5", "F6"]),
        (" qty , ,-qty", ["D4", "B2", "C3", "E5", "A1", "F6"]),  # blanks dropped, first wins
        ("", ["A1", "B2", "C3", "D4", "E5", "F6"]),
    ],
)
def test_sort_orders_rows(sample, api, sort, expected):
    assert codes(api, sort=sort) == expected


def test_sort_with_paging(sample, api):
    params = {"sort": "-qty", "page[offset]": "1", "page[limit]": "3"}
    assert codes(api, **params) == ["F6", "E5", "C3"]


def test_sort_with_filter(sample, api):
    assert codes(api, sort="-ratio", **{"filter[items.is_active]": "1"}) == [
        "C3",
        "D4",
        "A1",
        "F6",
    ]


@pytest.mark.parametrize(("sort", "name"), [("nope", "nope"), ("qty,-nope", "nope")])
def test_unknown_sort_field_is_1406(sample, api, sort, name):
    status, body, _ = api("get", "items", sort=sort)
    message = f"Sort field `{name}` for table alias `items` not found."
    assert (status, body) == (400, error("1406", 400, message))


def test_fields_returns_exactly_the_requested_keys_in_order(sample, api):
    data = rows(api, fields="qty,code", sort="code")
    assert [list(row) for row in data] == [["qty", "code"]] * 6
    assert data[0] == {"qty": 10, "code": "A1"}


def test_fields_keeps_included_relations(sample, api):
    data = rows(api, fields="code", include="itemParts", sort="code")
    assert data[0] == {"code": "A1", "itemParts": data[0]["itemParts"]}
    assert [part["sku"] for part in data[0]["itemParts"]] == ["A1-a", "A1-b"]
    assert data[1] == {"code": "B2"}


def test_fields_on_get_one(sample, api):
    status, body, _ = api("get", f"items/{sample['B2']}", fields="name,price")
    assert (status, body) == (200, {"data": {"name": "Banana", "price": "20.00"}})


def test_unknown_field_in_fields_is_1406(sample, api):
    status, body, _ = api("get", "items", fields="code,secret")
    message = "Sort field `secret` for table alias `items` not found."
    assert (status, body) == (400, error("1406", 400, message))


def test_without_parameters_rows_are_unchanged(sample, api):
    data = rows(api)
    assert list(data[0]) == [
        "id_item",
        "code",
        "name",
        "price",
        "qty",
        "is_active",
        "ratio",
        "born",
        "seen",
    ]
