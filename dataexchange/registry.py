"""Compile endpoint configurations into frozen objects and cache them per configuration version.

A request asks `snapshot()` once: that costs one cheap query for the version number, or none when
the credential lookup read it along (see `auth.models`). Compiled
endpoints are reused until the version changes, so the hot path never reads configuration rows or
introspects the database.
"""

import json
import logging
import threading
from dataclasses import dataclass, field
from typing import Any

from django.db import connection

from dataexchange import conf, introspection
from dataexchange.engine.plan.types import TYPES, decimal_renderer, integer_bounds
from dataexchange.engine.query.dialects import dialect
from dataexchange.models import ConfigurationVersion
from dataexchange.models import Endpoint as EndpointConfig

logger = logging.getLogger(__name__)

RULE_KEYS = (  # order of %validationRules%, SPEC A7
    ("min", "min"),
    ("max", "max"),
    ("precision", "precision"),
    ("scale", "scale"),
    ("min_length", "min_length"),
    ("max_length", "max_length"),
)


@dataclass(frozen=True, slots=True)
class Field:
    """One exposed column, with everything validation, SQL and rendering need."""

    name: str
    column: str
    quoted: str
    type: str
    creatable: bool
    editable: bool
    required: bool
    min_length: int | None
    max_length: int | None
    min: int | None
    max: int | None
    precision: int | None
    scale: int | None
    constraints: tuple
    enum_values: tuple
    description: str
    examples: tuple
    rules_text: str
    is_identifier: bool
    check: Any
    coerce: Any
    parse: Any
    render: Any


@dataclass(frozen=True, slots=True)
class Relation:
    """A named link from a parent endpoint to the rows of a child endpoint."""

    name: str
    child_alias: str
    child_column: str
    parent_column: str
    editable: bool


@dataclass(frozen=True, slots=True)
class BusinessKey:
    """A declared business key: fields whose values name at most one row (a unique constraint
    covers exactly their columns), in declaration order."""

    fields: tuple
    columns: tuple
    names: frozenset  # visible names: a key object must send exactly these

    def describe(self, values=None):
        """Return the key as text, `sku` or `sku: "A-1"` (composite: comma-separated)."""
        if values is None:
            return ", ".join(f.name for f in self.fields)
        return ", ".join(f"{f.name}: {json_text(v)}" for f, v in zip(self.fields, values))


@dataclass(frozen=True, slots=True)
class Reference:
    """A field whose column a configured relation links to another endpoint's column: a client
    may send that endpoint's business key as an object instead of the value (issue 19)."""

    alias: str  # the referenced endpoint
    column: str  # its column whose value this field stores


def json_text(value):
    """Return a key value as it reads in JSON (strings quoted), for messages."""
    try:
        return json.dumps(value, ensure_ascii=False, default=str)
    except (TypeError, ValueError):
        return str(value)


@dataclass(frozen=True)
class Endpoint:
    """A compiled, immutable endpoint: the only thing the request pipeline reads."""

    alias: str
    table: str
    quoted_table: str
    identifier: Field
    fields: tuple
    by_name: dict
    by_column: dict
    relations: dict
    deletable: bool
    max_batch_size: int
    max_page_limit: int
    max_delete_rows: int
    description: str
    version: int
    table_info: introspection.TableInfo
    select_list: str
    column_index: dict  # column → position in a selected row (hidden relation columns last)
    field_names: tuple  # visible names of the fields, in select order
    checked_fields: tuple  # fields in the order SPEC A4 checks their types (validate.check_types)
    required_fields: tuple
    url_fields: tuple  # fields with the `url` constraint
    conversions: tuple  # (position, visible name, render) of the values rendering must convert
    track_changes: bool = False  # its changes are captured and served by the feed
    business_keys: tuple = ()  # BusinessKeys, in declaration order
    references: dict = field(default_factory=dict)  # field name → Reference (business-key refs)
    _lazy: dict = field(default_factory=dict, compare=False, repr=False)

    def referencing_foreign_keys(self):
        """Return the foreign keys of other tables pointing here (looked up once per version)."""
        if "referencing" not in self._lazy:
            self._lazy["referencing"] = introspection.referencing_foreign_keys(self.table)
        return self._lazy["referencing"]


