"""SQL building blocks. Table and column names come only from compiled endpoints (quoted by the
backend); every value is a query parameter."""

import datetime as dt
import sqlite3
import weakref
from decimal import Decimal

from django.db import connection

import orjson

try:
    import psycopg
    from psycopg.postgres import types as pg_types
except ImportError:  # PostgreSQL support not installed
    psycopg = None


def db_cursor():
    """Return a cursor of the default connection for the engine's statements.

    On PostgreSQL the engine keeps one psycopg cursor per connection (`EngineCursor`) instead of
    creating a Django cursor per statement, and loads timestamptz values with psycopg's own C
    loader instead of the Python subclass Django registers to pin their time zone (about 4 µs
    per value, 0.4 ms on a page of 100 rows); the values are the same aware instants. When Django
    logs queries (DEBUG, tests counting queries), its own cursor is used, so the log is complete.
    """
    if connection.vendor != "postgresql" or psycopg is None or connection.queries_logged:
        wrapper = connection.cursor()
        if connection.vendor == "postgresql" and psycopg is not None:
            wrapper.cursor.adapters.register_loader(TIMESTAMPTZ_OID, NATIVE_TIMESTAMPTZ_LOADER)
        return wrapper
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    raw = connection.connection
    cursor = _engine_cursors.get(raw)
    if cursor is None:
        cursor = _engine_cursors[raw] = EngineCursor(raw)
    return cursor


class EngineCursor:
    """A reusable psycopg cursor that raises Django's database exceptions, as Django's own
    cursors do (the write path catches IntegrityError and DataError)."""

    def __init__(self, raw_connection):
        self.cursor = raw_connection.cursor()
        self.cursor.adapters.register_loader(TIMESTAMPTZ_OID, NATIVE_TIMESTAMPTZ_LOADER)

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        return False  # kept open for the connection's next statement

    def execute(self, sql, params=None):
        connection.validate_no_broken_transaction()
        with connection.wrap_database_errors:
            return self.cursor.execute(sql, params)

    def executemany(self, sql, param_list):
        connection.validate_no_broken_transaction()
        with connection.wrap_database_errors:
            return self.cursor.executemany(sql, param_list)

    def fetchone(self):
        with connection.wrap_database_errors:
            return self.cursor.fetchone()

    def fetchall(self):
        with connection.wrap_database_errors:
            return self.cursor.fetchall()


_engine_cursors = weakref.WeakKeyDictionary()  # psycopg connection → its EngineCursor

if psycopg is not None:
    TIMESTAMPTZ_OID = pg_types["timestamptz"].oid
    NATIVE_TIMESTAMPTZ_LOADER = psycopg.adapters.get_loader(TIMESTAMPTZ_OID, psycopg.pq.Format.TEXT)


def max_params():
    """Return how many parameters one statement may carry on this backend."""
    if connection.vendor == "sqlite":
        return 32000 if sqlite3.sqlite_version_info >= (3, 32) else 999
    return 60000


def chunks(values, size):
    """Yield successive slices of `values` of at most `size` items."""
    for start in range(0, len(values), size):
        yield values[start : start + size]


def where_clause(conditions):
    """Return (sql, params) for conditions joined with AND; '' when there are none."""
    parts, params = [], []
    for condition in conditions:
        column = condition.field.quoted
        if condition.op == "eq":
            parts.append(f"{column} = %s")
            params.append(condition.value)
        elif condition.op == "in":
            parts.append(f"{column} IN ({', '.join(['%s'] * len(condition.value))})")
            params.extend(condition.value)
        else:
            sql, values = condition.op.sql(column, condition.value)
            parts.append(sql)
            params.extend(values)
    return (" WHERE " + " AND ".join(parts), params) if parts else ("", params)


def select(endpoint, conditions=(), *, offset=0, limit=None, columns=None, order_by=None):
    """Return the rows (tuples of `endpoint.select_list`) matching `conditions`, ordered by
    `order_by` (an ORDER BY list; default the identifier).

    LIMIT and OFFSET are written as integer literals, not parameters: PostgreSQL cannot judge a
    prepared statement's generic plan with parameters there and plans it again on every run
    (about 35 µs a statement)."""
    where, params = where_clause(conditions)
    sql = (
        f"SELECT {columns or endpoint.select_list} FROM {endpoint.quoted_table}{where}"
        f" ORDER BY {order_by or endpoint.identifier.quoted}"
    )
    if limit is not None or offset:
        limit = 2**62 if limit is None else limit
        sql += f" LIMIT {int(limit)} OFFSET {int(offset)}"
    with db_cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def select_first(endpoint, conditions):
    """Return [the first row] matching `conditions` (by identifier, the only one), or []."""
    where, params = where_clause(conditions)
    sql = f"SELECT {endpoint.select_list} FROM {endpoint.quoted_table}{where} LIMIT 1"
    with db_cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def select_in(endpoint, column_quoted, values, extra_columns=""):
    """Return rows whose `column_quoted` is one of `values` (chunked), with extra columns last."""
    rows = []
    select_list = endpoint.select_list + (f", {extra_columns}" if extra_columns else "")
    size = max_params() - 10
    with db_cursor() as cursor:
        if as_array(values):
            cursor.execute(
                f"SELECT {select_list} FROM {endpoint.quoted_table}"
                f" WHERE {column_quoted} = ANY(%s) ORDER BY {endpoint.identifier.quoted}",
                [list(values)],
            )
            return cursor.fetchall()
        for part in chunks(list(values), size):
            placeholders = ", ".join(["%s"] * len(part))
            cursor.execute(
                f"SELECT {select_list} FROM {endpoint.quoted_table}"
                f" WHERE {column_quoted} IN ({placeholders}) ORDER BY {endpoint.identifier.quoted}",
                part,
            )
            rows.extend(cursor.fetchall())
    return rows


