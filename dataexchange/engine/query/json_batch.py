"""Query stage — PostgreSQL: a batch's values as one JSON parameter typed by the table's own row
type.

`INSERT … SELECT … FROM json_populate_recordset(NULL::table, $1)` and `UPDATE … FROM` the same
source take a whole batch in one statement with one parameter (rather than a parameter per
value), the database converting each value with its column's input function, as it does for a
parameter. json/jsonb columns are the exception (they would receive the JSON value itself, not
the document a string holds), so batches that write them take the portable paths in `sql`.
"""

import datetime as dt
from decimal import Decimal

from django.db import connection

import orjson

from dataexchange.engine.query import sql as sql_module  # chunks(); sql routes batches here
from dataexchange.engine.query.cursor import db_cursor

JSON_TYPE_OIDS = {114, 3802}  # json, jsonb
JSON_CHUNK_ROWS = 10000  # rows per statement


def json_can_carry(endpoint, columns):
    """Return whether values for `columns` can travel as one JSON parameter (PostgreSQL)."""
    info = endpoint.table_info
    return bool(columns) and all(info.column(c).type_code not in JSON_TYPE_OIDS for c in columns)


def json_rows(names, rows):
    """Return `rows` (tuples in `names` order) as the JSON text of an array of objects."""
    document = [dict(zip(names, row)) for row in rows]
    return orjson.dumps(
        document, default=json_default, option=orjson.OPT_PASSTHROUGH_DATETIME
    ).decode()


def from_json_sql(endpoint):
    """Return the FROM source typing a JSON parameter by the table's own row type."""
    return f"json_populate_recordset(NULL::{endpoint.quoted_table}, %s::json)"


def insert_from_json(endpoint, columns, rows):
    """PostgreSQL: insert `rows` with one statement per chunk, the values travelling as one JSON
    parameter (rather than a parameter per value); return the stored rows in order."""
    quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
    sql = (
        f"INSERT INTO {endpoint.quoted_table} ({quoted})"
        f" SELECT {quoted} FROM {from_json_sql(endpoint)} RETURNING {endpoint.select_list}"
    )
    return execute_per_chunk(sql, columns, rows)


def update_from_json(endpoint, columns, rows):
    """PostgreSQL: update `rows` with one statement per chunk, the new values travelling as one
    JSON parameter that `json_populate_recordset` types by the table's own row type; return the
    updated rows. None when a column rules this out (json/jsonb, or the key itself changes)."""
    key = endpoint.identifier.column
    if key in columns or not json_can_carry(endpoint, columns):
        return None
    quote = connection.ops.quote_name
    sets = ", ".join(f"{quote(c)} = src.{quote(c)}" for c in columns)
    returning = ", ".join(f"dst.{quote(c)}" for c in endpoint.column_index)
    sql = (
        f"UPDATE {endpoint.quoted_table} AS dst SET {sets} FROM {from_json_sql(endpoint)} AS src"
        f" WHERE dst.{quote(key)} = src.{quote(key)} RETURNING {returning}"
    )
    return execute_per_chunk(sql, [*columns, key], rows)


def execute_per_chunk(sql, names, rows):
    """Run `sql` once per chunk of `rows`, the chunk as its JSON parameter; return all rows
    the statements returned, in order."""
    stored = []
    with db_cursor() as cursor:
        for part in sql_module.chunks(rows, JSON_CHUNK_ROWS):
            cursor.execute(sql, [json_rows(names, part)])
            stored.extend(cursor.fetchall())
    return stored


def json_default(value):
    """Serialise Decimal exactly, as text, and datetimes as the database adapter would send them:
    aware ones in UTC, so a `timestamp without time zone` column stores the UTC time (its input
    ignores an offset), as it does from a parameter."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value.astimezone(dt.UTC).isoformat()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    raise TypeError(f"cannot send {type(value).__name__} as JSON")
