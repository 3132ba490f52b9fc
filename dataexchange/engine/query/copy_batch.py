"""Query stage — PostgreSQL: insert a batch with `COPY` through a temporary table.

`COPY` is the fastest way into PostgreSQL (about 3x a multi-row INSERT per row) but returns
nothing, and a job reports the identifier of every stored row. So the batch is copied into a
temporary table of the written columns (created once per connection, emptied at every commit
and after each use), then moved with one `INSERT INTO target SELECT ... FROM temp RETURNING`.
A value the target refuses (a duplicate key, a value too long) fails the batch: the caller
then writes it row by row, which names the item.
"""

import datetime as dt
import hashlib
from decimal import Decimal

from django.db import connection

from dataexchange.engine.query.cursor import db_cursor

PREFIX = "dx_copy_"


def temp_table(endpoint, columns):
    """Return the quoted name of the temporary table of `columns` of `endpoint`'s table: a
    hash of both and of the configuration version, so that each column set of each table has
    its own, taken again from the table after a configuration change."""
    key = (endpoint.table, endpoint.version, tuple(columns))
    digest = hashlib.blake2s(repr(key).encode(), digest_size=10)
    return connection.ops.quote_name(PREFIX + digest.hexdigest())


def copy_insert(endpoint, columns, values, returning):
    """Insert the rows whose database values `values` holds column by column (a list per
    column of `columns`) with COPY; return the rows of the `returning` select list of the
    stored rows, in order."""
    quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
    temp = temp_table(endpoint, columns)
    with db_cursor() as cursor:
        cursor.execute(
            f"CREATE TEMP TABLE IF NOT EXISTS {temp} ON COMMIT DELETE ROWS"
            f" AS SELECT {quoted} FROM {endpoint.quoted_table} WITH NO DATA"
        )
        with connection.wrap_database_errors:
            with cursor.cursor.copy(f"COPY {temp} ({quoted}) FROM STDIN") as copy:
                text = copy_text(values)
                if text is not None:
                    copy.write(text)
                else:
                    for row in zip(*values):
                        copy.write_row(row)
        cursor.execute(
            f"INSERT INTO {endpoint.quoted_table} ({quoted}) SELECT {quoted} FROM {temp}"
            f" RETURNING {returning}"
        )
        stored = cursor.fetchall()
        cursor.execute(f"TRUNCATE {temp}")  # the next batch of this transaction starts empty
    return stored


ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def copy_text(values):
    """Return the rows of `values` (a list per column) in COPY's text format, built a column
    at a time by C-level joins (a fifth of what `Copy.write_row` costs per row); None when a
    column holds a value of a type not handled here (the caller then writes row by row)."""
    columns = [column_text(column) for column in values]
    if None in columns:
        return None
    return "\n".join(map("\t".join, zip(*columns))) + "\n"


def column_text(values):
    """Return the COPY text of one column's values, or None."""
    types = set(map(type, values))
    if types == {str}:
        joined = "".join(values)
        if any(c in joined for c in "\\\t\n\r"):
            return [value.translate(ESCAPES) for value in values]
        return values
    if types == {bool}:
        return list(map(BOOLEAN_TEXT.__getitem__, values))
    if types <= PLAIN_TYPES:
        return list(map(str, values))
    if types <= {dt.datetime, dt.date}:
        return [value.isoformat() for value in values]
    return None


BOOLEAN_TEXT = {True: "t", False: "f"}
# Types whose str() is a literal PostgreSQL's input functions read as the value.
PLAIN_TYPES = frozenset({int, Decimal, float})
