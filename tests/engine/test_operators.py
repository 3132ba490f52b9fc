"""Filter operators (SPEC B3, dataexchange/engine/plan/operators.py): operands and their SQL."""

from dataclasses import replace
from decimal import Decimal

from django.db import connection

import pytest

from dataexchange.engine.plan.operators import (
    OPERATORS,
    BadFilter,
    convert,
    is_operator,
    like_to_glob,
    operand,
    pattern_sql,
    plan_operator,
)
from dataexchange.engine.plan.types import parse_date
from tests.engine.conftest import refused

COLUMN = '"c"'


@pytest.mark.parametrize(
    "name, field, value, planned",
    [
        ("gt", "qty", 3, 3),
        ("gt", "qty", "3", 3),
        ("lte", "price", 1.5, Decimal("1.5")),
        ("ne", "is_active", True, True),
        ("ne", "is_active", 0, False),
        ("like", "code", "A\\_%", "A\\_%"),
        ("isNull", "label", False, False),
        ("notIn", "qty", [1, "2"], (1, 2)),
        ("notIn", "qty", [], ()),
        ("between", "ratio", [0.5, "2"], (0.5, 2.0)),
    ],
)
def test_an_operand_is_converted_to_the_field_type(items, name, field, value, planned):
    assert operand(OPERATORS[name], items.by_name[field], value) == planned


@pytest.mark.parametrize(
    "name, field, value, reason",
    [
        ("gt", "is_active", True, "`gt` does not apply to boolean fields"),
        ("like", "qty", "1%", "`like` applies to string fields only"),
        ("ilike", "code", 5, "`ilike` needs a string pattern"),
        ("like", "code", "A\x00", "`like` needs a pattern without NUL"),
        ("isNull", "label", "true", "`isNull` needs true or false"),
        ("notIn", "qty", 5, "`notIn` needs a list of values of type integer"),
        ("notIn", "qty", [1, "x"], "`notIn` needs a list of values of type integer"),
        ("between", "qty", [1], "`between` needs a list of two values of type integer"),
        ("between", "qty", [1, None], "`between` needs a list of two values of type integer"),
        ("gt", "qty", True, "`gt` needs a value of type integer"),
        ("gt", "qty", 1.5, "`gt` needs a value of type integer"),
        ("ne", "is_active", 2, "`ne` needs a value of type boolean"),
        ("ne", "code", 5, "`ne` needs a value of type string"),
        ("gt", "price", "1,5", "`gt` needs a value of type decimal"),
    ],
)
def test_an_operand_that_does_not_fit_is_refused_with_its_reason(items, name, field, value, reason):
    with pytest.raises(BadFilter) as info:
        operand(OPERATORS[name], items.by_name[field], value)
    assert str(info.value) == reason


def test_a_date_operand_goes_through_the_date_parser(items):
    born = replace(items.by_name["label"], name="born", type="date", parse=parse_date)
    assert convert("gt", born, "2024-02-29", "a value") == parse_date("2024-02-29")
    with pytest.raises(BadFilter):
        convert("gt", born, 20240229, "a value")


def test_plan_operator_answers_1405_naming_field_alias_and_reason(items):
    error = refused(plan_operator, items, items.by_name["rank"], "gt", "high")
    assert (error.code, error.status) == ("1405", 400)
    assert error.message == (
        "Invalid filter `rank` for table alias `items`: `gt` needs a value of type integer."
    )


def test_plan_operator_returns_the_operator_and_its_operand(items):
    assert plan_operator(items, items.by_name["qty"], "between", [1, 9]) == (
        OPERATORS["between"],
        (1, 9),
    )


def test_in_is_an_operator_name_but_needs_a_list(items):
    assert is_operator("in") and is_operator("IN") and is_operator("notIn")
    assert not is_operator("eq") and not is_operator("GT")
    error = refused(plan_operator, None, items.by_name["qty"], "in", 5)
    assert error.message == "Invalid filter `qty` for table alias ``: `in` needs a list of values."


@pytest.mark.parametrize(
    "name, value, sql, params",
    [
        ("ne", 3, '"c" <> %s', [3]),
        ("gte", 3, '"c" >= %s', [3]),
        ("between", (1, 5), '"c" BETWEEN %s AND %s', [1, 5]),
        ("isNull", True, '"c" IS NULL', []),
        ("isNull", False, '"c" IS NOT NULL', []),
        ("notIn", (1, 2), '"c" NOT IN (%s, %s)', [1, 2]),
        ("notIn", (), "1 = 1", []),  # excluding nothing keeps every row
    ],
)
def test_operator_sql_binds_every_operand_as_a_parameter(name, value, sql, params):
    assert OPERATORS[name].sql(COLUMN, value) == (sql, params)


def test_like_is_case_sensitive_on_every_database():
    sql = OPERATORS["like"].sql(COLUMN, "a%")
    expected = {
        "sqlite": ('"c" GLOB %s', ["a*"]),
        "mysql": ('"c" LIKE %s COLLATE utf8mb4_bin', ["a%"]),
        "postgresql": ('"c" LIKE %s', ["a%"]),
    }
    assert sql == expected[connection.vendor]


def test_ilike_lowers_both_sides():
    escape = " ESCAPE '\\'" if connection.vendor == "sqlite" else ""
    assert pattern_sql("ilike", COLUMN, "A%") == (f'LOWER("c") LIKE LOWER(%s){escape}', ["A%"])


@pytest.mark.parametrize(
    "pattern, glob",
    [
        ("a%b_c", "a*b?c"),
        ("100\\%", "100%"),
        ("\\_x", "_x"),
        ("*?[", "[*][?][[]"),
        ("\\*", "[*]"),
        ("end\\", "end\\"),
    ],
)
def test_like_patterns_translate_to_sqlite_glob(pattern, glob):
    assert like_to_glob(pattern) == glob
