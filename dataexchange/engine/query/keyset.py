"""Query stage — keyset pagination for streaming exports (SPEC B6): read every row of a plan chunk
by chunk.

Each chunk is one query continuing strictly after the last row sent, on the complete sort key (the
`sort` fields, then the identifier, which is unique), so nothing is held open between chunks and
paging costs no OFFSET. NULL is the smallest value (sorting.order_by_sql), so the first sort key
splits the rows in two segments, NULLs and values, in sort order; each query stays inside one
segment so that an index on (sort columns, identifier) can serve it as a range scan.

Sort values are compared as stored, read back by the identifier of the last row sent, not as they
came through Python: single-precision floats printed as text, or SQLite timestamps written by other
tools, would not compare equal to themselves and rows would repeat. The Python value is only the
fallback should that row be deleted meanwhile.
"""

from dataclasses import dataclass

from dataexchange.engine.plan.read_plan import Condition
from dataexchange.engine.plan.sorting import order_by_sql, order_keys
from dataexchange.engine.query import sql

NULLS, VALUES = "nulls", "values"
FIRST_CHUNK = 500  # a small first query, so that the first rows leave early
CHUNK = 2000


@dataclass(frozen=True)
class Position:
    """Where the next chunk starts: in `segment`, after the row with sort `values` and identifier
    `last_id`, or at the start of the segment when `values` is None."""

    segment: str
    values: tuple | None = None
    last_id: object = None


@dataclass(frozen=True)
class After:
    """The keyset condition: the `op` of a Condition (sql.where_clause) valued by a Position."""

    keys: tuple
    table: str
    identifier: str

    def sql(self, column, at):
        """Return (sql, params) selecting the rows after Position `at`."""
        lead = self.keys[0].field.quoted
        if at.values is None:
            return f"{lead} IS {'' if at.segment == NULLS else 'NOT '}NULL", []
        rest, rest_params = self.branches(self.keys[1:], at.values[1:], at.last_id)
        if at.segment == NULLS:
            return f"{lead} IS NULL AND {rest}", rest_params
        stored, params = self.stored(self.keys[0], at.values[0], at.last_id)
        after, range_ = ("<", "<=") if self.keys[0].descending else (">", ">=")
        if len(self.keys) == 1:
            return f"{lead} {after} {stored}", params
        return (
            f"{lead} {range_} {stored} AND ({lead} {after} {stored}"
            f" OR ({lead} = {stored} AND {rest}))",
            [*params, *params, *params, *rest_params],
        )

    def branches(self, keys, values, last_id):
        """Return `(k1 beyond v1) OR (k1 = v1 AND k2 beyond v2) OR ...`, NULL smallest."""
        branches, params, equal, equal_params = [], [], [], []
        for key, current in zip(keys, values):
            quoted = key.field.quoted
            stored, stored_params = self.stored(key, current, last_id)
            beyond = _beyond(quoted, key.descending, current, stored)
            if current is None:
                stored_params = []
            if beyond is not None:
                branches.append(" AND ".join([*equal, beyond]))
                params += [*equal_params, *stored_params]
            equal.append(f"{quoted} IS NULL" if current is None else f"{quoted} = {stored}")
            equal_params += stored_params
        if not branches:
            return "1 = 0", []
        return "(" + " OR ".join(f"({branch})" for branch in branches) + ")", params

    def stored(self, key, current, last_id):
        """Return (sql, params) of a sort value as stored in the last row sent."""
        if key.field.is_identifier:
            return "%s", [current]
        select = f"SELECT {key.field.quoted} FROM {self.table} WHERE {self.identifier} = %s"
        return f"COALESCE(({select}), %s)", [last_id, current]


def _beyond(quoted, descending, current, stored):
    if current is None:
        return None if descending else f"{quoted} IS NOT NULL"
    if descending:
        return f"({quoted} < {stored} OR {quoted} IS NULL)"
    return f"{quoted} > {stored}"


def segments(keys):
    """Return the segments of the first sort key in sort order (identifiers are never NULL)."""
    if keys[0].field.is_identifier:
        return (VALUES,)
    return (VALUES, NULLS) if keys[0].descending else (NULLS, VALUES)


def row_chunks(endpoint, plan, first=FIRST_CHUNK, size=CHUNK):
    """Yield the selected rows of a plan chunk by chunk, one query per chunk.

    The first query is the plain ordered one, with the plan's offset; the next ones continue from
    the last row sent. Paging limits the total when the plan has a limit.
    """
    if plan.impossible:
        return
    keys = order_keys(endpoint, plan.order)
    positions = [endpoint.column_index[key.field.column] for key in keys]
    identifier = endpoint.column_index[endpoint.identifier.column]
    after, order = After(keys, endpoint.quoted_table, endpoint.identifier.quoted), segments(keys)
    order_by = order_by_sql(endpoint, plan.order)
    conditions, offset, remaining, limit, at = plan.conditions, plan.offset, plan.limit, first, None
    while remaining is None or remaining > 0:
        limit = limit if remaining is None else min(limit, remaining)
        rows = sql.select(endpoint, conditions, offset=offset, limit=limit, order_by=order_by)
        if rows:
            yield rows
            remaining = None if remaining is None else remaining - len(rows)
        if len(rows) < limit:
            if at is None or at.segment == order[-1]:
                return
            at = Position(order[-1])
        else:
            values = tuple(rows[-1][position] for position in positions)
            at = Position(NULLS if values[0] is None else VALUES, values, rows[-1][identifier])
        conditions = (*plan.conditions, Condition(endpoint.identifier, after, at))
        offset, limit = 0, size
