"""Request-body examples that succeed as sent: what Swagger UI's "Try it out" pre-fills.

Without an example of its own, Swagger UI builds a body from the schema: every relation with a
nested child row, and the fields' configured examples, which name rows that exist (`DE`), so a
create fails with 1309 as is. The example here is one flat item (no relations) holding the
fields that must be sent plus the optional ones with a configured example, with a value that is
new where the column is unique, and the configured example (else a plain value of the field's
type and rules) elsewhere. A second run of a create may still meet its own first row, and a
link table's pair of foreign keys may exist already: a unique value can only be unlikely to
collide, not certain.
"""

from dataexchange.openapi.schemas import ITEM_KINDS, database_requires, integer_range, typed_value

# The text a fresh unique string value is cut from or padded with.
FRESH_TEXT = "zz-example"
FRESH_INTEGER = 900_001
PLAIN = {
    "integer": 1,
    "float": 1.5,
    "boolean": True,
    "date": "2026-01-01",
    "datetime": "2026-01-01T00:00:00+00:00",
}


def body_example(endpoint, kind, *, single):
    """Return `{"data": [item]}`, or `{"data": item}` on `/{id}` routes, for items of `kind`."""
    item = example_item(endpoint, kind, single=single)
    return {"data": item if single else [item]}


def example_item(endpoint, kind, *, single):
    """Return one flat item of `kind` ("create", "update" or "upsert") for `endpoint`."""
    rule = ITEM_KINDS[kind]
    selects_row = not single
    unique = unique_columns(endpoint)
    item = {}
    for field in endpoint.fields:
        if not rule.allows(field, selects_row=selects_row):
            continue
        if field.is_identifier and selects_row and kind != "create":
            item[field.name] = identifier_example(endpoint)
        elif rule.must_send(field, selects_row=selects_row) or database_requires(
            kind, field, endpoint.table_info.column(field.column)
        ):
            item[field.name] = (
                fresh_value(endpoint, field)
                if field.column in unique
                else (field_value(endpoint, field))
            )
        elif field.column not in unique and configured_example(field) is not None:
            item[field.name] = configured_example(field)
    if not item or list(item) == [endpoint.identifier.name]:
        item.update(one_more_field(endpoint, rule, selects_row, unique, item))
    return item


def one_more_field(endpoint, rule, selects_row, unique, item):
    """Return {name: value} of one more field to send, so that the item writes something (an
    empty item is refused with 1301); a field outside unique constraints first."""
    candidates = [
        field
        for field in endpoint.fields
        if rule.allows(field, selects_row=selects_row) and field.name not in item
    ]
    candidates.sort(key=lambda field: field.column in unique)
    if not candidates:
        return {}
    field = candidates[0]
    if field.column in unique:
        return {field.name: fresh_value(endpoint, field)}
    return {field.name: field_value(endpoint, field)}


def unique_columns(endpoint):
    """Return the columns that take part in a unique constraint (the primary key included) and
    are not foreign keys: a new value there makes the row new. A foreign key must name a row
    that exists, so it keeps its configured example (or 1), and a constraint made only of
    foreign keys (a link table) may still collide."""
    info = endpoint.table_info
    foreign = {fk.column for fk in info.foreign_keys}
    return {
        column
        for columns in info.unique_constraints.values()
        for column in columns
        if column not in foreign
    }


def configured_example(field):
    """Return the field's first configured example as a typed value, or None."""
    values = (typed_value(field, e) for e in field.examples)
    return next((v for v in values if v is not None), None)


def identifier_example(endpoint):
    """Return an identifier that likely exists: the configured example, else 1 or `1`."""
    field = endpoint.identifier
    value = configured_example(field)
    if value is not None:
        return value
    return 1 if field.type == "integer" else "1"


def enum_value(field):
    values = [v for v in (typed_value(field, e) for e in field.enum_values) if v is not None]
    return values[0] if values else None


def field_value(endpoint, field):
    """Return a valid, non-unique value: configured example, enum value or plain value."""
    for value in (configured_example(field), enum_value(field)):
        if value is not None:
            return value
    if field.type == "string":
        return fit_string(field, "example")
    if field.type == "decimal":
        return decimal_value(field)
    if field.type == "integer":
        return fit_integer(endpoint, field, 1)
    return PLAIN.get(field.type, "example")


def fresh_value(endpoint, field):
    """Return a valid value unlikely to exist in a unique column."""
    enum = enum_value(field)
    if enum is not None:
        return enum
    if field.type == "string":
        return fit_string(field, FRESH_TEXT)
    if field.type == "integer":
        return fit_integer(endpoint, field, FRESH_INTEGER)
    return field_value(endpoint, field)


def fit_string(field, text):
    """Return `text` cut or padded to the field's length rules, a URL path where required."""
    if "url" in field.constraints:
        text = "/" + text
    if field.max_length is not None:
        text = text[: field.max_length]
    return text.ljust(field.min_length or 0, "z")


def fit_integer(endpoint, field, value):
    """Return `value` moved into the field's configured and column range."""
    low, high = integer_range(endpoint, field) or (None, None)
    for bound in (field.min, low):
        if bound is not None:
            value = max(value, bound)
    for bound in (field.max, high):
        if bound is not None:
            value = min(value, bound)
    return value


def decimal_value(field):
    """Return `1`, or `0` when the precision leaves no integer digit."""
    whole = (field.precision or 2) - (field.scale or 0)
    return "1" if whole >= 1 else "0"
