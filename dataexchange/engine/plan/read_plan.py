"""Plan stage for reads and deletes: check the query against a compiled endpoint."""

from dataclasses import dataclass

from dataexchange import conf
from dataexchange.engine.parse.params import DEPTH_CEILING, parse_filter_value
from dataexchange.engine.plan.operators import is_operator, plan_operator
from dataexchange.engine.plan.sorting import plan_fields, plan_sort
from dataexchange.engine.plan.types import Unmatchable
from dataexchange.engine.plan.walk import walk_chain
from dataexchange.errors import Code, fail


@dataclass(frozen=True, slots=True)
class Condition:
    """One WHERE condition on a compiled field: `op` is 'eq', 'in' or a B3 Operator object."""

    field: object
    op: str
    value: object


@dataclass(frozen=True, slots=True)
class Include:
    """One relation to load under each row, with its own nested includes."""

    relation: object
    endpoint: object
    children: tuple


@dataclass(frozen=True, slots=True)
class ReadPlan:
    """What to select: conditions (AND), paging, includes; `impossible` when nothing can match.

    `order` holds the B4 sort keys (empty: by identifier); `fields` the visible names to return
    (None: all)."""

    endpoint: object
    conditions: tuple
    offset: int
    limit: int | None
    includes: tuple
    impossible: bool
    order: tuple = ()
    fields: tuple | None = None


def plan_read(snapshot, endpoint, raw, *, paged=True):
    """Return the ReadPlan of a RawQuery, raising 1315/1405/1313/1402/1406 for bad parameters."""
    conditions = []
    impossible = False
    for raw_filter in raw.filters:
        field = endpoint.by_name.get(raw_filter.field)
        if field is None:
            fail(
                Code.FILTER_FIELD_NOT_FOUND, filterField=raw_filter.field, aliasName=endpoint.alias
            )
        condition = plan_condition(field, raw_filter.value, endpoint)
        if condition is None:
            impossible = True
        else:
            conditions.append(condition)
    offset, limit = plan_paging(endpoint, raw) if paged else (0, None)
    includes = plan_includes(snapshot, endpoint, raw.include)
    order, fields = plan_sort(endpoint, raw.sort), plan_fields(endpoint, raw.fields)
    return ReadPlan(endpoint, tuple(conditions), offset, limit, includes, impossible, order, fields)


def plan_condition(field, text, endpoint=None):
    """Return the Condition of a filter value, or None when it can never match."""
    op, value = parse_filter_value(text)
    if op in ("in", "IN") and isinstance(value, list):
        values = []
        for item in value:
            try:
                values.append(field.parse(_as_text(item)))
            except Unmatchable:
                continue
        return Condition(field, "in", tuple(values)) if values else None
    if is_operator(op):  # SPEC B3, and `in` without a list
        return Condition(field, *plan_operator(endpoint, field, op, value))
    try:
        return Condition(field, "eq", field.parse(text))
    except Unmatchable:
        return None


def _as_text(value):
    if value is True:
        return "1"
    if value is False:
        return "0"
    if value is None:
        return ""
    return str(value)


def plan_paging(endpoint, raw):
    """Return (offset, limit): both page parameters or the defaults (SPEC A3)."""
    default = conf.get("DEFAULT_PAGE_LIMIT")
    if raw.offset is None or raw.limit is None:
        return 0, default
    try:
        offset, limit = int(raw.offset), int(raw.limit)
    except ValueError:
        return 0, default
    if offset < 0 or limit < 0:
        return 0, default
    if limit > endpoint.max_page_limit:
        fail(Code.PAGE_LIMIT, limit=limit, max=endpoint.max_page_limit, aliasName=endpoint.alias)
    return min(offset, MAX_OFFSET), limit


# Larger offsets overflow the databases' 64-bit integers; no table holds this many rows anyway.
MAX_OFFSET = 2**62


def plan_includes(snapshot, endpoint, chains):
    """Return the include tree of `include=a.b,c`, raising 1313 for an unknown relation."""
    tree = {}
    # A response nests two levels per included relation: stay within what the JSON writer takes.
    depth = min(conf.get("MAX_JSON_DEPTH"), DEPTH_CEILING // 2)
    for chain in chains:
        if len(chain) > depth:
            fail(Code.RELATION_NOT_FOUND, relationName=chain[depth])
        level = tree
        for name, relation, child in walk_chain(snapshot, endpoint, chain):
            if child is None:
                fail(Code.RELATION_NOT_FOUND, relationName=name)
            level = level.setdefault(name, (relation, child, {}))[2]
    return _freeze(tree)


def _freeze(tree):
    return tuple(
        Include(relation, child, _freeze(children)) for relation, child, children in tree.values()
    )
