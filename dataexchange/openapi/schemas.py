"""JSON schemas of one endpoint: its row, its write items per method, and the shared error shapes.

A compiled `Field` becomes a schema through one table (`TYPES[type].json_schema`) plus the field's
rules; request items differ per method exactly as validation does (SPEC A4): which fields may be
sent, which are required, and whether a child's foreign key is exempt; and as the database does:
a NOT NULL column is required where leaving it out or sending null is refused with `1302`.
"""

from decimal import Decimal

from dataexchange.engine.plan.reach import METHOD_ACTIONS
from dataexchange.engine.plan.types import DBL_DIG, TYPES, integer_bounds
from dataexchange.engine.plan.write_plan import URL_RE, WRITE_RULES

ERROR = "Error"
ERROR_LIST = "ErrorList"
IDENTIFIER_DESCRIPTION = "Unique identifier for the entity"
DECIMAL_PATTERN = r"^-?\d+(\.\d+)?$"


# The write rules of validation, by item kind: which fields an item may hold and must.
ITEM_KINDS = {rule.kind: rule for rule in WRITE_RULES.values()}


def item_actions(kind):
    """Return the permissions a relation's child needs for nested items of `kind`."""
    return METHOD_ACTIONS[ITEM_KINDS[kind].method]


def row_name(alias):
    return f"{alias}.Row"


def sparse_row_name(alias):
    """Return the component name of a row of GET responses, which `fields` may make sparse."""
    return f"{alias}.SparseRow"


def item_name(alias, kind, single=False, exempt=None):
    """Return the component name of a write item (`exempt`: a child's foreign key field)."""
    name = f"{alias}.{kind.capitalize()}{'Entity' if single else ''}"
    return f"{name}.via.{exempt}" if exempt else name


def typed_value(field, text):
    """Return a configured example or enum value as a JSON value of the field's type, or None."""
    if not isinstance(text, str):
        return text
    try:
        if field.type == "integer":
            return int(text)
        if field.type == "float":
            return float(text)
    except ValueError:
        return None
    if field.type == "boolean":
        return text.strip().lower() in {"1", "true"}
    return text


def integer_range(endpoint, field):
    """Return the (min, max) an integer field's column can hold, or None.

    Django's portable ranges per column type, not the backend's (`types.integer_bounds`, which
    validation checks too): a document is the same on every database, and so is the server.
    """
    column = endpoint.table_info.column(field.column)
    if field.type != "integer" or column is None:
        return None
    return integer_bounds(column.django_type)


def typed_schema(field, int_range=None):
    """Return the type and format of a field's values, with the column's integer range."""
    schema = dict(TYPES[field.type].json_schema)
    if int_range:
        schema["minimum"], schema["maximum"] = int_range
    return schema


def value_schema(field, int_range=None):
    """Return the schema of a value sent for a field: type, format and the configured rules."""
    low, high = int_range or (None, None)
    schema = dict(TYPES[field.type].json_schema)
    for key, value in (
        ("minLength", field.min_length if field.type == "string" else None),
        ("maxLength", field.max_length if field.type == "string" else None),
        ("minimum", _bound(max, field.min, low) if field.type == "integer" else None),
        ("maximum", _bound(min, field.max, high) if field.type == "integer" else None),
    ):
        if value is not None:
            schema[key] = value
    if field.type == "decimal":
        schema["pattern"] = decimal_pattern(field.precision, field.scale)
        schema = {"oneOf": [schema, decimal_number_schema(field.precision, field.scale)]}
    if field.type == "string" and "url" in field.constraints:
        schema["pattern"] = URL_RE.pattern
    enum = [v for v in (typed_value(field, e) for e in field.enum_values) if v is not None]
    if enum:
        schema["enum"] = enum
    return schema


def _bound(pick, configured, column):
    values = [v for v in (configured, column) if v is not None]
    return pick(values) if values else None


