"""PostgreSQL (psycopg 3): arrays and JSON batches, NULLS FIRST/LAST, SQLSTATE classification."""

import re

from dataexchange.engine.query import copy_batch
from dataexchange.engine.query.dialects.base import NOT_NULL, OTHER, UNIQUE, BaseDialect
from dataexchange.engine.query.json_batch import insert_from_json, json_can_carry, update_from_json

try:
    import psycopg
    from psycopg.postgres import types as pg_types
except ImportError:  # PostgreSQL support not installed
    psycopg = None

KEY_RE = re.compile(r"Key \((?P<columns>[^)]+)\)=")
# SQLSTATEs (class 08 too): server shutting down or not accepting connections.
UNAVAILABLE_STATES = {"57P01", "57P02", "57P03", "53300"}

if psycopg is not None:
    TIMESTAMPTZ_OID = pg_types["timestamptz"].oid
    NATIVE_TIMESTAMPTZ_LOADER = psycopg.adapters.get_loader(TIMESTAMPTZ_OID, psycopg.pq.Format.TEXT)


class PostgreSQLDialect(BaseDialect):
    """PostgreSQL: batches travel as one array or JSON parameter; NULL is told where to sort."""

    vendor = "postgresql"
    driver = "psycopg"
    reuses_cursor = psycopg is not None
    relax_durability_sql = "SET LOCAL synchronous_commit TO OFF"
    modifying_with = True
    lateral_join = True
    # `set_config(..., true)` applies to the statement's own implicit transaction, whose COMMIT
    # follows the statement: evaluated in RETURNING, it relaxes only a statement that inserted.
    relaxed_commit_sql = "set_config('synchronous_commit', 'off', true)"
    referencing_sql = """
        SELECT cl.relname, att.attname, ref_att.attname
        FROM pg_constraint con
        JOIN pg_class cl ON cl.oid = con.conrelid
        JOIN pg_class ref ON ref.oid = con.confrelid
        JOIN pg_attribute att ON att.attrelid = con.conrelid AND att.attnum = con.conkey[1]
        JOIN pg_attribute ref_att
            ON ref_att.attrelid = con.confrelid AND ref_att.attnum = con.confkey[1]
        WHERE con.contype = 'f' AND ref.relname = %s AND pg_table_is_visible(ref.oid)
        ORDER BY cl.relname, att.attname
    """
    # OIDs of text, varchar, bpchar; int2, int4, int8; bool.
    native_type_codes = {"string": {25, 1043, 1042}, "integer": {20, 21, 23}, "boolean": {16}}
    now_sql = "now()"

    def trigger_sql(self, *, name, tables, events, body, when=None, per_row=False, function=None):
        """PostgreSQL: one trigger function, then one trigger per table for all its events."""
        create = [
            f"CREATE OR REPLACE FUNCTION {function}() RETURNS trigger AS $$ "
            f"BEGIN {body}; RETURN NULL; END; $$ LANGUAGE plpgsql"
        ]
        drop = []
        level = "ROW" if per_row else "STATEMENT"
        condition = f" WHEN ({when})" if when else ""
        for table in tables:
            trigger = name.format(table=table)
            create.append(
                f'CREATE TRIGGER {trigger} AFTER {" OR ".join(events)} ON "{table}" '
                f"FOR EACH {level}{condition} EXECUTE FUNCTION {function}()"
            )
            drop.append(f'DROP TRIGGER IF EXISTS {trigger} ON "{table}"')
        drop.append(f"DROP FUNCTION IF EXISTS {function}()")
        return create, drop

    def precompressed_column_sql(self, table, column, *, undo=False):
        """PostgreSQL moves values out to the TOAST table (and tries pglz on them first) once a
        row passes ~2 kB: three more pages written per row. EXTERNAL skips the compression,
        `toast_tuple_target` keeps rows in line up to a page."""
        if undo:
            return [f"ALTER TABLE {table} ALTER COLUMN {column} SET STORAGE EXTENDED, "
                    "RESET (toast_tuple_target)"]  # fmt: skip
        return [f"ALTER TABLE {table} ALTER COLUMN {column} SET STORAGE EXTERNAL, "
                "SET (toast_tuple_target = 8160)"]  # fmt: skip

    def growing_rows_sql(self, table, *, fillfactor, undo=False):
        """PostgreSQL's `fillfactor` storage parameter."""
        if undo:
            return [f"ALTER TABLE {table} RESET (fillfactor)"]
        return [f"ALTER TABLE {table} SET (fillfactor = {int(fillfactor)})"]

    def partial_index_sql(self, name, table, columns, *, where, unique=False, undo=False):
        """PostgreSQL: `CREATE [UNIQUE] INDEX … WHERE`; a unique constraint is dropped first
        (and, undone, added back as a constraint)."""
        listed = ", ".join(columns)
        kind = "UNIQUE INDEX" if unique else "INDEX"
        partial = f"CREATE {kind} {name} ON {table} ({listed}) WHERE {where}"
        if unique is None:
            return [f"DROP INDEX {name}"] if undo else [partial]
        if unique:
            whole = f"ALTER TABLE {table} ADD CONSTRAINT {name} UNIQUE ({listed})"
            drop_whole = f"ALTER TABLE {table} DROP CONSTRAINT {name}"
        else:
            whole, drop_whole = f"CREATE INDEX {name} ON {table} ({listed})", f"DROP INDEX {name}"
        return [f"DROP INDEX {name}", whole] if undo else [drop_whole, partial]

    def counter_bump_sql(self, table):
        return (
            f"INSERT INTO {table} (id, version) VALUES (1, 2) "
            f"ON CONFLICT (id) DO UPDATE SET version = {table}.version + 1"
        )

    def prepare_cursor(self, cursor):
        """Load timestamptz values with psycopg's own C loader (see engine.cursor)."""
        if psycopg is not None:
            cursor.adapters.register_loader(TIMESTAMPTZ_OID, NATIVE_TIMESTAMPTZ_LOADER)

    def as_array(self, values):
        """Return whether `values` share one type, so that one array parameter carries them:
        one statement text for any count, instead of a placeholder per value."""
        return len({type(v) for v in values}) == 1

    def json_batch_insert(self, endpoint, columns, rows):
        """Insert several rows as one JSON parameter (engine.json_batch) unless a column is
        json/jsonb; return the stored rows, or None."""
        if len(rows) > 1 and json_can_carry(endpoint, columns):
            return insert_from_json(endpoint, columns, rows)
        return None

    def copy_insert(self, endpoint, columns, values, returning):
        """COPY a batch of several rows through a temporary table (engine.query.copy_batch)."""
        if columns and len(values[0]) > 1:
            return copy_batch.copy_insert(endpoint, columns, values, returning)
        return None

    def json_batch_update(self, endpoint, columns, rows):
        """Update several rows as one JSON parameter (engine.json_batch); None if ruled out."""
        if len(rows) > 1:
            return update_from_json(endpoint, columns, rows)
        return None

    def nulls_smallest_sql(self, descending):
        """Return NULLS LAST/FIRST: PostgreSQL sorts NULL as the largest value by default."""
        return " NULLS LAST" if descending else " NULLS FIRST"

    def classify_integrity_error(self, error, table_info):
        """Classify by SQLSTATE, naming the column from the error's detail or diagnostics."""
        cause = error.__cause__ or error
        diag = getattr(cause, "diag", None)
        state = getattr(cause, "sqlstate", None) or getattr(diag, "sqlstate", None)
        detail = getattr(diag, "message_detail", None) or ""
        match = KEY_RE.search(detail)
        column = match["columns"].split(",")[-1].strip().strip('"') if match else None
        if state == "23505":
            return UNIQUE, column
        if state == "23502":
            return NOT_NULL, getattr(diag, "column_name", None)
        return OTHER, column or getattr(diag, "column_name", None)

    def is_conflict(self, error):
        """Return whether PostgreSQL cancelled the transaction as a deadlock victim (40P01) or
        for a serialization failure (40001)."""
        return getattr(error, "sqlstate", None) in {"40001", "40P01"}

    def is_unavailable(self, error):
        """Return whether the server is going away or refusing, or the connection is lost."""
        state = getattr(error, "sqlstate", None)
        if state is None:  # raised by the client: connecting failed, or the connection is gone
            return psycopg is not None and isinstance(error, psycopg.OperationalError)
        return state in UNAVAILABLE_STATES or state.startswith("08")
