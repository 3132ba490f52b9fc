"""SPEC B3: filter operators checked against the field type, on GET and DELETE collection."""

from django.db import connection

import pytest

from .conftest import error, filter_param


def codes(api, **params):
    status, body, _ = api("get", "items", **params)
    assert status == 200, body
    return [row["code"] for row in body["data"]]


def where(field, value):
    return filter_param(field, value)


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("qty", {"ne": 10}, ["B2", "C3", "E5"]),  # NULL never matches (SQL semantics)
        ("qty", {"gt": 5}, ["A1", "E5", "F6"]),
        ("qty", {"gte": 5}, ["A1", "C3", "E5", "F6"]),
        ("qty", {"lt": 5}, ["B2"]),
        ("qty", {"lte": "5"}, ["B2", "C3"]),  # a numeric string is an integer too
        ("qty", {"between": [1, 7]}, ["C3", "E5"]),
        ("qty", {"isNull": True}, ["D4"]),
        ("qty", {"isNull": False}, ["A1", "B2", "C3", "E5", "F6"]),
        ("price", {"gt": "3.00"}, ["B2", "E5"]),
        ("price", {"gte": 3}, ["B2", "D4", "E5"]),
        ("price", {"between": ["1.5", 2]}, ["A1", "F6"]),
        ("ratio", {"lt": 1}, ["A1", "F6"]),
        ("ratio", {"gte": 2.25}, ["C3", "E5"]),
        ("born", {"between": ["2024-02-01", "2024-04-01"]}, ["B2", "D4"]),
        ("born", {"isNull": True}, ["C3"]),
        ("seen", {"gte": "2024-05-01T00:00:00+00:00"}, ["E5", "F6"]),
        ("seen", {"lt": "2024-02-01T08:00:01Z"}, ["A1", "B2"]),
        ("is_active", {"ne": True}, ["B2", "E5"]),
        ("is_active", {"ne": "false"}, ["A1", "C3", "D4", "F6"]),
        ("code", {"notIn": ["A1", "B2", "ZZ"]}, ["C3", "D4", "E5", "F6"]),
        ("code", {"notIn": []}, ["A1", "B2", "C3", "D4", "E5", "F6"]),
        ("code", {"gt": "D4"}, ["E5", "F6"]),
        ("code", {"in": ["A1", "C3"]}, ["A1", "C3"]),  # Part A, unchanged
    ],
)
def test_operator_selects_rows(sample, api, field, value, expected):
    assert codes(api, **where(field, value)) == expected


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("a%", ["A1", "F6"]),
        ("A%", []),  # case-sensitive on every backend
        ("%an%", ["B2"]),
        ("_pple", ["A1", "F6"]),
        ("%\\_%", ["D4"]),  # backslash escapes a wildcard
        ("%_%", ["A1", "B2", "C3", "D4", "E5", "F6"]),
        ("%\\%", ["E5"]),
        ("Elder%", ["E5"]),
    ],
)
def test_like_is_case_sensitive_with_client_wildcards(sample, api, pattern, expected):
    assert codes(api, **where("name", {"like": pattern})) == expected


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [("A%", ["A1", "F6"]), ("b%", ["B2"]), ("%FRUIT", ["D4"]), ("elder\\%", ["E5"])],
)
def test_ilike_ignores_case(sample, api, pattern, expected):
    assert codes(api, **where("name", {"ilike": pattern})) == expected


def test_operators_combine_with_and(sample, api):
    params = {**where("qty", {"gte": 5}), **where("name", {"like": "a%"})}
    assert codes(api, **params) == ["A1", "F6"]


def test_filter_operator_on_the_same_field_twice_keeps_the_last(sample, api):
    # A query string key given twice: the last value wins, as for plain filters (SPEC A3).
    status, body, _ = api("get", "items?filter[items.qty]=%7B%22gt%22%3A0%7D&filter[items.qty]=5")
    assert status == 200 and [row["code"] for row in body["data"]] == ["C3"]


def test_unknown_operator_and_two_keys_are_plain_strings(sample, api):
    assert codes(api, **where("code", {"foo": "A1"})) == []
    assert codes(api, **where("code", {"gt": "A1", "lt": "C3"})) == []


def reason(field, text):
    return error("1405", 400, f"Invalid filter `{field}` for table alias `items`: {text}.")


@pytest.mark.parametrize(
    ("field", "value", "text"),
    [
        ("qty", {"gt": "abc"}, "`gt` needs a value of type integer"),
        ("qty", {"gt": 5.5}, "`gt` needs a value of type integer"),
        ("qty", {"ne": True}, "`ne` needs a value of type integer"),
        ("qty", {"ne": None}, "`ne` needs a value of type integer"),
        ("qty", {"in": 5}, "`in` needs a list of values"),
        ("qty", {"IN": "1,2"}, "`IN` needs a list of values"),
        ("qty", {"notIn": 5}, "`notIn` needs a list of values of type integer"),
        ("qty", {"notIn": [1, "x"]}, "`notIn` needs a list of values of type integer"),
        ("qty", {"between": [1]}, "`between` needs a list of two values of type integer"),
        ("qty", {"between": [1, 2, 3]}, "`between` needs a list of two values of type integer"),
        ("qty", {"between": [1, "z"]}, "`between` needs a list of two values of type integer"),
        ("qty", {"like": "1%"}, "`like` applies to string fields only"),
        ("qty", {"isNull": "yes"}, "`isNull` needs true or false"),
        ("name", {"like": 5}, "`like` needs a string pattern"),
        ("name", {"gt": 5}, "`gt` needs a value of type string"),
        ("price", {"lt": "cheap"}, "`lt` needs a value of type decimal"),
        ("ratio", {"lt": [1]}, "`lt` needs a value of type float"),
        ("born", {"gt": "yesterday"}, "`gt` needs a value of type date"),
        ("seen", {"gt": 17}, "`gt` needs a value of type datetime"),
        ("is_active", {"gt": True}, "`gt` does not apply to boolean fields"),
        ("is_active", {"ne": 2}, "`ne` needs a value of type boolean"),
        ("is_active", {"ilike": "t%"}, "`ilike` applies to string fields only"),
    ],
)
def test_bad_operand_is_1405(sample, api, field, value, text):
    status, body, _ = api("get", "items", **where(field, value))
    assert (status, body) == (400, reason(field, text))


def test_delete_collection_with_operators(sample, api):
    status, body, _ = api("delete", "items", **where("qty", {"lte": 5}))
    assert (status, body) == (204, None)
    assert codes(api) == ["A1", "D4", "E5", "F6"]


def test_delete_collection_with_bad_operator_is_1405_and_deletes_nothing(sample, api):
    status, body, _ = api("delete", "items", **where("qty", {"between": 3}))
    assert (status, body) == (
        400,
        reason("qty", "`between` needs a list of two values of type integer"),
    )
    assert len(codes(api)) == 6


def test_values_are_parameters_not_sql(sample, api):
    hostile = "x' OR '1'='1"
    assert codes(api, **where("name", {"like": hostile})) == []
    assert codes(api, **where("code", {"notIn": [hostile]})) == ["A1", "B2", "C3", "D4", "E5", "F6"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM ext_item")
        assert cursor.fetchone()[0] == 6
