"""Plan stage — the columnar plan of a batch of flat items (no nested rows), for a POST.

`plan_write` builds a node per item and runs every validator on it: about 8 µs an item, most of
a large import's Python time. Items of a CSV import are flat and mostly valid, so here each
column of the batch is checked at once (`COLUMN_CHECKS`: a C-level pass over the values per
field type) and only the items a column check cannot clear are planned one by one, by
`plan_write`'s own `build_node` and `validate`: their errors are exactly the row-wise ones.

A column check may suspect a valid item (it is then validated one by one) but never clears an
invalid one: `column_clear(field, values)` implies `field.check(field, value) == ()` for every
value. When an item the checks suspected turns out valid, or when the batch is not flat, the
plan is refused (None) and the batch takes the row-wise path whole, so that which item is
written, in which order, never depends on the path.
"""

import functools
import re
from dataclasses import dataclass
from decimal import Decimal
from operator import itemgetter

from dataexchange.engine.plan.write_plan import (
    NESTED,
    URL_RE,
    WriteContext,
    build_node,
    validate,
)

CREATE = WriteContext("POST", single=False)


@dataclass(frozen=True)
class FlatGroup:
    """Valid items that write the same columns: their database values, column by column."""

    fields: tuple  # the compiled Fields written, in column order
    indices: tuple  # the items' positions in the batch
    columns: list  # per field, the items' database values in `indices` order

    @property
    def rows(self):
        """Return the values row by row: a tuple per item, in `fields` order."""
        return list(zip(*self.columns))


@dataclass(frozen=True)
class FlatPlan:
    """A planned POST of flat items: the valid ones grouped by the columns they write (in the
    order the row-wise path inserts them), and the invalid ones as validated nodes."""

    endpoint: object
    items: list
    start: int  # the first item's index in error paths
    groups: tuple  # FlatGroups, in first-appearance order
    invalid: dict  # position → validated root Node with its errors


def plan_flat(snapshot, endpoint, items, *, start=0):
    """Return the FlatPlan of a POST of `items`, or None when the batch must be planned row by
    row (`plan_write`): not flat, over the batch limit, or an item the checks suspected is
    valid after all."""
    if len(items) < 2 or len(items) > endpoint.max_batch_size:
        return None
    if any(type(item) is not dict for item in items):
        return None
    keysets = list(map(tuple, items))
    if len(set(keysets)) == 1:  # every item sends the same fields (a CSV without empty cells)
        by_keys = {keysets[0]: range(len(items))}
    else:
        by_keys = {}
        for position, keys in enumerate(keysets):
            by_keys.setdefault(keys, []).append(position)
    valid, suspects = [], []
    for keys, positions in by_keys.items():
        fields = fields_of(endpoint, keys)
        if fields is None:  # unknown, `identifier`, not creatable, required missing
            suspects.extend(positions)
            continue
        columns = columns_of(items, keys, positions)
        bad = suspected(fields, columns)
        if len(by_keys) == 1 and not bad and not any(None in column for column in columns):
            group = FlatGroup(fields, tuple(positions), coerced(fields, columns))
            return FlatPlan(endpoint, items, start, (group,), {})  # the common case
        suspects.extend(positions[i] for i in bad)
        rows = list(zip(*columns))
        valid.extend((positions[i], fields, rows[i]) for i in range(len(rows)) if i not in bad)
    invalid = {}
    for position in suspects:
        raw = items[position]
        if any(isinstance(value, NESTED) for value in raw.values()):
            return None
        root = build_node(snapshot, endpoint, raw, f"{endpoint.alias}[{start + position}]")
        if not validate(root, CREATE):
            return None
        invalid[position] = root
    return FlatPlan(endpoint, items, start, groups_of(valid), invalid)


def fields_of(endpoint, keys):
    """Return the Fields that items with `keys` send, or None when such items need checking
    one by one (an unknown key, `identifier`, a field that may not be created, a required
    field not sent)."""
    by_name = endpoint.by_name
    fields = tuple(by_name.get(key) for key in keys)
    if None in fields or not all(f.creatable for f in fields):
        return None
    if any(f.name not in keys for f in endpoint.required_fields):
        return None
    return fields


def columns_of(items, keys, positions):
    """Return the values of the items at `positions`, a list per key (C-level passes)."""
    chosen = items if len(positions) == len(items) else [items[p] for p in positions]
    return [list(map(itemgetter(key), chosen)) for key in keys]