class Snapshot:
    """The compiled endpoints of one configuration version; compiled lazily alias by alias."""

    def __init__(self, version):
        self.version = version
        self._endpoints = {}
        self._lock = threading.Lock()

    def get(self, alias):
        """Return the active compiled endpoint for `alias`, or None."""
        try:
            return self._endpoints[alias]
        except KeyError:
            pass
        with self._lock:
            compiled = self._endpoints.get(alias)
            if compiled is None:
                compiled = compile_endpoint(alias, self.version)
                if compiled is not None:  # unknown aliases are not kept: callers choose them
                    self._endpoints[alias] = compiled
            return compiled

    def compiled(self, alias):
        """Return the endpoint `alias` if it is already compiled, else None (never compiles)."""
        return self._endpoints.get(alias)

    def all(self):
        """Return every active, servable endpoint, sorted by alias."""
        aliases = EndpointConfig.objects.filter(is_active=True).values_list("alias", flat=True)
        return [ep for ep in (self.get(alias) for alias in sorted(aliases)) if ep is not None]


_state = {"snapshot": None}
_state_lock = threading.Lock()


def snapshot(version=None):
    """Return the snapshot of configuration `version`, by default the current one (one query).

    The API passes the version its credential lookup already read in the same statement."""
    if version is None:
        version = ConfigurationVersion.current()
    current = _state["snapshot"]
    if current is not None and current.version == version:
        return current
    with _state_lock:
        current = _state["snapshot"]
        if current is None or current.version != version:
            current = _state["snapshot"] = Snapshot(version)
        return current


def latest():
    """Return the snapshot this process used last, or None: no query (api.read_ahead plans on
    it, then checks the version its credential statement read)."""
    return _state["snapshot"]


def served_alias(alias):
    """Return `alias` if the current snapshot has served it (a configured, active endpoint),
    else None: a name a caller put in a URL, safe to use as a metrics label only then."""
    current = _state["snapshot"]
    return alias if current is not None and current.compiled(alias) is not None else None


def served_endpoint(alias):
    """Return the compiled endpoint `alias` of the current snapshot if a request has already
    compiled it, else None: no query, never compiles a name a caller invents."""
    current = _state["snapshot"]
    return current.compiled(alias) if current is not None else None


def clear():
    """Forget every compiled endpoint (tests and configuration imports)."""
    _state["snapshot"] = None


def compile_endpoint(alias, version):
    """Return the compiled endpoint for an active configuration `alias`, or None."""
    config = (
        EndpointConfig.objects.filter(alias=alias, is_active=True)
        .prefetch_related("fields", "relations__child")
        .first()
    )
    if config is None or config.alias != alias:  # MariaDB's collation ignores case
        return None
    if introspection.is_disallowed(config.table_name):
        logger.error("Endpoint %s points at disallowed table %s", alias, config.table_name)
        return None
    info = introspection.describe_table(config.table_name)
    if info is None:
        logger.error("Endpoint %s points at missing table %s", alias, config.table_name)
        return None
    fields = tuple(
        compile_field(f, info, config.identifier)
        for f in config.fields.all()
        if f.is_enabled and info.column(f.column_name) is not None
    )
    by_column = {f.column: f for f in fields}
    identifier = by_column.get(config.identifier)
    if identifier is None:
        logger.error("Endpoint %s has no enabled identifier field %s", alias, config.identifier)
        return None
    relations = {
        r.name: Relation(r.name, r.child.alias, r.child_field, r.parent_field, r.is_editable)
        for r in config.relations.all()
        if r.child.is_active
    }
    business_keys = compile_business_keys(config, by_column)
    references = compile_references(config, relations, fields)
    quote = connection.ops.quote_name
    hidden = [
        c
        for c in dict.fromkeys(r.parent_column for r in relations.values())
        if c not in by_column and info.column(c) is not None
    ]
    columns = [f.column for f in fields] + hidden
    return Endpoint(
        alias=config.alias,
        table=config.table_name,
        quoted_table=quote(config.table_name),
        identifier=identifier,
        fields=fields,
        by_name={f.name: f for f in fields},
        by_column=by_column,
        relations=relations,
        deletable=config.is_deletable,
        max_batch_size=config.max_batch_size or conf.get("MAX_BATCH_SIZE"),
        max_page_limit=config.max_page_limit or conf.get("MAX_PAGE_LIMIT"),
        max_delete_rows=config.max_delete_rows or conf.get("MAX_DELETE_ROWS"),
        description=config.description,
        version=version,
        table_info=info,
        select_list=", ".join(quote(c) for c in columns),
        column_index={c: i for i, c in enumerate(columns)},
        field_names=tuple(f.name for f in fields),
        checked_fields=tuple(sorted(fields, key=lambda f: TYPE_CHECK_ORDER.get(f.type, 4))),
        required_fields=tuple(f for f in fields if f.required),
        url_fields=tuple(f for f in fields if "url" in f.constraints),
        conversions=tuple(
            (position, f.name, f.render)
            for position, f in enumerate(fields)
            if not is_native(f, info.column(f.column))
        ),
        track_changes=config.track_changes,
        business_keys=business_keys,
        references=references,
    )


