"""The column checks of the columnar plan (`engine.plan.flat_plan`): a column they clear holds
only values the field's own check accepts (they may suspect a valid value, never clear a bad
one), and a decimal's pattern is exactly `check_decimal`'s rule."""

import itertools
from types import SimpleNamespace

import pytest

from dataexchange.engine.plan.flat_plan import column_clear, decimal_pattern, value_clear
from dataexchange.engine.plan.types import TYPES, check_decimal
from dataexchange.engine.plan.write_plan import URL_RE

SAMPLES = [
    None, True, False, 0, 1, -7, 2**70, 1.5, -0.0, "", "a", "abc", "abcdefghijk", "12", "12.50",
    "-0012.5000", "1e3", "0.001", "99999999.99", "123456789", " 1", "1 ", "1.", ".5", "--1",
    "१२", "2024-02-29", "2024-02-30", "2024-01-01T10:00:00+01:00", "/a/b", "no url", [1], {"a": 1},
]  # fmt: skip


def field(type_, **rules):
    values = dict(
        required=False, constraints=(), min_length=None, max_length=None, min=None, max=None,
        precision=None, scale=None,
    )  # fmt: skip
    values.update(rules)
    return SimpleNamespace(type=type_, check=TYPES[type_].check, **values)


FIELDS = [
    field("string"),
    field("string", min_length=2, max_length=5, required=True),
    field("string", constraints=("url",)),
    field("integer"),
    field("integer", min=0, max=100),
    field("boolean"),
    field("float"),
    field("decimal"),
    field("decimal", precision=10, scale=2),
    field("decimal", precision=3, scale=3),
    field("decimal", precision=2, scale=4),  # no value fits
    field("date"),
    field("datetime"),
]


@pytest.mark.parametrize("f", FIELDS, ids=lambda f: f"{f.type}-{f.precision}-{f.max_length}")
def test_a_cleared_column_holds_only_valid_values(f):
    for size in (1, 2):
        for values in itertools.product(SAMPLES, repeat=size):
            if column_clear(f, values):
                assert all(value_clear(f, v) for v in values), values
    cleared = [v for v in SAMPLES if column_clear(f, (v,))]
    assert cleared == [v for v in cleared if v is not None and not f.check(f, v)]


@pytest.mark.parametrize("f", FIELDS, ids=lambda f: f"{f.type}-{f.precision}-{f.max_length}")
def test_value_clear_is_the_row_wise_check(f):
    for value in SAMPLES:
        if value is None:
            assert value_clear(f, value) is not f.required
        elif not isinstance(value, list | dict):
            url_bad = "url" in f.constraints and isinstance(value, str) and not URL_RE.match(value)
            assert value_clear(f, value) is (not f.check(f, value) and not url_bad), value


def test_common_columns_are_cleared_at_once():
    assert column_clear(field("string", max_length=5), ("a", "abcde"))
    assert column_clear(field("integer", min=0), (0, 5))
    assert column_clear(field("decimal", precision=10, scale=2), ("12.50", "-0012.5000", "7"))
    assert not column_clear(field("integer"), (1, True))  # a boolean is not an integer
    assert not column_clear(field("string"), ("a", None))  # a null is looked at on its own


@pytest.mark.parametrize(("precision", "scale"), [(10, 2), (3, 3), (5, 0), (1, 0), (4, 1)])
def test_the_decimal_pattern_is_check_decimal(precision, scale):
    f = field("decimal", precision=precision, scale=scale)
    digits = ["", "0", "00", "1", "12", "123", "1234", "12345", "10", "100", "001"]
    texts = {
        f"{sign}{whole}{'.' + fraction if dot else ''}"
        for sign in ("", "-")
        for whole in digits
        for fraction in digits
        for dot in (False, True)
    }
    for text in texts:
        assert bool(decimal_pattern(precision, scale).fullmatch(text)) is (
            not check_decimal(f, text)
        ), text
