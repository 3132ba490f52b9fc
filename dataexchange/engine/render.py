"""Render stage: shape database rows and errors into the JSON the API answers."""

from django.db import connection
from django.http import HttpResponse

import orjson

from dataexchange.engine import sql

JSON = "application/json"


def render_row(endpoint, row):
    """Return one row (a tuple in `endpoint.select_list` order) keyed by visible names.

    Values the driver already gives in their JSON form are taken as they are (hidden relation
    columns at the end of the row fall off the zip); the others are converted in place."""
    item = dict(zip(endpoint.field_names, row))
    for position, name, render in endpoint.conversions:
        item[name] = render(row[position])
    return item


def render_rows(endpoint, rows, includes=()):
    """Return rendered rows with their included children nested under relation names."""
    rendered = [render_row(endpoint, row) for row in rows]
    for include in includes:
        attach_children(endpoint, rows, rendered, include)
    return rendered


def attach_children(endpoint, rows, rendered, include):
    """Load one relation's children for all `rows` in one query and nest them (no N+1)."""
    relation, child = include.relation, include.endpoint
    position = endpoint.column_index[relation.parent_column]
    keys = {row[position] for row in rows if row[position] is not None}
    if not keys:
        return
    key_column = connection.ops.quote_name(relation.child_column)
    child_rows = sql.select_in(child, key_column, keys, extra_columns=key_column)
    child_rendered = render_rows(child, [r[:-1] for r in child_rows], include.children)
    groups = {}
    for row, item in zip(child_rows, child_rendered):
        groups.setdefault(_key(row[-1]), []).append(item)
    for row, item in zip(rows, rendered):
        children = groups.get(_key(row[position]))
        if children:
            item[relation.name] = children


def _key(value):
    """Normalise join keys so that 5 and '5' (or Decimal 5) meet."""
    return str(value) if value is not None else None


def json_response(payload, status=200, headers=None):
    """Return an HttpResponse with `payload` serialised by orjson (204: no body at all)."""
    body = b"" if status == 204 else orjson.dumps(payload, option=orjson.OPT_PASSTHROUGH_DATACLASS)
    response = HttpResponse(body, status=status, content_type=JSON)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def error_response(errors, status=None, headers=None):
    """Return the A7 error body: a top-level array of {message, status, code}."""
    status = status or errors[-1].status
    return json_response([e.as_dict() for e in errors], status, headers)