def compile_business_keys(config, by_column):
    """Return the BusinessKeys of a configuration; a key naming a column that is not an enabled
    field is left out (and logged): the configuration rules refuse it, a later change of the
    field grid may still leave it behind."""
    keys = []
    for columns in config.business_keys or ():
        fields = tuple(by_column.get(c) for c in columns)
        if not columns or None in fields:
            logger.error("Endpoint %s: business key %s has no enabled field", config.alias, columns)
            continue
        keys.append(BusinessKey(fields, tuple(columns), frozenset(f.name for f in fields)))
    return tuple(keys)


def compile_references(config, relations, fields):
    """Return {field name: Reference} of the fields a configured relation links to another
    endpoint: a relation of another endpoint whose child is this one through the field's column
    (the usual foreign key: `price-products.fk_currency` ← `currencies`), else a relation of
    this endpoint from the field's column (a relation to the row it points at). One query, per
    configuration version."""
    from dataexchange.models import EndpointRelation

    incoming = {}
    for parent_alias, child_field, parent_field in (
        EndpointRelation.objects.filter(child=config, parent__is_active=True)
        .exclude(parent=config)
        .order_by("parent__alias", "name")
        .values_list("parent__alias", "child_field", "parent_field")
    ):
        incoming.setdefault(child_field, Reference(parent_alias, parent_field))
    outgoing = {}
    for relation in relations.values():
        if relation.child_alias != config.alias:
            outgoing.setdefault(
                relation.parent_column, Reference(relation.child_alias, relation.child_column)
            )
    # A self relation (a tree's parent column) is incoming from this endpoint itself.
    for relation in relations.values():
        if relation.child_alias == config.alias and relation.child_column != config.identifier:
            incoming.setdefault(
                relation.child_column, Reference(config.alias, relation.parent_column)
            )
    references = {}
    for f in fields:
        if f.is_identifier:
            continue
        reference = incoming.get(f.column) or outgoing.get(f.column)
        if reference is not None:
            references[f.name] = reference
    return references


# Spryker runs one validator per type: integer fields first, then string, boolean, decimal, others.
TYPE_CHECK_ORDER = {"integer": 0, "string": 1, "boolean": 2, "decimal": 3}


def is_native(field, column):
    """Return whether the driver's values of `column` need no rendering as `field.type`: the
    dialect's `native_type_codes` (SQLite's columns hold whatever was stored, so none there)."""
    codes = dialect().native_type_codes.get(field.type, ())
    return column.type_code in codes


def compile_field(config, info, identifier_column):
    """Return the compiled Field of one enabled EndpointField row."""
    spec = TYPES.get(config.type, TYPES["string"])
    column = info.column(config.column_name)
    render = spec.render
    if config.type == "decimal":
        render = decimal_renderer(column.scale if column.scale is not None else config.scale)
    constraints = tuple(
        c["name"] if isinstance(c, dict) else str(c) for c in (config.constraints or [])
    )
    examples = tuple(e.strip() for e in config.examples.split(",") if e.strip())
    low, high = config.min_value, config.max_value
    if config.type == "integer":
        low, high = integer_bounds(column.django_type if column else None, low, high)
    return Field(
        name=config.visible_name,
        column=config.column_name,
        quoted=connection.ops.quote_name(config.column_name),
        type=config.type if config.type in TYPES else "string",
        creatable=config.is_creatable,
        editable=config.is_editable,
        required=config.is_required,
        min_length=config.min_length,
        max_length=config.max_length,
        min=low,
        max=high,
        precision=config.precision,
        scale=config.scale,
        constraints=constraints,
        enum_values=tuple(config.enum_values or ()),
        description=config.description,
        examples=examples,
        rules_text=rules_text(config, low, high),
        is_identifier=config.column_name == identifier_column,
        check=spec.check,
        coerce=spec.coerce,
        parse=spec.parse,
        render=render,
    )


def rules_text(config, low, high):
    """Return `%validationRules%`: the field's validation settings as `key: value` pairs; an
    integer field's `min` and `max` are the bounds it is checked against (`low`, `high`): the
    configured ones narrowed to what its column holds."""
    values = {
        "min": low,
        "max": high,
        "precision": config.precision,
        "scale": config.scale,
        "min_length": config.min_length,
        "max_length": config.max_length,
    }
    parts = [f"{key}: {values[attr]}" for key, attr in RULE_KEYS if values[attr] is not None]
    if config.is_required:
        parts.append("is_required: 1")
    return ", ".join(parts)
