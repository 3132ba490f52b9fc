"""Plan stage — filter operators beyond equality (SPEC B3): one table from operator name to value
shape and SQL.

A filter value that is a one-key JSON object naming an operator here is checked against the field
type; a bad value raises `1405`. Values always travel as query parameters; `like` patterns are
passed through as given (`%` and `_` are wildcards, `\\` escapes one on every backend).
"""

from dataclasses import dataclass

from dataexchange.engine.plan.types import Unmatchable
from dataexchange.engine.query.dialects import dialect
from dataexchange.errors import Code, fail

ORDERED_TYPES = {"integer", "decimal", "float", "string", "date", "datetime"}
NUMERIC = (int, float, str)

# JSON value kinds each API type accepts as an operator operand, before `field.parse`.
ACCEPTED = {
    "integer": (int, str),
    "decimal": NUMERIC,
    "float": NUMERIC,
    "string": (str,),
    "boolean": (bool, int, str),
    "date": (str,),
    "datetime": (str,),
}


class BadFilter(ValueError):
    """A filter operand that does not fit its operator or field; the message is the reason."""


@dataclass(frozen=True)
class Operator:
    """One operator: its operand shape, SQL, the field types it applies to (None: all) and how
    the OpenAPI document explains it.

    `shape` is the operand's: "one" (a value of the field's type), "list", "pair" (two values),
    "flag" (true or false) or "pattern" (a LIKE pattern)."""

    name: str
    shape: str
    template: str = ""  # `{c}` is the quoted column; one `%s` per operand
    types: frozenset | None = None
    meaning: str = ""
    example: str = ""

    @property
    def ordered(self):
        """Return whether the operator needs an ordered type (not boolean)."""
        return self.types == ORDERED

    def applies_to(self, field_type):
        return self.types is None or field_type in self.types

    def sql(self, column, value):
        """Return (sql, params) comparing `column` with the planned operand `value`."""
        if self.shape == "flag":
            return f"{column} IS {'' if value else 'NOT '}NULL", []
        if self.shape == "list":
            if not value:
                return "1 = 1", []
            return f"{column} NOT IN ({', '.join(['%s'] * len(value))})", list(value)
        if self.shape == "pattern":
            return pattern_sql(self.name, column, value)
        return self.template.format(c=column), list(value) if self.shape == "pair" else [value]


ORDERED = frozenset(ORDERED_TYPES)
STRING_TYPES = frozenset({"string"})
# Why an operand is refused for a field of a type the operator does not apply to.
TYPE_REASONS = {
    ORDERED: "`{name}` does not apply to {type} fields",
    STRING_TYPES: "`{name}` applies to string fields only",
}

# Every filter operator, in the order the OpenAPI document lists them. `in` (Part A) is planned
# by read_plan itself and has no SQL here.
OPERATOR_TABLE = (
    Operator("in", "list", meaning="one of the listed values", example='{"in":["DE","AT"]}'),
    Operator(
        "notIn",
        "list",
        meaning="none of the listed values (`[]` matches every row)",
        example='{"notIn":[1,2]}',
    ),
    Operator("ne", "one", "{c} <> %s", meaning="not equal", example='{"ne":"DE"}'),
    Operator("gt", "one", "{c} > %s", ORDERED, "greater than", '{"gt":5}'),
    Operator("gte", "one", "{c} >= %s", ORDERED, "greater than or equal", '{"gte":5}'),
    Operator("lt", "one", "{c} < %s", ORDERED, "less than", '{"lt":5}'),
    Operator("lte", "one", "{c} <= %s", ORDERED, "less than or equal", '{"lte":5}'),
    Operator(
        "between",
        "pair",
        "{c} BETWEEN %s AND %s",
        ORDERED,
        "between the two values, both included",
        '{"between":[1,9]}',
    ),
    Operator(
        "isNull",
        "flag",
        meaning="`true`: the field is NULL, `false`: it is not",
        example='{"isNull":true}',
    ),
    Operator(
        "like",
        "pattern",
        types=STRING_TYPES,
        meaning="case-sensitive SQL `LIKE` pattern (`%` any run of characters, `_` one, `\\` "
        "escapes the next)",
        example='{"like":"AB%"}',
    ),
    Operator(
        "ilike",
        "pattern",
        types=STRING_TYPES,
        meaning="`like`, ignoring case",
        example='{"ilike":"ab%"}',
    ),
)
LIST_OPERATORS = {"in", "IN"}  # Part A: `in` with a list is planned by read_plan itself
OPERATORS = {op.name: op for op in OPERATOR_TABLE if op.name not in LIST_OPERATORS}