def decimal_pattern(precision, scale):
    """Return the pattern of a decimal string: at most precision − scale integer digits and
    scale fraction digits, ignoring leading and trailing zeros (SPEC A4)."""
    if precision is None:
        return DECIMAL_PATTERN
    scale = scale or 0
    whole = max(precision - scale, 0)
    return rf"^-?(?=\d)0*\d{{0,{whole}}}(\.(?=\d)\d{{0,{scale}}}0*)?$"


def decimal_number_schema(precision, scale):
    """Return the schema of a decimal sent as a JSON number (SPEC A4: Spryker takes numbers
    too): the server reads it to 15 significant digits (`types.float_text`), so the bounds are
    the largest value of the field's digits that 15 digits can hold, and `multipleOf` its
    scale."""
    if precision is None:
        return {"type": "number"}
    scale = scale or 0
    whole = min(max(precision - scale, 0), DBL_DIG)
    largest = Decimal(10) ** whole - Decimal(1).scaleb(-min(scale, DBL_DIG - whole))
    return {
        "type": "number",
        "minimum": _json_number(-largest),
        "maximum": _json_number(largest),
        "multipleOf": _json_number(Decimal(1).scaleb(-scale)),
    }


def _json_number(value):
    return int(value) if value == value.to_integral_value() else float(value)


def field_schema(field, *, nullable, read_only=False, rules=None):
    """Return the documented schema of one field; `rules` is the column's integer range in a
    request (rules are checked on writes), None in a row (stored data may predate them)."""
    schema = {"title": field.name}
    schema.update(typed_schema(field) if rules is None else value_schema(field, rules or None))
    description = field.description or (IDENTIFIER_DESCRIPTION if field.is_identifier else "")
    if rules is not None and rules_description(field):
        description = f"{description} {rules_description(field)}".strip()
    if description:
        schema["description"] = description
    examples = [v for v in (typed_value(field, e) for e in field.examples) if v is not None]
    if examples:
        schema["example"] = examples[0]
        if len(examples) > 1:
            schema["x-examples"] = examples
    if field.constraints:
        schema["x-constraints"] = list(field.constraints)
    if nullable:  # OpenAPI 3.0.3: `nullable` needs a `type` beside it
        (schema["oneOf"][0] if "oneOf" in schema else schema)["nullable"] = True
    if read_only:
        schema["readOnly"] = True
    return schema


def rules_description(field):
    """Return a sentence for the rules a schema keyword cannot carry (decimal digits, url)."""
    parts = []
    if field.type == "decimal" and field.precision is not None:
        parts.append(f"Decimal with precision {field.precision} and scale {field.scale or 0}.")
    if field.type == "decimal":
        parts.append(
            "A string, or a JSON number (read to 15 significant digits); rows return a string."
        )
    if "url" in field.constraints:
        parts.append("Must be a URL path starting with `/`.")
    return " ".join(parts)


def row_schema(endpoint, relations):
    """Return the schema of a row in responses; `relations` maps an included relation name to
    its child alias."""
    properties = {}
    for field in endpoint.fields:
        column = endpoint.table_info.column(field.column)
        nullable = not field.is_identifier and (column is None or column.nullable)
        properties[field.name] = field_schema(
            field, nullable=nullable, read_only=field.is_identifier
        )
    for name, child_alias in relations.items():
        properties[name] = {
            "type": "array",
            "description": f"Rows of `{child_alias}` included by `include={name}`.",
            "items": ref(row_name(child_alias)),
        }
    return {
        "type": "object",
        "properties": properties,
        "required": [field.name for field in endpoint.fields],
    }


