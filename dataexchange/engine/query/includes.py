"""Query stage for `include`: load the related rows of a set of parent rows, one query per
relation level (no N+1), before anything is rendered; rendering only nests what was loaded."""

from dataclasses import dataclass

from django.db import connection

from dataexchange.engine.query import sql


@dataclass(frozen=True, slots=True)
class Included:
    """The rows one included relation adds to a set of parent rows, with their own includes."""

    include: object  # the planned include (relation, child endpoint, children)
    rows: list  # child rows in the child endpoint's select-list order
    keys: list  # the join key of each child row
    nested: tuple  # Included of the child rows' own includes


def load_includes(endpoint, rows, includes):
    """Return the Included of each planned include of `rows`, depth first."""
    return tuple(load_include(endpoint, rows, include) for include in includes)


def load_include(endpoint, rows, include):
    """Return the Included of one relation: the children of all `rows` in one query."""
    relation, child = include.relation, include.endpoint
    position = endpoint.column_index[relation.parent_column]
    keys = {row[position] for row in rows if row[position] is not None}
    if not keys:
        return Included(include, [], [], ())
    key_column = connection.ops.quote_name(relation.child_column)
    child_rows = sql.select_in(child, key_column, keys, extra_columns=key_column)
    bare = [row[:-1] for row in child_rows]
    nested = load_includes(child, bare, include.children)
    return Included(include, bare, [row[-1] for row in child_rows], nested)
