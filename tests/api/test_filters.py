"""Filters and paging of GET collection (SPEC A3)."""

import json

from django.db import connection

import pytest

from tests.api.conftest import add_item

FILTER_FORMAT = [
    {
        "message": "Unsupported `Filter` format is used. Please use `filter[resource.property]`",
        "status": 400,
        "code": "011",
    }
]


@pytest.fixture
def rows(items_endpoint):
    """Four items: AA (active, qty 1), BB (inactive, qty 2), CC (active, qty 3), DD (inactive)."""
    ids = {}
    for code, active, qty, price in [
        ("AA", True, 1, "20"),
        ("BB", False, 2, "20.5"),
        ("CC", True, 3, "7"),
        ("DD", False, None, None),
    ]:
        ids[code] = add_item(code, f"name {code}", is_active=active, qty=qty, price=price)
    return ids


def codes(response):
    assert response.status_code == 200, response.content
    return [row["code"] for row in response.json()["data"]]


def test_equality_on_a_string(api, rows):
    assert codes(api.get("items", **{"filter[items.code]": "BB"})) == ["BB"]


def test_the_part_before_the_dot_is_ignored(api, rows):
    for key in ["filter[anything.code]", "filter[.code]", "filter[countries.code]"]:
        assert codes(api.get("items", **{key: "CC"})) == ["CC"]


def test_only_the_first_dot_splits(api, rows):
    response = api.get("items", **{"filter[a.b.code]": "CC"})
    assert response.status_code == 400
    assert response.json()[0]["code"] == "1315"
    assert "`b.code`" in response.json()[0]["message"]


def test_filter_uses_the_visible_name_not_the_column(api, rows):
    assert codes(api.get("items", **{"filter[i.title]": "name AA"})) == ["AA"]
    response = api.get("items", **{"filter[i.name]": "name AA"})
    assert response.status_code == 400
    assert response.json()[0]["code"] == "1315"


@pytest.mark.parametrize("path", ["items", "items/1"])
def test_filter_key_without_a_dot_is_011(api, rows, path):
    response = api.get(path, **{"filter[code]": "AA"})
    assert (response.status_code, response.json()) == (400, FILTER_FORMAT)


def test_unknown_filter_field_is_1315(api, rows):
    response = api.get("items", **{"filter[items.colour]": "red"})
    assert response.status_code == 400
    assert response.json() == [
        {
            "message": "Filter field `colour` for table alias `items` not found.",
            "status": 400,
            "code": "1315",
        }
    ]


def test_unconfigured_column_is_an_unknown_filter_field(api, rows):
    response = api.get("items", **{"filter[items.note]": "x"})
    assert response.json()[0]["code"] == "1315"


@pytest.mark.parametrize(
    "value, expected",
    [("1", ["AA", "CC"]), ("true", ["AA", "CC"]), ("0", ["BB", "DD"]), ("false", ["BB", "DD"])],
)
def test_boolean_equality_compares_to_the_column_type(api, rows, value, expected):
    assert codes(api.get("items", **{"filter[i.is_active]": value})) == expected


def test_integer_and_decimal_equality(api, rows):
    assert codes(api.get("items", **{"filter[i.qty]": "2"})) == ["BB"]
    assert codes(api.get("items", **{"filter[i.price]": "20"})) == ["AA"]
    assert codes(api.get("items", **{"filter[i.price]": "20.50"})) == ["BB"]
    assert codes(api.get("items", **{"filter[i.id_item]": str(rows["CC"])})) == ["CC"]


def test_value_that_cannot_have_the_column_type_matches_nothing(api, rows):
    assert codes(api.get("items", **{"filter[i.qty]": "two"})) == []
    assert codes(api.get("items", **{"filter[i.is_active]": "maybe"})) == []


@pytest.mark.parametrize(
    "field, value",
    [
        ("qty", "99999999999999999999"),  # beyond 64 bits: SQLite cannot even bind it
        ("qty", "-99999999999999999999"),
        ("ratio", "nan"),  # MySQL cannot compare with NaN or infinity
        ("ratio", "inf"),
        ("ratio", "1e400"),
        ("qty", '{"in": [99999999999999999999]}'),
        ("ratio", '{"in": ["nan", 1e400]}'),
    ],
)
def test_values_no_column_can_hold_match_nothing(api, rows, field, value):
    assert codes(api.get("items", **{f"filter[i.{field}]": value})) == []


