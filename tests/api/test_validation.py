"""Validation of write requests: every code of A4, messages, paths, order (SPEC A4, A7)."""

import pytest

from dataexchange.models import EndpointRelation
from tests.api.conftest import add_item, count_rows, make_endpoint

CODE_RULES = "min_length: 2, max_length: 20, is_required: 1"


def valid(**values):
    """Return a valid `items` row with `values` on top."""
    return {"code": "AA", "title": "t", **values}


def post_one(api, row):
    return api.post("items", {"data": [row]})


def messages(response):
    return [(e["code"], e["message"]) for e in response.json()]


def type_error(field, path="items[0]"):
    return ("1305", f"Invalid data type `{path}` for field `{field}`")


def value_error(field, rules, path="items[0]"):
    return ("1306", f"Invalid data value `{path}` for field: `{field}`. Field rules: {rules}")


# --- 1311 unknown field ------------------------------------------------------------------------


def test_unknown_scalar_key_is_1311(api, items_endpoint):
    response = post_one(api, valid(colour="red", note="x"))
    assert response.status_code == 400
    assert messages(response) == [
        ("1311", "The provided `items[0].colour` is incorrect or invalid."),
        ("1311", "The provided `items[0].note` is incorrect or invalid."),  # unconfigured column
    ]
    assert count_rows("dxa_item") == 0


def test_column_name_is_not_a_visible_name(api, items_endpoint):
    response = post_one(api, valid(name="x", item_rank=1))
    assert [c for c, _ in messages(response)] == ["1311", "1311"]


@pytest.mark.parametrize("method", ["PATCH", "PUT"])
def test_unknown_field_on_update_routes(api, items_endpoint, method):
    item = add_item("AA")
    response = api.request(method, "items", {"data": [valid(id_item=item, colour=None)]})
    assert messages(response) == [
        ("1311", "The provided `items[0].colour` is incorrect or invalid."),
    ]


# --- 1307 required -----------------------------------------------------------------------------


@pytest.mark.parametrize("row", [{"title": "t"}, {"code": None, "title": "t"}])
@pytest.mark.parametrize("method", ["POST", "PUT"])
def test_required_field_absent_or_null_is_1307(api, items_endpoint, method, row):
    response = api.request(method, "items", {"data": [row]})
    assert response.status_code == 400
    assert messages(response) == [
        ("1307", "The required field must not be empty. Field: `items[0].code`")
    ]


def test_required_is_not_checked_on_patch(api, items_endpoint):
    item = add_item("AA")
    response = api.patch("items", {"data": [{"id_item": item, "code": None, "title": "x"}]})
    # null passes validation; the NOT NULL column then refuses it
    assert [c for c, _ in messages(response)] == ["1302"]


def test_empty_string_counts_as_present(api, settings_endpoint):
    response = api.post("settings", {"data": [{"key": ""}]})
    assert response.status_code == 201, response.content


def test_empty_string_may_still_fail_min_length(api, items_endpoint):
    response = post_one(api, valid(code=""))
    assert messages(response) == [value_error("code", CODE_RULES)]


# --- 1305 / 1306 types and values ---------------------------------------------------------------


@pytest.mark.parametrize("value", ["5", 5.5, True, False, "abc", 1.0])
def test_integer_needs_a_json_integer(api, items_endpoint, value):
    assert messages(post_one(api, valid(qty=value))) == [type_error("qty")]


@pytest.mark.parametrize("value", [0, 5, -3, 10**12])
def test_integer_values_pass(api, items_endpoint, value):
    assert post_one(api, valid(label=str(value), ratio=value)).status_code == 201


@pytest.mark.parametrize("value, ok", [(1, True), (10, True), (0, False), (11, False), (-1, False)])
def test_integer_min_and_max_are_inclusive(api, items_endpoint, value, ok):
    response = post_one(api, valid(rank=value))
    if ok:
        assert response.status_code == 201, response.content
    else:
        assert messages(response) == [value_error("rank", "min: 1, max: 10")]


INT32 = "min: -2147483648, max: 2147483647"


@pytest.mark.parametrize("value", [2**31, -(2**31) - 1, 2**63, 2**64 - 1])
def test_an_integer_the_column_cannot_hold_is_1306_on_every_database(api, items_endpoint, value):
    """SQLite would store 2**31 in an INTEGER column that holds 32 bits on PostgreSQL and
    MariaDB: the column's portable range is checked before any database sees the value."""
    assert messages(post_one(api, valid(qty=value))) == [value_error("qty", INT32)]
    assert count_rows("dxa_item") == 0