def suspected(fields, columns):
    """Return the set of item numbers whose values a column check could not clear."""
    bad = set()
    for f, values in zip(fields, columns):
        if not column_clear(f, values):
            bad.update(i for i, value in enumerate(values) if not value_clear(f, value))
    return bad


def column_clear(field, values):
    """Return True when every value certainly passes the field's checks (not sent as null, of
    the field's type and within its rules); False means: look at each value."""
    if None in values:
        return False
    if "url" in field.constraints and not all(map(is_url, values)):
        return False
    check = COLUMN_CHECKS.get(field.type)
    return check is not None and check(field, values)


def value_clear(field, value):
    """Return True when one value passes the field's checks (row-wise: `is_valid`)."""
    if value is None:
        return not field.required
    if isinstance(value, NESTED):
        return False
    if "url" in field.constraints and isinstance(value, str) and not URL_RE.match(value):
        return False
    return not field.check(field, value)


def is_url(value):
    return not isinstance(value, str) or URL_RE.match(value) is not None


def strings_clear(field, values):
    if set(map(type, values)) != {str}:
        return False
    lengths = list(map(len, values))
    if field.min_length is not None and min(lengths) < field.min_length:
        return False
    return field.max_length is None or max(lengths) <= field.max_length


def integers_clear(field, values):
    if set(map(type, values)) != {int}:
        return False
    if field.min is not None and min(values) < field.min:
        return False
    return field.max is None or max(values) <= field.max


def booleans_clear(field, values):
    return set(map(type, values)) == {bool}


def floats_clear(field, values):
    return set(map(type, values)) <= {int, float}


def decimals_clear(field, values):
    if set(map(type, values)) != {str}:
        return False
    return all(map(decimal_pattern(field.precision, field.scale).fullmatch, values))


@functools.cache
def decimal_pattern(precision, scale):
    """Return the pattern of decimal text that `check_decimal` accepts for this precision and
    scale: digits with an optional fraction, at most `precision - scale` integer digits once
    leading zeros are dropped and at most `scale` fraction digits once trailing zeros are."""
    if precision is None:
        return re.compile(r"-?\d+(\.\d+)?")
    scale = scale or 0
    whole = precision - scale
    if whole < 0:  # no value fits: every one is checked (and refused) row by row
        return re.compile(r"(?!)")
    return re.compile(rf"-?(?=\d)0*\d{{0,{whole}}}(\.(?=\d)\d{{0,{scale}}}0*)?")


# API type → the column check clearing a batch's values at once. Types not named here (dates,
# datetimes) are checked value by value.
COLUMN_CHECKS = {
    "string": strings_clear,
    "integer": integers_clear,
    "boolean": booleans_clear,
    "float": floats_clear,
    "decimal": decimals_clear,
}


def groups_of(valid):
    """Return FlatGroups of the valid items (position, fields, values): null values left out
    (a POST does not write them), grouped by the columns written, in the order of the first
    item of each group, as `engine.execute.write.insert_nodes` groups its nodes."""
    valid.sort(key=itemgetter(0))
    groups = {}
    for position, fields, values in valid:
        if None in values:
            pairs = [(f, v) for f, v in zip(fields, values) if v is not None]
            fields, values = tuple(f for f, _ in pairs), tuple(v for _, v in pairs)
        key = tuple(f.column for f in fields)
        group = groups.get(key)
        if group is None:
            group = groups[key] = (fields, [], [])
        group[1].append(position)
        group[2].append(values)
    return tuple(
        FlatGroup(fields, tuple(positions), coerced(fields, list(zip(*rows))))
        for fields, positions, rows in groups.values()
    )


def coerced(fields, columns):
    """Return `columns` with each value converted to its database value (`Field.coerce`). A
    checked string, integer or boolean already is its database value."""
    return [
        list(map(coercer(f, values), values)) if f.type in COERCED_TYPES else values
        for f, values in zip(fields, columns)
    ]


def coercer(field, values):
    """Return the function converting `values` of `field`: decimals sent as text (all of a CSV
    column) go straight to Decimal, what `Field.coerce` does for text after a type test."""
    if field.type == "decimal" and set(map(type, values)) == {str}:
        return Decimal
    return field.coerce


COERCED_TYPES = frozenset({"float", "decimal", "date", "datetime"})
