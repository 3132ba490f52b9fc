"""The rules an endpoint configuration must follow, shared by the admin and the file importer.

Both describe an endpoint as an `EndpointSpec` (its fields and relations included) and ask
`validate_endpoint_config` for the problems, so a back-office user and an import file get the
same messages. `propose_endpoint` turns a table's columns into the spec the admin starts from.
"""

import re
from dataclasses import dataclass, field, replace

from dataexchange import introspection
from dataexchange.models import ALIAS_PATTERN, Endpoint, FieldType

ALIAS_RE = re.compile(ALIAS_PATTERN)
FIELD_TYPES = tuple(FieldType.values)
CONSTRAINTS = ("url",)
RESERVED_NAME = "identifier"  # SPEC A2: accepted in any item as the identifier's value

# Validation setting (model attribute) → its key in configuration files and messages (SPEC A10).
RULE_KEYS = {
    "is_required": "isRequired",
    "min_length": "minLength",
    "max_length": "maxLength",
    "min_value": "min",
    "max_value": "max",
    "precision": "precision",
    "scale": "scale",
    "constraints": "constraints",
}

# The validation settings each type accepts, besides isRequired (Spryker's FieldType*ValidatorRule;
# `url` only makes sense on strings, and float, date and datetime carry no bounds).
RULES_BY_TYPE = {
    "integer": ("min_value", "max_value"),
    "string": ("min_length", "max_length", "constraints"),
    "decimal": ("precision", "scale"),
    "boolean": (),
    "float": (),
    "date": (),
    "datetime": (),
}

# (lower, upper, may they be equal, message) for settings that bound each other.
ORDERED_RULES = (
    ("min_value", "max_value", False, "`min` must be less than `max`."),
    ("min_length", "max_length", True, "`minLength` must not be greater than `maxLength`."),
    ("scale", "precision", False, "`scale` must be less than `precision`."),
)
# The range of each numeric setting: what makes sense, within what its column can store.
BIG = 2**63
RULE_RANGE = {
    "min_length": (0, 2**31 - 1),
    "max_length": (1, 2**31 - 1),
    "min_value": (-BIG, BIG - 1),
    "max_value": (-BIG, BIG - 1),
    "precision": (1, 1000),
    "scale": (0, 1000),
}
LIMIT_RANGE = (1, 2**31 - 1)  # maxBatchSize, maxPageLimit and maxDeleteRows
LIMITS = (
    ("max_batch_size", "maxBatchSize"),
    ("max_page_limit", "maxPageLimit"),
    ("max_delete_rows", "maxDeleteRows"),
)

NAME_RULE = "Allowed characters: a-z, A-Z, 0-9, _ and - (at most 255)."
MAX_NAME_LENGTH = 255  # of aliases, table, column, visible and relation names (model columns)


@dataclass(frozen=True)
class FieldSpec:
    """One column of an endpoint, exposed (when enabled) under its visible name."""

    column_name: str
    visible_name: str
    type: str = FieldType.STRING
    is_enabled: bool = True
    is_creatable: bool = True
    is_editable: bool = True
    is_required: bool = False
    min_length: int | None = None
    max_length: int | None = None
    min_value: int | None = None
    max_value: int | None = None
    precision: int | None = None
    scale: int | None = None
    constraints: tuple[str, ...] = ()
    description: str = ""
    examples: str = ""
    enum_values: tuple = ()

    def rules(self):
        """Return the attributes of the validation settings given, isRequired aside."""
        return [
            attr for attr in RULE_KEYS if attr != "is_required" and _is_set(getattr(self, attr))
        ]


@dataclass(frozen=True)
class RelationSpec:
    """A named link to the child endpoint rows whose `child_field` equals our `parent_field`."""

    name: str
    child_alias: str
    child_field: str
    parent_field: str
    is_editable: bool = True