@pytest.mark.parametrize("value", [2**31 - 1, -(2**31)])
def test_the_bounds_of_the_column_pass(api, db, value):
    fields = [
        {"column_name": "id_item", "type": "integer"},
        {"column_name": "code", "type": "string"},
        {"column_name": "name", "type": "string"},
        {"column_name": "item_rank", "visible_name": "rank", "type": "integer"},
    ]
    make_endpoint("ranks", "dxa_item", "id_item", fields)
    response = api.post("ranks", {"data": [{"code": "A", "name": "a", "rank": value}]})
    assert response.status_code == 201, response.content
    assert response.json()["data"][0]["rank"] == value


def test_configured_bounds_narrow_the_column_range(api, items_endpoint):
    item = add_item("AA")
    response = api.patch("items", {"data": [{"id_item": item, "rank": 2**31}]})
    assert messages(response) == [value_error("rank", "min: 1, max: 10")]


@pytest.mark.parametrize("value", [5, 1.5, True, False])
def test_string_needs_a_json_string(api, items_endpoint, value):
    assert messages(post_one(api, valid(label=value))) == [type_error("label")]


def test_non_string_also_gets_length_checked_like_spryker(api, items_endpoint):
    # Spryker measures the string form of a non-string too: 1234 is 4 > 2 characters.
    make_endpoint(
        "codes",
        "dxa_setting",
        "setting_key",
        [{"column_name": "setting_key", "visible_name": "key", "min_length": 2, "max_length": 2}],
    )
    response = api.post("codes", {"data": [{"key": 1234}]})
    assert messages(response) == [
        type_error("key", "codes[0]"),
        value_error("key", "min_length: 2, max_length: 2", "codes[0]"),
    ]


@pytest.mark.parametrize(
    "value, ok",
    [
        ("AB", True),
        ("ÄÖ", True),  # 2 characters, 4 bytes: length counts characters
        ("🌍🌍", True),
        ("x" * 20, True),
        ("x" * 21, False),
        ("A", False),
        ("Ä", False),
    ],
)
def test_string_length_counts_characters(api, items_endpoint, value, ok):
    response = post_one(api, valid(code=value))
    if ok:
        assert response.status_code == 201, response.content
    else:
        assert messages(response) == [value_error("code", CODE_RULES)]


@pytest.mark.parametrize("value", [1, 0, "true", "1", "yes", None])
def test_wrong_boolean_is_both_1305_and_1306(api, items_endpoint, value):
    response = post_one(api, valid(is_active=value))
    if value is None:
        assert response.status_code == 201  # null counts as absent
    else:
        assert messages(response) == [type_error("is_active"), value_error("is_active", "")]


@pytest.mark.parametrize("value", [True, False])
def test_json_booleans_pass(api, items_endpoint, value):
    response = post_one(api, valid(is_active=value))
    assert response.json()["data"][0]["is_active"] is value


@pytest.mark.parametrize(
    "value, stored",
    [
        ("12.5", "12.50"),
        (12.5, "12.50"),
        (7, "7.00"),
        ("0.0", "0.00"),
        ("-1.1", "-1.10"),
        ("123456.78", "123456.78"),
        ("1.2300", "1.23"),  # trailing zeros do not count against the scale
        ("000123.4", "123.40"),  # nor leading zeros against the integer digits
        ("-123456.78", "-123456.78"),  # the sign is not a digit (SPEC: "integer digits")
    ],
)
def test_valid_decimals(api, items_endpoint, value, stored):
    response = post_one(api, valid(price=value))
    assert response.status_code == 201, response.content
    assert response.json()["data"][0]["price"] == stored


@pytest.mark.parametrize(
    "value, stored",
    [
        (57 * 0.01, "0.57"),  # 0.5700000000000001: read to 15 significant digits
        (0.1 + 0.2, "0.30"),
        (999999.99, "999999.99"),  # the document's `maximum`
        (-999999.99, "-999999.99"),
        (1e-2, "0.01"),  # `multipleOf`
        (1.0, "1.00"),
    ],
)
def test_decimals_sent_as_json_numbers(api, items_endpoint, value, stored):
    """The document offers a decimal as a string or a number (bounds and `multipleOf`): what
    a client generator builds from it is stored as the client meant it."""
    response = post_one(api, valid(price=value))
    assert response.status_code == 201, response.content
    assert response.json()["data"][0]["price"] == stored


@pytest.mark.parametrize("value", [1000000.0, 1e15, 0.005, 1e-05, 12345678])
def test_json_numbers_beyond_the_decimal_digits_are_1306(api, items_endpoint, value):
    response = post_one(api, valid(price=value))
    assert messages(response) == [value_error("price", "precision: 8, scale: 2")]