def test_nul_in_a_string_filter_is_no_server_fault(api, rows):
    # PostgreSQL text cannot hold NUL (no match); MariaDB's collation ignores it ("AA" matches)
    response = api.get("items", **{"filter[i.code]": "A\x00A"})
    assert codes(response) in ([], ["AA"])


@pytest.mark.parametrize("key", ["in", "IN"])
def test_in_operator(api, rows, key):
    value = json.dumps({key: ["AA", "CC", "ZZ"]})
    assert codes(api.get("items", **{"filter[i.code]": value})) == ["AA", "CC"]


def test_in_operator_on_integers_and_booleans(api, rows):
    assert codes(api.get("items", **{"filter[i.qty]": '{"in": [1, 3]}'})) == ["AA", "CC"]
    assert codes(api.get("items", **{"filter[i.is_active]": '{"in": [false]}'})) == ["BB", "DD"]


def test_in_with_an_empty_list_matches_nothing(api, rows):
    assert codes(api.get("items", **{"filter[i.code]": '{"in": []}'})) == []


@pytest.mark.parametrize(
    "value",
    [
        '{"in": ["AA"], "not in": ["BB"]}',  # two keys
        '{"In": ["AA"]}',  # not an operator name
        '["AA", "BB"]',  # not an object
        '{"foo": "AA"}',  # no such operator
        '{"in": ["AA"]',  # not JSON
    ],
)
def test_other_json_is_compared_as_a_plain_string(api, rows, value):
    assert codes(api.get("items", **{"filter[i.code]": value})) == []


def test_plain_string_comparison_of_json_text_matches_literally(api, items_endpoint):
    add_item('{"a":1,"b":2}')
    add_item("AA")
    response = api.get("items", **{"filter[i.code]": '{"a":1,"b":2}'})
    assert codes(response) == ['{"a":1,"b":2}']


def test_several_filters_combine_with_and(api, rows):
    params = {"filter[i.is_active]": "1", "filter[i.qty]": "3"}
    assert codes(api.get("items", **params)) == ["CC"]
    params = {"filter[i.code]": '{"in": ["AA", "BB", "CC"]}', "filter[i.is_active]": "0"}
    assert codes(api.get("items", **params)) == ["BB"]
    params = {"filter[i.is_active]": "1", "filter[i.qty]": "2"}
    assert codes(api.get("items", **params)) == []


# --- paging ------------------------------------------------------------------------------------


def test_offset_and_limit_page_in_identifier_order(api, rows):
    page = {"page[offset]": "1", "page[limit]": "2"}
    assert codes(api.get("items", **page)) == ["BB", "CC"]
    page = {"page[offset]": "3", "page[limit]": "2"}
    assert codes(api.get("items", **page)) == ["DD"]


def test_paging_applies_after_filters(api, rows):
    params = {"filter[i.is_active]": "1", "page[offset]": "1", "page[limit]": "5"}
    assert codes(api.get("items", **params)) == ["CC"]


@pytest.mark.parametrize("page", [{"page[offset]": "2"}, {"page[limit]": "1"}])
def test_paging_needs_both_parameters(api, rows, page):
    assert codes(api.get("items", **page)) == ["AA", "BB", "CC", "DD"]


def test_offset_past_the_end_is_an_empty_list(api, rows):
    response = api.get("items", **{"page[offset]": "100", "page[limit]": "10"})
    assert (response.status_code, response.content) == (200, b'{"data":[]}')


@pytest.mark.parametrize("offset", [str(2**63), "1" + "0" * 30])
def test_an_offset_no_database_can_count_to_is_an_empty_list(api, rows, offset):
    response = api.get("items", **{"page[offset]": offset, "page[limit]": "10"})
    assert (response.status_code, response.content) == (200, b'{"data":[]}')


def test_no_paging_metadata(api, rows):
    response = api.get("items", **{"page[offset]": "0", "page[limit]": "1"})
    assert list(response.json()) == ["data"]
    assert len(response.json()["data"]) == 1


def test_default_limit_is_1000(api, items_endpoint):
    with connection.cursor() as cursor:
        cursor.executemany(
            "INSERT INTO dxa_item (code, name) VALUES (%s, %s)",
            [(f"C{i:05d}", "n") for i in range(1001)],
        )
    assert len(codes(api.get("items"))) == 1000
    assert len(codes(api.get("items", **{"page[offset]": "0", "page[limit]": "1001"}))) == 1001
    last = codes(api.get("items", **{"page[offset]": "1000", "page[limit]": "1000"}))
    assert last == ["C01000"]
