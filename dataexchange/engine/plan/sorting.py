"""Plan stage — sorting and sparse fields (SPEC B4): `sort=name,-id` and `fields=a,b` checked and
applied.

Rows are ordered by the sort fields, then by the identifier, so that paging and streaming stay
stable. NULL sorts as the smallest value on every backend (first ascending, last descending), the
native order of SQLite and MariaDB; PostgreSQL is told so with NULLS FIRST/LAST.
"""

from dataclasses import dataclass

from dataexchange.engine.query.dialects import dialect
from dataexchange.errors import Code, fail


@dataclass(frozen=True, slots=True)
class SortKey:
    """One ORDER BY term on a compiled field."""

    field: object
    descending: bool = False


def plan_sort(endpoint, names):
    """Return the SortKeys of `sort` names (`-` for descending), raising 1406 for unknown ones."""
    keys, seen = [], set()
    for name in names:
        descending = name.startswith("-")
        bare = name.lstrip("-+").strip()
        field = endpoint.by_name.get(bare)
        if field is None:
            fail(Code.SORT_FIELD_NOT_FOUND, field=bare, aliasName=endpoint.alias)
        if bare not in seen:
            seen.add(bare)
            keys.append(SortKey(field, descending))
    return tuple(keys)


def plan_fields(endpoint, names):
    """Return the visible names of `fields` in request order, None for all; 1406 if unknown."""
    if not names:
        return None
    for name in names:
        if name not in endpoint.by_name:
            fail(Code.SORT_FIELD_NOT_FOUND, field=name, aliasName=endpoint.alias)
    return tuple(dict.fromkeys(names))


def order_keys(endpoint, order):
    """Return the complete ORDER BY keys: the sort fields, then the identifier as tie-breaker."""
    if any(key.field.is_identifier for key in order):
        return tuple(order)
    return (*order, SortKey(endpoint.identifier))


def order_by_sql(endpoint, order):
    """Return the ORDER BY list for `order`, or None for the default (identifier ascending)."""
    if not order:
        return None
    nulls = dialect().nulls_smallest_sql
    terms = []
    for key in order_keys(endpoint, order):
        term = key.field.quoted + (" DESC" if key.descending else "")
        terms.append(term + nulls(key.descending))
    return ", ".join(terms)


def project(endpoint, row, names):
    """Return `row` restricted to the visible `names` (in that order), keeping relation keys."""
    if names is None:
        return row
    sparse = {name: row[name] for name in names}
    sparse.update((key, value) for key, value in row.items() if key not in endpoint.by_name)
    return sparse


def project_rows(endpoint, rows, names):
    """Return rendered rows restricted to `names` (all rows unchanged when None)."""
    if names is None:
        return rows
    return [project(endpoint, row, names) for row in rows]