@pytest.mark.parametrize("value", ["abc", "1.2.3", "1,5", ".5", "5.", "+1", "1e5", " 1", True])
def test_malformed_decimal_is_1305_and_1306_when_precision_is_set(api, items_endpoint, value):
    response = post_one(api, valid(price=value))
    rules = "precision: 8, scale: 2"
    assert messages(response) == [type_error("price"), value_error("price", rules)]


def test_malformed_decimal_without_precision_is_only_1305(api, db):
    make_endpoint(
        "prices",
        "dxa_item",
        "id_item",
        [
            {"column_name": "id_item", "type": "integer"},
            {"column_name": "price", "type": "decimal"},
        ],
    )
    assert messages(api.post("prices", {"data": [{"price": "x"}]})) == [
        type_error("price", "prices[0]")
    ]


@pytest.mark.parametrize("value", ["1234567.8", "1.234", "-1234567", "0.001"])
def test_decimal_precision_and_scale(api, items_endpoint, value):
    response = post_one(api, valid(price=value))
    assert messages(response) == [value_error("price", "precision: 8, scale: 2")]


@pytest.mark.parametrize("value", [1, 1.5, -2.25, 0])
def test_float_takes_any_json_number(api, items_endpoint, value):
    response = post_one(api, valid(ratio=value))
    assert response.status_code == 201, response.content
    assert response.json()["data"][0]["ratio"] == value


@pytest.mark.parametrize("value", ["1.5", True, "x"])
def test_float_refuses_non_numbers(api, items_endpoint, value):
    assert messages(post_one(api, valid(ratio=value))) == [type_error("ratio")]


def test_null_skips_type_checks(api, items_endpoint):
    row = valid(qty=None, label=None, price=None, ratio=None, rank=None, url=None)
    assert post_one(api, row).status_code == 201


def test_validation_rules_list_every_setting_in_order(api, db):
    make_endpoint(
        "rules",
        "dxa_setting",
        "setting_key",
        [
            {
                "column_name": "setting_key",
                "visible_name": "key",
                "type": "string",
                "is_required": True,
                "min_length": 1,
                "max_length": 3,
                "min_value": 1,
                "max_value": 9,
                "precision": 5,
                "scale": 2,
            }
        ],
    )
    response = api.post("rules", {"data": [{"key": "long"}]})
    rules = "min: 1, max: 9, precision: 5, scale: 2, min_length: 1, max_length: 3, is_required: 1"
    assert messages(response) == [value_error("key", rules, "rules[0]")]


# --- 1304 immutability -------------------------------------------------------------------------


def test_post_with_a_non_creatable_field_is_1304(api, items_endpoint):
    response = post_one(api, valid(id_item=5, origin="x"))
    assert response.status_code == 400
    assert messages(response) == [
        ("1304", "Modification of immutable field `items[0].id_item` is prohibited"),
        ("1304", "Modification of immutable field `items[0].origin` is prohibited"),
    ]


def test_post_with_a_non_creatable_field_set_to_null_passes(api, items_endpoint):
    assert post_one(api, valid(id_item=None, origin=None)).status_code == 201


@pytest.mark.parametrize("method", ["PATCH", "PUT"])
@pytest.mark.parametrize("value", ["x", None])
def test_update_with_a_non_editable_field_is_1304_even_when_null(
    api, items_endpoint, method, value
):
    item = add_item("AA")
    response = api.request(method, "items", {"data": [valid(id_item=item, origin=value)]})
    assert messages(response) == [
        ("1304", "Modification of immutable field `items[0].origin` is prohibited")
    ]


@pytest.mark.parametrize("method", ["PATCH", "PUT"])
def test_non_editable_identifier_selects_the_row_on_collection_routes(api, items_endpoint, method):
    item = add_item("AA")
    response = api.request(method, "items", {"data": [valid(id_item=item, is_active=True)]})
    assert response.status_code == 200, response.content


# --- 1316 url constraint -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "value", ["/", "/test-url/123", "/a/B-C", "/x~%!$&'()*+,;=@", "/abc def", "/en/Ü"]
)
def test_url_constraint_accepts_relative_urls(api, items_endpoint, value):
    assert post_one(api, valid(url=value)).status_code == 201


@pytest.mark.parametrize("value", ["test-url", "", "//x", "/Upper", "http://x/y", " /a"])
def test_url_constraint_refusal_is_1316(api, items_endpoint, value):
    response = post_one(api, valid(url=value))
    assert messages(response) == [
        (
            "1316",
            "The URL is invalid. `items[0]` field `url` must have a URL data format.",
        )
    ]