@dataclass(frozen=True)
class EndpointSpec:
    """An endpoint as configured: table, resource name, identifier, fields and relations."""

    alias: str
    table_name: str
    identifier: str
    is_active: bool = False
    is_deletable: bool = False
    description: str = ""
    max_batch_size: int | None = None
    max_page_limit: int | None = None
    max_delete_rows: int | None = None
    track_changes: bool = False
    fields: tuple[FieldSpec, ...] = ()
    relations: tuple[RelationSpec, ...] = ()


@dataclass(frozen=True)
class Problem:
    """One broken rule: a message for people, and where it is (for forms and file positions)."""

    message: str
    section: str = "endpoint"  # "endpoint", "fields" or "relations"
    index: int | None = None  # position in `fields` or `relations`
    attr: str | None = None  # the spec attribute at fault, when there is one

    def __str__(self):
        return self.message


@dataclass
class Catalog:
    """The other configured endpoints (alias → table) and a memo of described tables."""

    tables_by_alias: dict
    _described: dict = field(default_factory=dict, repr=False)

    @classmethod
    def from_database(cls, *, exclude_pk=None):
        """Return the catalog of the configured endpoints, leaving out the one being edited."""
        rows = Endpoint.objects.exclude(pk=exclude_pk).values_list("alias", "table_name")
        return cls(dict(rows))

    def describe(self, table_name):
        """Return the TableInfo of `table_name` (None when missing), introspecting it once."""
        if table_name not in self._described:
            self._described[table_name] = introspection.describe_table(table_name)
        return self._described[table_name]

    def usable(self, table_name):
        """Return the TableInfo of an existing, allowed table, else None (its checks are moot)."""
        if not table_name or introspection.is_disallowed(table_name):
            return None
        return self.describe(table_name)

    def alias_using(self, *, alias=None, table=None):
        """Return the other endpoint's alias that has this alias or table (case-insensitive)."""
        for other_alias, other_table in self.tables_by_alias.items():
            if alias and other_alias.lower() == alias.lower():
                return other_alias
            if table and other_table.lower() == table.lower():
                return other_alias
        return None


def validate_endpoint_config(spec, catalog):
    """Return every problem of an endpoint configuration, in form order."""
    return [
        *endpoint_problems(spec, catalog),
        *field_problems(spec, catalog),
        *relation_problems(spec, catalog),
    ]


def endpoint_problems(spec, catalog):
    """Return the problems of the resource name, the table and the identifier column."""
    problems = naming_problems(spec, catalog)
    for attr, key in LIMITS:
        message = _range_problem(getattr(spec, attr), *LIMIT_RANGE)
        if message:
            problems.append(_problem(f"`{key}` {message}", attr))
    info = catalog.usable(spec.table_name)
    if not spec.identifier:
        problems.append(
            _problem("Identifier is required: choose the column that identifies a row.")
        )
    elif info is not None and info.column(spec.identifier) is None:
        problems.append(
            _problem(f"Identifier `{spec.identifier}` is not a column of table `{info.name}`.")
        )
    elif info is not None and spec.identifier not in info.unique_columns:
        problems.append(
            _problem(
                f"Identifier `{spec.identifier}` is not unique in table `{info.name}`; choose the "
                "primary key or another column with a unique constraint."
            )
        )
    if spec.track_changes and info is not None and introspection.is_view(spec.table_name):
        problems.append(
            _problem(
                f"Changes of `{spec.table_name}` cannot be tracked: it is a view, and row "
                "triggers need a table.",
                "track_changes",
            )
        )
    return problems


def naming_problems(spec, catalog):
    """Return the problems of the resource name and the table alone."""
    return [*_alias_problems(spec, catalog), *_table_problems(spec, catalog)]


def _problem(message, attr="identifier"):
    return Problem(message, "endpoint", None, attr)


def name_problem(value, label):
    """Return what is wrong with a resource, visible or relation name, or None."""
    if not value:
        return f"{label} is required."
    if not ALIAS_RE.match(value) or len(value) > MAX_NAME_LENGTH:
        return f"{label} `{value}` is not valid. {NAME_RULE}"
    return None


