"""Compile endpoint configurations into frozen objects and cache them per configuration version.

A request asks `snapshot()` once: that costs one cheap query for the version number, or none when
the credential lookup read it along (see `auth.models`). Compiled
endpoints are reused until the version changes, so the hot path never reads configuration rows or
introspects the database.
"""

import logging
import threading
from dataclasses import dataclass, field
from typing import Any

from django.db import connection

from dataexchange import conf, introspection
from dataexchange.engine.plan.types import TYPES, decimal_renderer
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
            if alias not in self._endpoints:
                self._endpoints[alias] = compile_endpoint(alias, self.version)
            return self._endpoints[alias]

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
    )


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
        min=config.min_value,
        max=config.max_value,
        precision=config.precision,
        scale=config.scale,
        constraints=constraints,
        enum_values=tuple(config.enum_values or ()),
        description=config.description,
        examples=examples,
        rules_text=rules_text(config),
        is_identifier=config.column_name == identifier_column,
        check=spec.check,
        coerce=spec.coerce,
        parse=spec.parse,
        render=render,
    )


def rules_text(config):
    """Return `%validationRules%`: the field's validation settings as `key: value` pairs."""
    values = {
        "min": config.min_value,
        "max": config.max_value,
        "precision": config.precision,
        "scale": config.scale,
        "min_length": config.min_length,
        "max_length": config.max_length,
    }
    parts = [f"{key}: {values[attr]}" for key, attr in RULE_KEYS if values[attr] is not None]
    if config.is_required:
        parts.append("is_required: 1")
    return ", ".join(parts)