def as_array(values):
    """Return whether `values` can travel as one PostgreSQL array parameter (`= ANY(%s)`): one
    statement text for any count, instead of a placeholder per value. They must share a type."""
    return connection.vendor == "postgresql" and len({type(v) for v in values}) == 1


def existing_values(table_quoted, column_quoted, values):
    """Return the subset of `values` present in `table.column`."""
    found = set()
    size = max_params() - 10
    with db_cursor() as cursor:
        for part in chunks(list(values), size):
            placeholders = ", ".join(["%s"] * len(part))
            cursor.execute(
                f"SELECT DISTINCT {column_quoted} FROM {table_quoted}"
                f" WHERE {column_quoted} IN ({placeholders})",
                part,
            )
            found.update(row[0] for row in cursor.fetchall())
    return found


def insert_returning(endpoint, columns, rows):
    """Insert `rows` (tuples for `columns`) in multi-row statements; return the stored rows."""
    if connection.vendor == "postgresql" and len(rows) > 1 and json_can_carry(endpoint, columns):
        return insert_from_json(endpoint, columns, rows)
    quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
    width = max(len(columns), 1)
    size = max(1, (max_params() - 10) // width)
    stored = []
    with db_cursor() as cursor:
        for part in chunks(rows, size):
            if columns:
                values = ", ".join(["(" + ", ".join(["%s"] * width) + ")"] * len(part))
                sql = f"INSERT INTO {endpoint.quoted_table} ({quoted}) VALUES {values}"
                params = [value for row in part for value in row]
                cursor.execute(f"{sql} RETURNING {endpoint.select_list}", params)
                stored.extend(cursor.fetchall())
            else:
                for _ in part:
                    cursor.execute(
                        f"INSERT INTO {endpoint.quoted_table} {default_values_sql()}"
                        f" RETURNING {endpoint.select_list}"
                    )
                    stored.extend(cursor.fetchall())
    return stored


def default_values_sql():
    """Return the clause inserting a row of defaults on this backend."""
    return "() VALUES ()" if connection.vendor == "mysql" else "DEFAULT VALUES"


def update_many(endpoint, columns, rows, key_column_quoted):
    """Update rows (tuples of `columns` values + key); return the updated rows when the statement
    could return them (PostgreSQL), else None.

    PostgreSQL: one `UPDATE … FROM json_populate_recordset(…) RETURNING` per chunk when it
    applies (see `update_from_json`); otherwise executemany, which psycopg pipelines and SQLite
    runs in process. MySQL/MariaDB, whose driver sends executemany row by row: one
    `CASE key WHEN …` statement per chunk."""
    keys = [row[-1] for row in rows]
    unique = len(set(keys)) == len(keys)
    if connection.vendor == "postgresql" and unique and len(rows) > 1:
        stored = update_from_json(endpoint, columns, rows)
        if stored is not None:
            return stored
    assignments = ", ".join(f"{connection.ops.quote_name(c)} = %s" for c in columns)
    sql = f"UPDATE {endpoint.quoted_table} SET {assignments} WHERE {key_column_quoted} = %s"
    with db_cursor() as cursor:
        if len(rows) == 1:
            cursor.execute(sql, rows[0])
        elif connection.vendor == "mysql" and unique:
            update_by_case(cursor, endpoint, columns, rows, key_column_quoted)
        else:
            cursor.executemany(sql, rows)
    return None


# json_populate_recordset hands json/jsonb columns the JSON value itself instead of parsing a
# string, so writes of such columns take the multi-row VALUES / executemany paths.
JSON_TYPE_OIDS = {114, 3802}


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
    stored = []
    with db_cursor() as cursor:
        for part in chunks(rows, JSON_CHUNK_ROWS):
            cursor.execute(sql, [json_rows(columns, part)])
            stored.extend(cursor.fetchall())
    return stored


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
    stored = []
    with db_cursor() as cursor:
        for part in chunks(rows, JSON_CHUNK_ROWS):
            cursor.execute(sql, [json_rows([*columns, key], part)])
            stored.extend(cursor.fetchall())
    return stored


JSON_CHUNK_ROWS = 10000


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


def update_by_case(cursor, endpoint, columns, rows, key_column_quoted):
    """Update many rows with one statement per chunk: `SET c = CASE key WHEN k THEN v … END`."""
    size = max(1, (max_params() - 10) // (2 * len(columns) + 1))
    for part in chunks(rows, size):
        whens = " ".join(["WHEN %s THEN %s"] * len(part))
        params, sets = [], []
        for position, column in enumerate(columns):
            quoted = connection.ops.quote_name(column)
            sets.append(f"{quoted} = CASE {key_column_quoted} {whens} ELSE {quoted} END")
            params.extend(value for row in part for value in (row[-1], row[position]))
        params.extend(row[-1] for row in part)
        cursor.execute(
            f"UPDATE {endpoint.quoted_table} SET {', '.join(sets)}"
            f" WHERE {key_column_quoted} IN ({', '.join(['%s'] * len(part))})",
            params,
        )


def delete_in(endpoint, column_quoted, values):
    """Delete the rows whose `column_quoted` is one of `values`."""
    size = max_params() - 10
    with db_cursor() as cursor:
        for part in chunks(list(values), size):
            placeholders = ", ".join(["%s"] * len(part))
            cursor.execute(
                f"DELETE FROM {endpoint.quoted_table} WHERE {column_quoted} IN ({placeholders})",
                part,
            )