# --- 1313 / 1314 relations ---------------------------------------------------------------------


@pytest.mark.parametrize("value", [[1233], {"a": 1}, [], [{"sku": "x"}]])
def test_array_or_object_values_are_relations_and_unknown_ones_are_1313(api, items_endpoint, value):
    response = post_one(api, valid(label=value))
    assert response.status_code == 400
    assert messages(response) == [
        (
            "1313",
            "Relation `label` not found. Please check the requested relation name and try again.",
        )
    ]


def test_non_editable_relation_is_422_1314_once_per_child_row(api, parts_endpoint):
    EndpointRelation.objects.filter(name="itemParts").update(is_editable=False)
    EndpointRelation.objects.get(name="itemParts").save()
    response = post_one(api, valid(itemParts=[{"sku": "a"}, {"sku": "b"}]))
    assert response.status_code == 422
    message = "The relationship `itemParts` is not editable by configuration."
    assert messages(response) == [("1314", message), ("1314", message)]


# --- order -------------------------------------------------------------------------------------


def test_post_validator_order(api, parts_endpoint):
    EndpointRelation.objects.filter(name="itemParts").update(is_editable=False)
    EndpointRelation.objects.get(name="itemParts").save()
    row = {
        "url": "bad",
        "origin": "x",
        "price": "bad",
        "is_active": "yes",
        "label": 1,
        "qty": "1",
        "colour": "red",
        "itemParts": [{"sku": "a"}],
    }
    response = post_one(api, row)
    assert [c for c, _ in messages(response)] == [
        "1314",  # relation editable
        "1311",  # unknown field
        "1307",  # required: code
        "1305",  # integer qty
        "1305",  # string label
        "1305",  # boolean is_active
        "1306",
        "1305",  # decimal price
        "1306",
        "1304",  # immutability
        "1316",  # constraint
    ]
    assert response.status_code == 400  # the last error's status


def test_put_checks_required_before_unknown_fields(api, items_endpoint):
    response = api.put("items", {"data": [{"colour": "red", "qty": "1", "origin": "x"}]})
    assert [c for c, _ in messages(response)] == ["1307", "1311", "1305", "1304"]


def test_patch_order_without_required(api, items_endpoint):
    item = add_item("AA")
    row = {"id_item": item, "origin": "x", "qty": "1", "colour": "red", "url": "bad"}
    response = api.patch("items", {"data": [row]})
    assert [c for c, _ in messages(response)] == ["1311", "1305", "1304", "1316"]


def test_errors_are_collected_item_by_item(api, items_endpoint):
    data = [valid(qty="1"), valid(code="BB"), {"title": "t", "colour": 1}, valid(rank=0)]
    response = api.post("items", {"data": data})
    assert messages(response) == [
        type_error("qty", "items[0]"),
        ("1311", "The provided `items[2].colour` is incorrect or invalid."),
        ("1307", "The required field must not be empty. Field: `items[2].code`"),
        value_error("rank", "min: 1, max: 10", "items[3]"),
    ]
    assert count_rows("dxa_item") == 0


def test_validation_happens_before_any_identifier_lookup(api, items_endpoint):
    # Unknown field and no identifier: only 1311, not 1310 (Spryker robot Update_country...)
    response = api.patch("items", {"data": [{"colour": "red"}]})
    assert [c for c, _ in messages(response)] == ["1311"]
    response = api.patch("items", {"data": [{"id_item": 999999, "qty": "x"}]})
    assert [c for c, _ in messages(response)] == ["1305"]


def test_child_errors_follow_the_parent_with_child_paths(api, parts_endpoint):
    row = valid(qty="x", itemParts=[{"sku": 5, "colour": 1}])
    response = post_one(api, row)
    assert messages(response) == [
        ("1311", "The provided `items[0].parts[0].colour` is incorrect or invalid."),
        type_error("qty"),
        type_error("sku", "items[0].parts[0]"),
    ]


def test_child_foreign_key_filled_by_the_relation_is_exempt_from_required(api, parts_endpoint):
    response = post_one(api, valid(itemParts=[{"sku": "a"}]))
    assert response.status_code == 201, response.content
    row = response.json()["data"][0]
    assert row["itemParts"][0]["fk_item"] == row["id_item"]
    response = api.post("parts", {"data": [{"sku": "b"}]})  # not as a child: required
    assert messages(response) == [
        ("1307", "The required field must not be empty. Field: `parts[0].fk_item`")
    ]
