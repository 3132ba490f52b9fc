"""Render stage of the feed: entries with the rows as the endpoint shows them now.

The rows of one page are read in ONE query (`identifier IN (...)`) through the engine's own
select and renderer, so `data` has the visible names and types of a GET. `data` is the row as it
is *now*: null for a delete, and null too for a create or update whose row has been deleted
since (its delete entry follows later in the feed).
"""

from dataexchange.engine.plan.read_plan import Condition
from dataexchange.engine.plan.types import Unmatchable, render_datetime
from dataexchange.engine.query import sql
from dataexchange.engine.render.rows import _key as row_key
from dataexchange.engine.render.rows import render_rows

DELETE = "delete"


def feed_items(endpoint, entries):
    """Return the wire items of `entries` (ChangeEntry rows of `endpoint`'s table)."""
    rows = current_rows(endpoint, {e.identifier for e in entries if e.operation != DELETE})
    field = endpoint.identifier
    return [
        {
            "cursor": str(entry.position),
            "operation": entry.operation,
            "identifier": identifier_value(field, entry.identifier),
            "data": rows.get(entry.identifier) if entry.operation != DELETE else None,
            "changedAt": render_datetime(entry.changed_at),
        }
        for entry in entries
    ]


def current_rows(endpoint, identifiers):
    """Return {identifier text: rendered row} of the rows that still exist, in one query."""
    field = endpoint.identifier
    parsed = {}
    for text in identifiers:
        try:
            parsed[row_key(field.parse(text))] = text
        except (Unmatchable, ValueError):
            continue
    if not parsed:
        return {}
    condition = Condition(field, "in", tuple(field.parse(t) for t in parsed.values()))
    found = sql.select(endpoint, (condition,))
    position = endpoint.column_index[field.column]
    rendered = render_rows(endpoint, found)
    return {
        parsed[key]: item
        for row, item in zip(found, rendered, strict=True)
        if (key := row_key(row[position])) in parsed
    }


def identifier_value(field, text):
    """Return the identifier as the endpoint renders it (an integer for an integer field);
    the stored text when it does not parse as the field's type."""
    try:
        return field.render(field.parse(text))
    except (Unmatchable, ValueError, TypeError, ArithmeticError):
        return text
