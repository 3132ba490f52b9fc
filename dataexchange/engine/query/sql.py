"""Query stage — SQL building blocks. Table and column names come only from compiled endpoints
(quoted by the backend); every value is a query parameter."""

from django.db import connection

from dataexchange.engine.query.cursor import db_cursor
from dataexchange.engine.query.dialects import dialect


def max_params():
    """Return how many parameters one statement may carry on this backend."""
    return dialect().max_params


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
    `order_by` (an ORDER BY list; default the identifier)."""
    sql, params = select_sql(
        endpoint, conditions, offset=offset, limit=limit, columns=columns, order_by=order_by
    )
    with db_cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def select_sql(
    endpoint, conditions=(), *, offset=0, limit=None, columns=None, order_by=None, numbered=False
):
    """Return (SQL, params) of `select`; `numbered` selects the row's position in the order
    first (never null), for a statement that joins this one to another and must keep the order
    (api.read_ahead).

    LIMIT and OFFSET are written as integer literals, not parameters: PostgreSQL cannot judge a
    prepared statement's generic plan with parameters there and plans it again on every run
    (about 35 µs a statement)."""
    where, params = where_clause(conditions)
    order_by = order_by or endpoint.identifier.quoted
    sql = (
        f"SELECT {columns or endpoint.select_list} FROM {endpoint.quoted_table}{where}"
        f" ORDER BY {order_by}"
    )
    if limit is not None or offset:
        limit = 2**62 if limit is None else limit
        sql += f" LIMIT {int(limit)} OFFSET {int(offset)}"
    if numbered:
        # Numbered after the page is cut, in the order the page arrives: a window ordered by
        # the sort itself would number every skipped row too (an OFFSET of 5,000 tripled the
        # statement's time). Without ORDER BY or PARTITION the window takes its input as it
        # comes, and nothing between it and the page's ORDER BY … LIMIT reorders rows.
        sql = f"SELECT ROW_NUMBER() OVER (), page.* FROM ({sql}) page"
    return sql, params


def select_first(endpoint, conditions):
    """Return [the first row] matching `conditions` (by identifier, the only one), or []."""
    sql, params = select_first_sql(endpoint, conditions)
    with db_cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def select_first_sql(endpoint, conditions, *, marked=False):
    """Return (SQL, params) of `select_first`; `marked` selects a constant 1 first, which tells
    a row from none where the statement is joined to another (api.read_ahead)."""
    where, params = where_clause(conditions)
    columns = f"1, {endpoint.select_list}" if marked else endpoint.select_list
    return f"SELECT {columns} FROM {endpoint.quoted_table}{where} LIMIT 1", params


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


def quote(name):
    """Return a table or column name quoted for this backend (names from compiled endpoints)."""
    return connection.ops.quote_name(name)


def select_by_keys(table_quoted, key_columns, keys, columns):
    """Return the rows (`columns`, an SQL select list) of `table_quoted` whose `key_columns`
    (quoted) hold one of `keys` (tuples in that order), in as few statements as the backend's
    parameter limit allows: one array parameter on PostgreSQL for a one-column key, else
    `IN (...)`, and for a composite key `(a, b) IN ((...), ...)` (row values: PostgreSQL,
    MariaDB, SQLite 3.15+)."""
    keys = list(keys)
    if not keys:
        return []
    rows = []
    width = len(key_columns)
    with db_cursor() as cursor:
        if width == 1:
            values = [key[0] for key in keys]
            if as_array(values):
                cursor.execute(
                    f"SELECT {columns} FROM {table_quoted} WHERE {key_columns[0]} = ANY(%s)",
                    [values],
                )
                return cursor.fetchall()
            for part in chunks(values, max_params() - 10):
                placeholders = ", ".join(["%s"] * len(part))
                cursor.execute(
                    f"SELECT {columns} FROM {table_quoted}"
                    f" WHERE {key_columns[0]} IN ({placeholders})",
                    part,
                )
                rows.extend(cursor.fetchall())
            return rows
        row_sql = "(" + ", ".join(["%s"] * width) + ")"
        target = "(" + ", ".join(key_columns) + ")"
        for part in chunks(keys, max(1, (max_params() - 10) // width)):
            cursor.execute(
                f"SELECT {columns} FROM {table_quoted}"
                f" WHERE {target} IN ({', '.join([row_sql] * len(part))})",
                [value for key in part for value in key],
            )
            rows.extend(cursor.fetchall())
    return rows


def upsert_returning(endpoint, columns, rows, key, reset_columns):
    """Insert `rows` (tuples for `columns`) or, where a row with the same business `key`
    exists (inserted meanwhile by a concurrent request), update it with the sent values and set
    `reset_columns` to NULL (PUT's rule); return the stored rows. The database settles the race
    on the key's unique index (`ON CONFLICT (key)` / `ON DUPLICATE KEY`), so two concurrent PUTs
    of the same new key store one row. Where the statement cannot return rows (MariaDB) they
    are read back by key, in one query."""
    engine = dialect()
    quoted = [quote(c) for c in columns]
    key_quoted = [quote(c) for c in key.columns]
    updates = [(q, True) for c, q in zip(columns, quoted) if c not in key.columns]
    updates += [(quote(c), False) for c in reset_columns if c not in columns]
    updates = updates or [(key_quoted[0], True)]  # nothing else to set: touch the key alone
    clause = engine.upsert_sql(key_quoted, updates)
    width = len(columns)
    stored = []
    with db_cursor() as cursor:
        for part in chunks(rows, max(1, (max_params() - 10) // width)):
            values = ", ".join(["(" + ", ".join(["%s"] * width) + ")"] * len(part))
            statement = (
                f"INSERT INTO {endpoint.quoted_table} ({', '.join(quoted)}) VALUES {values}{clause}"
            )
            params = [value for row in part for value in row]
            if engine.upsert_returning:
                cursor.execute(f"{statement} RETURNING {endpoint.select_list}", params)
                stored.extend(cursor.fetchall())
            else:
                cursor.execute(statement, params)
    if engine.upsert_returning:
        return stored
    positions = [columns.index(c) for c in key.columns]
    found = select_by_keys(
        endpoint.quoted_table,
        key_quoted,
        {tuple(row[p] for p in positions) for row in rows},
        endpoint.select_list,
    )
    index = [endpoint.column_index[c] for c in key.columns]
    text = engine.key_text
    by_key = {tuple(text(r[i]) for i in index): r for r in found}
    return [by_key.get(tuple(text(row[p]) for p in positions)) for row in rows]


def as_array(values):
    """Return whether `values` can travel as one array parameter (`= ANY(%s)`, PostgreSQL)."""
    return dialect().as_array(values)


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
    stored = dialect().json_batch_insert(endpoint, columns, rows)
    if stored is not None:
        return stored
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
    return dialect().default_values_sql


def update_many(endpoint, columns, rows, key_column_quoted):
    """Update rows (tuples of `columns` values + key); return the updated rows when the statement
    could return them (PostgreSQL; one row on SQLite too), else None.

    PostgreSQL: one `UPDATE … FROM json_populate_recordset(…) RETURNING` per chunk when it
    applies (see `update_from_json`); otherwise executemany, which psycopg pipelines and SQLite
    runs in process. MySQL/MariaDB, whose driver sends executemany row by row: one
    `CASE key WHEN …` statement per chunk."""
    keys = [row[-1] for row in rows]
    unique = len(set(keys)) == len(keys)
    engine = dialect()
    if unique:
        stored = engine.json_batch_update(endpoint, columns, rows)
        if stored is not None:
            return stored
    assignments = ", ".join(f"{connection.ops.quote_name(c)} = %s" for c in columns)
    sql = f"UPDATE {endpoint.quoted_table} SET {assignments} WHERE {key_column_quoted} = %s"
    with db_cursor() as cursor:
        if len(rows) == 1 and engine.update_returning:
            cursor.execute(f"{sql} RETURNING {endpoint.select_list}", rows[0])
            return cursor.fetchall()
        if len(rows) == 1:
            cursor.execute(sql, rows[0])
        elif engine.updates_by_case and unique:
            update_by_case(cursor, endpoint, columns, rows, key_column_quoted)
        else:
            cursor.executemany(sql, rows)
    return None


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