def _alias_problems(spec, catalog):
    message = name_problem(spec.alias, "Resource name")
    if message:
        return [_problem(message, "alias")]
    other = catalog.alias_using(alias=spec.alias)
    if other is not None:
        table = catalog.tables_by_alias[other]
        message = (
            f"Resource name `{spec.alias}` is already used by the endpoint of table `{table}`."
        )
        return [_problem(message, "alias")]
    return []


def _table_problems(spec, catalog):
    table = spec.table_name
    if not table:
        return [_problem("Table name is required.", "table_name")]
    if introspection.is_disallowed(table):
        message = (
            f"Table `{table}` is not allowed for Data Exchange: it is on the list of tables "
            "that may never be exposed."
        )
        return [_problem(message, "table_name")]
    if catalog.describe(table) is None:
        return [_problem(f"Table `{table}` does not exist in the database.", "table_name")]
    other = catalog.alias_using(table=table)
    if other is not None:
        return [
            _problem(f"Table `{table}` is already exposed by endpoint `{other}`.", "table_name")
        ]
    return []


def field_problems(spec, catalog):
    """Return the problems of each field and of the field list as a whole."""
    info = catalog.usable(spec.table_name)
    problems = []
    for index, field_spec in enumerate(spec.fields):
        for message, attr in _one_field_problems(field_spec, spec, info):
            problems.append(Problem(message, "fields", index, attr))
    problems += _duplicate_problems(spec.fields, "column_name", "Column `{}` is configured twice.")
    problems += _duplicate_problems(
        spec.fields, "visible_name", "Visible name `{}` is used by more than one field."
    )
    problems += _identifier_field_problems(spec)
    return problems


def _one_field_problems(field_spec, spec, info):
    """Yield (message, attr) for one field within its endpoint."""
    column = field_spec.column_name
    if not column:
        yield "Column name is required.", "column_name"
    elif info is not None and info.column(column) is None:
        yield f"Column `{column}` does not exist in table `{info.name}`.", "column_name"
    name = field_spec.visible_name
    if name == RESERVED_NAME and column != spec.identifier:
        yield f"Visible name `{name}` is reserved for the identifier field.", "visible_name"
    yield from field_value_problems(field_spec)


def field_value_problems(field_spec):
    """Yield (message, attr) for what a field gets wrong on its own: name, type and rules."""
    message = name_problem(field_spec.visible_name, "Visible name")
    if message:
        yield message, "visible_name"
    if field_spec.type not in RULES_BY_TYPE:
        allowed = ", ".join(FIELD_TYPES)
        yield f"Type `{field_spec.type}` is not supported. Allowed types: {allowed}.", "type"
    else:
        yield from _rule_problems(field_spec)


def _rule_problems(field_spec):
    """Yield (message, attr) for validation settings that do not fit the type or each other."""
    allowed = RULES_BY_TYPE[field_spec.type]
    given = field_spec.rules()
    misfits = [attr for attr in given if attr not in allowed]
    if misfits:
        keys = ", ".join(RULE_KEYS[attr] for attr in misfits)
        fitting = ", ".join(RULE_KEYS[attr] for attr in ("is_required", *allowed))
        yield (
            f"Validation rule(s) `{keys}` not allowed for type `{field_spec.type}`. "
            f"Allowed: {fitting}.",
            misfits[0],
        )
    for attr, (lowest, highest) in RULE_RANGE.items():
        message = _range_problem(getattr(field_spec, attr), lowest, highest)
        if attr in given and message:
            yield f"`{RULE_KEYS[attr]}` {message}", attr
    for lower, upper, may_equal, message in ORDERED_RULES:
        low, high = getattr(field_spec, lower), getattr(field_spec, upper)
        if low is not None and high is not None and (low > high or (low == high and not may_equal)):
            yield message, upper if lower != "scale" else lower
    if field_spec.scale is not None and field_spec.precision is None and "scale" in allowed:
        yield "`scale` needs `precision`.", "precision"
    for name in field_spec.constraints:
        if name not in CONSTRAINTS:
            yield (
                f"Constraint `{name}` is not supported. Allowed constraints: "
                f"{', '.join(CONSTRAINTS)}.",
                "constraints",
            )