def item_schema(endpoint, kind, *, single=False, exempt=None, relations=None, references=None):
    """Return the schema of one write item of `kind` ("create", "update" or "upsert").

    `exempt` is the child's foreign-key column its relation fills (never required);
    `relations` maps a writable relation name to the component name of its child items;
    `references` maps a field that may be sent as a business-key reference to the component
    name of the key objects (issue 19). An update item of an endpoint with business keys picks
    its row by the identifier or by one whole key.
    """
    rule = ITEM_KINDS[kind]
    references = references or {}
    key_fields = set()
    by_key = bool(endpoint.business_keys) and not single and not rule.creating
    if by_key:
        key_fields = {f.name for key in endpoint.business_keys for f in key.fields}
    properties, required = {}, []
    for field in endpoint.fields:
        if not rule.allows(field, selects_row=not single) and field.name not in key_fields:
            continue
        column = endpoint.table_info.column(field.column)
        must = field.column != exempt and (
            rule.must_send(field, selects_row=not single) or database_requires(kind, field, column)
        )
        nullable = not must and (kind == "create" or column is None or column.nullable)
        if by_key and field.is_identifier:  # null or absent: the row is picked by a key
            nullable = True
        rules = integer_range(endpoint, field) or ()
        properties[field.name] = field_schema(field, nullable=nullable, rules=rules)
        if field.name in references:
            properties[field.name] = {
                "oneOf": [properties[field.name], ref(references[field.name])]
            }
        if must:
            required.append(field.name)
    for name, child_item in (relations or {}).items():
        properties[name] = relation_items_schema(child_item)
    schema = {"type": "object", "properties": properties, "additionalProperties": False}
    if single:  # `{"data": {}}` is no item (SPEC A2: 1301)
        schema["minProperties"] = 1
    identifier = endpoint.identifier.name
    if by_key and identifier in required:
        required.remove(identifier)
        given = field_schema(
            endpoint.identifier, nullable=False, rules=integer_range(endpoint, endpoint.identifier)
        )  # the identifier branch: sent and not null
        schema["anyOf"] = [{"required": [identifier], "properties": {identifier: given}}] + [
            {"required": [f.name for f in key.fields]} for key in endpoint.business_keys
        ]
    if required:
        schema["required"] = required
    return schema


def business_key_name(alias):
    """Return the component name of a reference to a row of `alias` by business key."""
    return f"{alias}.BusinessKey"


def business_key_schema(endpoint):
    """Return the schema of a business-key reference to a row of `endpoint`: an object with
    exactly the fields of one of its keys."""
    objects = []
    for key in endpoint.business_keys:
        properties = {
            f.name: value_schema(f, integer_range(endpoint, f) or None) for f in key.fields
        }
        objects.append(
            {
                "type": "object",
                "properties": properties,
                "required": list(properties),
                "additionalProperties": False,
            }
        )
    description = (
        f"A row of `{endpoint.alias}` named by a business key instead of its identifier: "
        + " or ".join("{" + key.describe() + "}" for key in endpoint.business_keys)
        + ". Needs `view` on it."
    )
    if len(objects) == 1:
        return {"description": description, **objects[0]}
    return {"description": description, "oneOf": objects}


def relation_items_schema(child_item):
    """Return the schema of a relation's value in a write item: a list of child items (an empty
    list writes no child) or one child item, as `engine.plan.walk.nested_rows` reads it."""
    return {
        "description": "Child items written with this item: a list, or one item.",
        "anyOf": [{"type": "array", "items": ref(child_item)}, ref(child_item)],
    }


def database_requires(kind, field, column):
    """Return whether the database refuses an item of `kind` without a value for `field`
    (400 `1302`) although its configuration does not require it: a create must fill a NOT NULL
    column without default; an upsert, which resets unsent fields to NULL, every NOT NULL
    column but the identifier. The document requires what the server requires."""
    if column is None or field.is_identifier:
        return False
    if kind == "create":
        return column.is_required
    return kind == "upsert" and not column.nullable


def ref(name):
    return {"$ref": f"#/components/schemas/{name}"}


def error_schemas():
    """Return the components of the error body (SPEC A7): a list of {message, status, code}."""
    return {
        ERROR: {
            "type": "object",
            "properties": {
                "message": {"type": "string", "example": "Not found"},
                "status": {"type": "integer", "example": 404},
                "code": {"type": "string", "nullable": True, "example": "007"},
            },
            "required": ["message", "status", "code"],
        },
        ERROR_LIST: {"type": "array", "items": ref(ERROR)},
    }
