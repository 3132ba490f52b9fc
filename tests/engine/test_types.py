"""Field types (dataexchange/engine/plan/types.py): checks, filter parsing, rendering per type."""

import datetime as dt
from decimal import Decimal

import pytest

from dataexchange.engine.plan import types
from dataexchange.engine.plan.types import TYPES, Unmatchable, coerce_json, decimal_renderer

UTC = dt.UTC
PLUS_TWO = dt.timezone(dt.timedelta(hours=2))


@pytest.mark.parametrize(
    "type_, text, value",
    [
        ("integer", "42", 42),
        ("integer", str(-(2**63)), -(2**63)),
        ("string", "Zürich", "Zürich"),
        ("boolean", " TRUE ", True),
        ("boolean", "0", False),
        ("boolean", "", False),
        ("decimal", "1.50", Decimal("1.50")),
        ("float", "1e3", 1000.0),
        ("date", "2024-02-29", dt.date(2024, 2, 29)),
        ("datetime", "2024-01-01T10:00:00+02:00", dt.datetime(2024, 1, 1, 8, tzinfo=UTC)),
        ("datetime", "2024-01-01 10:00:00", dt.datetime(2024, 1, 1, 10, tzinfo=UTC)),
    ],
)
def test_a_filter_string_parses_to_the_python_value_of_its_type(type_, text, value):
    parsed = TYPES[type_].parse(text)
    assert parsed == value and type(parsed) is type(value)


@pytest.mark.parametrize(
    "type_, text",
    [
        ("integer", "4.2"),
        ("integer", str(2**63)),  # no integer column holds it
        ("string", "BER\x00"),
        ("boolean", "yes"),
        ("decimal", "NaN"),
        ("decimal", "1,5"),
        ("float", "inf"),
        ("float", "nan"),
        ("date", "2023-02-29"),
        ("datetime", "yesterday"),
    ],
)
def test_a_filter_string_the_type_can_never_hold_is_unmatchable(type_, text):
    with pytest.raises(Unmatchable):
        TYPES[type_].parse(text)


def test_naive_and_zoned_datetimes_render_in_utc():
    naive = dt.datetime(2024, 1, 1, 8, 30)
    zoned = dt.datetime(2024, 1, 1, 10, 30, tzinfo=PLUS_TWO)
    assert types.render_datetime(naive) == "2024-01-01T08:30:00+00:00"
    assert types.render_datetime(zoned) == "2024-01-01T08:30:00+00:00"
    assert types.render_datetime("2024-01-01 10:30:00+02:00") == "2024-01-01T08:30:00+00:00"
    assert types.render_datetime("not a date") == "not a date"
    assert types.render_datetime(dt.date(2024, 1, 1)) == "2024-01-01"
    assert types.render_datetime(None) is None


def test_decimals_render_with_exactly_the_scale_of_the_field():
    render = decimal_renderer(2)
    assert [render(Decimal("1.5")), render(3), render(0.1), render(None)] == [
        "1.50",
        "3.00",
        "0.10",
        None,
    ]
    assert decimal_renderer(None)(Decimal("1.500")) == "1.500"


def test_the_compiled_decimal_field_renders_with_its_scale(items):
    assert items.by_name["price"].render(Decimal("7")) == "7.00"


@pytest.mark.parametrize(
    "render, value, json_value",
    [
        (types.render_boolean, "t", True),
        (types.render_boolean, "0", False),
        (types.render_boolean, 1, True),
        (types.render_integer, Decimal("7"), 7),
        (types.render_float, Decimal("0.5"), 0.5),
        (types.render_string, b"caf\xc3\xa9", "café"),
        (types.render_string, {"a": [1, None]}, '{"a":[1,null]}'),
        (types.render_string, dt.date(2024, 5, 1), "2024-05-01"),
        (types.render_string, 12, "12"),
        (types.render_date, dt.datetime(2024, 5, 1, 23, 59), "2024-05-01"),
        (types.render_date, "2024-05-01 00:00:00", "2024-05-01"),
    ],
)
def test_database_values_render_to_json_values(render, value, json_value):
    assert render(value) == json_value


@pytest.mark.parametrize(
    "render",
    [types.render_boolean, types.render_integer, types.render_float, types.render_date],
)
def test_null_renders_as_null(render):
    assert render(None) is None


@pytest.mark.parametrize(
    "name, value, codes",
    [
        ("qty", 5, ()),
        ("qty", "5", ("1305",)),
        ("qty", True, ("1305",)),  # a JSON boolean is no integer
        ("qty", 5.0, ("1305",)),
        ("rank", 11, ("1306",)),
        ("rank", 0, ("1306",)),
        ("code", "A", ("1306",)),  # min_length 2
        ("code", 12, ("1305",)),
        ("code", 1, ("1305", "1306")),  # too short as PHP prints it, too
        ("is_active", False, ()),
        ("is_active", 1, ("1305", "1306")),
        ("ratio", 1, ()),
        ("ratio", "1.5", ("1305",)),
    ],
)
def test_checks_answer_the_error_codes_of_a_json_value(items, name, value, codes):
    field = items.by_name[name]
    assert field.check(field, value) == codes


@pytest.mark.parametrize(
    "value, codes",
    [
        ("123456.78", ()),  # precision 8, scale 2: six integer digits
        ("-0001.50", ()),  # leading zeros and the sign are no digits; trailing zeros are free
        (12.5, ()),
        ("1234567", ("1306",)),
        ("1.234", ("1306",)),
        ("1e5", ("1305", "1306")),
        (True, ("1305", "1306")),
    ],
)
def test_decimal_checks_count_precision_and_scale_in_digits(items, value, codes):
    price = items.by_name["price"]
    assert price.check(price, value) == codes


@pytest.mark.parametrize(
    "value, text",
    [(True, "1"), (False, ""), (3.0, "3"), (2.5, "2.5"), ("x", "x")],
)
def test_php_string_prints_values_as_php_casts_them(value, text):
    assert types.php_string(value) == text


def test_checked_json_values_are_coerced_for_the_database():
    assert coerce_json("decimal", 1.5) == Decimal("1.5")
    assert coerce_json("date", "2024-01-02") == dt.date(2024, 1, 2)
    assert coerce_json("datetime", "2024-01-02T03:00:00+01:00") == dt.datetime(
        2024, 1, 2, 2, tzinfo=UTC
    )
    assert coerce_json("integer", None) is None


def test_compiled_fields_carry_the_behaviour_of_their_type(items):
    qty, price = items.by_name["qty"], items.by_name["price"]
    assert (qty.type, qty.parse, qty.check) == ("integer", types.parse_integer, types.check_integer)
    assert (price.type, price.parse) == ("decimal", types.parse_decimal)
    assert TYPES["decimal"].json_schema == {"type": "string", "format": "decimal"}