def _range_problem(value, lowest, highest):
    if value is not None and value < lowest:
        return f"must be at least {lowest}."
    if value is not None and value > highest:
        return f"must be at most {highest}."
    return None


def _duplicate_problems(items, attr, template):
    seen = set()
    problems = []
    for index, item in enumerate(items):
        value = getattr(item, attr)
        key = value.lower() if isinstance(value, str) else value
        if value and key in seen:
            section = "fields" if isinstance(item, FieldSpec) else "relations"
            problems.append(Problem(template.format(value), section, index, attr))
        seen.add(key)
    return problems


def _identifier_field_problems(spec):
    if not spec.identifier:
        return []
    message = f"Identifier `{spec.identifier}` must be an enabled field."
    for index, field_spec in enumerate(spec.fields):
        if field_spec.column_name == spec.identifier:
            if field_spec.is_enabled:
                return []
            return [Problem(message, "fields", index, "is_enabled")]
    return [Problem(message, "endpoint", None, "identifier")]


def relation_problems(spec, catalog):
    """Return the problems of each relation: its name, its child, the columns on both sides."""
    problems = []
    for index, relation in enumerate(spec.relations):
        for message, attr in _one_relation_problems(relation, spec, catalog):
            problems.append(Problem(message, "relations", index, attr))
    problems += _duplicate_problems(spec.relations, "name", "Relation name `{}` is used twice.")
    return problems


def _one_relation_problems(relation, spec, catalog):
    """Yield (message, attr) for one relation."""
    message = name_problem(relation.name, "Relation name")
    if message:
        yield message, "name"
    parent_info = catalog.usable(spec.table_name)
    yield from _mapping_problems(relation.parent_field, parent_info, "parent", "parent_field")
    if relation.child_alias == spec.alias:
        child_table = spec.table_name
    else:
        child_table = catalog.tables_by_alias.get(relation.child_alias)
    if child_table is None:
        yield f"Child endpoint `{relation.child_alias}` does not exist.", "child_alias"
        return
    child_info = catalog.usable(child_table)
    yield from _mapping_problems(relation.child_field, child_info, "child", "child_field")


def _mapping_problems(column, info, side, attr):
    if not column:
        yield f"The {side} column of the relation is required.", attr
    elif info is not None and info.column(column) is None:
        yield f"Column `{column}` not found in {side} table `{info.name}`.", attr


def _is_set(value):
    return value is not None and value != () and value != []


def propose_endpoint(info, alias=None):
    """Return the configuration the admin starts from for a table: one field per column.

    Types, lengths, precision and required come from the columns; the identifier is the primary
    key (else the first unique column). Only the identifier is enabled: the user picks the rest.
    """
    identifier = info.primary_key or next(
        (c.name for c in info.columns if c.name in info.unique_columns), ""
    )
    fields = tuple(propose_field(column, column.name == identifier) for column in info.columns)
    return EndpointSpec(
        alias=alias or introspection.propose_alias(info.name),
        table_name=info.name,
        identifier=identifier,
        fields=fields,
    )


def propose_field(column, is_identifier=False):
    """Return the field proposed for one column, enabled only when it is the identifier."""
    spec = FieldSpec(
        column_name=column.name,
        visible_name=column.name,
        type=column.api_type,
        is_enabled=is_identifier,
        is_creatable=not column.is_auto,
        is_editable=not (column.is_auto or column.is_primary_key),
        is_required=column.is_required,
    )
    if column.api_type == FieldType.STRING and column.max_length:
        spec = replace(spec, max_length=column.max_length)
    if column.api_type == FieldType.DECIMAL and column.precision:
        spec = replace(spec, precision=column.precision, scale=column.scale)
    return spec