def is_operator(name):
    """Return whether a one-key filter object names an operator (Part A `in` or Part B)."""
    return name in OPERATORS or name in LIST_OPERATORS


def plan_operator(endpoint, field, name, value):
    """Return (operator, operand) for `{name: value}` on `field`, or raise 1405."""
    try:
        if name in LIST_OPERATORS:
            raise BadFilter(f"`{name}` needs a list of values")
        operator = OPERATORS[name]
        return operator, operand(operator, field, value)
    except BadFilter as error:
        alias = endpoint.alias if endpoint is not None else ""
        fail(Code.INVALID_FILTER, filterField=field.name, aliasName=alias, reason=str(error))


def operand(operator, field, value):
    """Return the operand of `operator` converted for `field`, or raise BadFilter."""
    name, shape = operator.name, operator.shape
    if not operator.applies_to(field.type):
        raise BadFilter(TYPE_REASONS[operator.types].format(name=name, type=field.type))
    if shape == "flag":
        if not isinstance(value, bool):
            raise BadFilter(f"`{name}` needs true or false")
        return value
    if shape == "pattern":
        if not isinstance(value, str):
            raise BadFilter(f"`{name}` needs a string pattern")
        if "\x00" in value:  # as types.parse_string: no backend compares NUL alike
            raise BadFilter(f"`{name}` needs a pattern without NUL")
        return value
    if shape == "list":
        if not isinstance(value, list):
            raise BadFilter(f"`{name}` needs a list of values of type {field.type}")
        return tuple(convert(name, field, item, "a list of values") for item in value)
    if shape == "pair":
        if not isinstance(value, list) or len(value) != 2:
            raise BadFilter(f"`{name}` needs a list of two values of type {field.type}")
        return tuple(convert(name, field, item, "a list of two values") for item in value)
    return convert(name, field, value, "a value")


def convert(name, field, value, what):
    """Return one JSON operand as the field's Python value, via the same parser as equality."""
    kinds = ACCEPTED.get(field.type, (str,))
    reason = f"`{name}` needs {what} of type {field.type}"
    if value is None or (isinstance(value, bool) and bool not in kinds):
        raise BadFilter(reason)
    if not isinstance(value, kinds):
        raise BadFilter(reason)
    if isinstance(value, bool):
        text = "1" if value else "0"
    elif isinstance(value, int) and field.type == "boolean" and value not in (0, 1):
        raise BadFilter(reason)
    else:
        text = str(value)
    try:
        return field.parse(text)
    except (Unmatchable, ValueError):
        raise BadFilter(reason) from None


def pattern_sql(name, column, pattern):
    """Return (sql, params) for `like` (case-sensitive everywhere) or `ilike` (insensitive)."""
    if name == "ilike":
        return dialect().ilike_sql(column, pattern)
    return dialect().like_sql(column, pattern)


GLOB_LITERALS = {"*": "[*]", "?": "[?]", "[": "[[]"}


def like_to_glob(pattern):
    """Return the SQLite GLOB pattern matching what a LIKE pattern (with `\\` escapes) matches."""
    out, chars = [], iter(pattern)
    for char in chars:
        if char == "\\":
            char = next(chars, "\\")
            out.append(GLOB_LITERALS.get(char, char))
        elif char == "%":
            out.append("*")
        elif char == "_":
            out.append("?")
        else:
            out.append(GLOB_LITERALS.get(char, char))
    return "".join(out)
