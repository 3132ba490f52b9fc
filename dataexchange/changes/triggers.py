"""The SQL of the change-capture triggers, one builder per database, like the engine's dialects.

Every trigger appends (table, identifier, operation, changed columns, time) to the change log
with `position` NULL (the sequencer numbers it once committed). A trigger's name carries a
fingerprint of what its body was generated from (table, identifier, columns), so `capture`
compares names with the catalogue to know what to create and drop, and regenerates a trigger
only when its inputs changed.

- PostgreSQL: one trigger per table runs one shared function, which compares `row_to_json(NEW)`
  with `to_jsonb(OLD)`: columns added or dropped later need no new trigger.
- MariaDB and SQLite: triggers name the columns they compare, as of their generation. A column
  added later is still captured (an UPDATE is always recorded) but listed in `columns` only once
  the triggers are regenerated (configuration save, periodic `changes.triggers`).

Every name and value put into these statements is quoted by the dialect (`quote_identifier`,
`string_literal`): DDL cannot take parameters.
"""

import hashlib
import json
import re
from dataclasses import dataclass

from django.utils.module_loading import import_string

from dataexchange.changes.models import ChangeEntry

PREFIX = "dx_changes_"
FUNCTION = "dx_changes_capture"
GENERATION = "1"  # part of every fingerprint: bump it when the generated SQL changes
LOG_COLUMNS = ("table_name", "identifier", "operation", "columns", "changed_at")

BUILDERS = {
    "postgresql": "dataexchange.changes.triggers.PostgreSQLCapture",
    "mysql": "dataexchange.changes.triggers.MySQLCapture",
    "sqlite": "dataexchange.changes.triggers.SQLiteCapture",
}


@dataclass(frozen=True, slots=True)
class TrackedTable:
    """A table whose changes are captured: its identifier column and its columns (in order)."""

    table: str
    identifier: str
    columns: tuple


@dataclass(frozen=True, slots=True)
class Trigger:
    """One capture trigger to exist: its name, its table and the statement creating it."""

    name: str
    table: str
    create_sql: str


def capture_builder(dialect):
    """Return the capture builder of `dialect`'s database."""
    return import_string(BUILDERS[dialect.vendor])(dialect)


class CaptureBuilder:
    """What every database shares: naming, quoting, the catalogue query, the log insert."""

    events = ()  # (name suffix, event) of the triggers of one table
    # (trigger name, table name) of the triggers whose name may start with PREFIX (the caller
    # keeps those that do: LIKE's `_` would need escaping, and escapes differ per database)
    installed_sql = ""

    def __init__(self, dialect):
        self.dialect = dialect
        self.q = dialect.quote_identifier
        self.lit = dialect.string_literal
        log = self.q(ChangeEntry._meta.db_table)
        self.insert_into = f"INSERT INTO {log} ({', '.join(self.q(c) for c in LOG_COLUMNS)})"

    def triggers(self, tracked):
        """Return the Triggers capturing `tracked`'s changes."""
        stamp = fingerprint(tracked, self.dialect.vendor)
        return [
            Trigger(trigger_name(tracked.table, stamp, suffix), tracked.table, sql)
            for suffix, sql in self.create_statements(tracked, stamp)
        ]

    def create_statements(self, tracked, stamp):
        """Return (suffix, CREATE TRIGGER statement) of each trigger of `tracked`."""
        raise NotImplementedError

    def setup_sql(self):
        """Return the statements needed before triggers are created (shared functions)."""
        return []

    def drop_sql(self, name, table):
        """Return the statement dropping trigger `name` of `table`."""
        return f"DROP TRIGGER IF EXISTS {self.q(name)}"

    def json_names(self, columns):
        """Return the JSON array text of `columns`, as an SQL literal."""
        return self.lit(json.dumps(list(columns)))


class PostgreSQLCapture(CaptureBuilder):
    """One row trigger per table for every event, running the shared function generically."""

    installed_sql = (
        "SELECT t.tgname, c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
        "WHERE NOT t.tgisinternal AND t.tgname LIKE 'dx%' AND pg_table_is_visible(c.oid)"
    )

    def setup_sql(self):
        keys = "SELECT COALESCE(jsonb_agg(k.name ORDER BY k.n), '[]'::jsonb) FROM json_object_keys"
        insert = self.insert_into
        return [
            f"""CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $fn$
DECLARE
    id_column text := TG_ARGV[0];
    old_row jsonb;
    new_json json;
    changed jsonb;
BEGIN
    IF TG_OP = 'INSERT' THEN
        new_json := row_to_json(NEW);
        {insert} SELECT TG_ARGV[1], new_json ->> id_column, 'create', ({keys}(new_json)
            WITH ORDINALITY AS k(name, n)), clock_timestamp();
    ELSIF TG_OP = 'DELETE' THEN
        new_json := row_to_json(OLD);
        {insert} SELECT TG_ARGV[1], new_json ->> id_column, 'delete', ({keys}(new_json)
            WITH ORDINALITY AS k(name, n)), clock_timestamp();
    ELSE
        old_row := to_jsonb(OLD);
        new_json := row_to_json(NEW);
        SELECT jsonb_agg(c.key ORDER BY c.n) INTO changed
            FROM json_each(new_json) WITH ORDINALITY AS c(key, value, n)
            WHERE c.value::jsonb IS DISTINCT FROM old_row -> c.key;
        IF changed IS NULL THEN
            RETURN NULL;
        ELSIF (old_row ->> id_column) IS NOT DISTINCT FROM (new_json ->> id_column) THEN
            {insert} VALUES (TG_ARGV[1], new_json ->> id_column, 'update', changed,
                clock_timestamp());
        ELSE
            {insert} SELECT TG_ARGV[1], old_row ->> id_column, 'delete', ({keys}(row_to_json(OLD))
                WITH ORDINALITY AS k(name, n)), clock_timestamp();
            {insert} SELECT TG_ARGV[1], new_json ->> id_column, 'create', ({keys}(new_json)
                WITH ORDINALITY AS k(name, n)), clock_timestamp();
        END IF;
    END IF;
    RETURN NULL;
END
$fn$"""
        ]

    def create_statements(self, tracked, stamp):
        name = self.q(trigger_name(tracked.table, stamp, "a"))
        arguments = f"{self.lit(tracked.identifier)}, {self.lit(tracked.table)}"
        return [
            (
                "a",
                f"CREATE TRIGGER {name} AFTER INSERT OR UPDATE OR DELETE ON "
                f"{self.q(tracked.table)} FOR EACH ROW EXECUTE FUNCTION {FUNCTION}({arguments})",
            )
        ]

    def drop_sql(self, name, table):
        return f"DROP TRIGGER IF EXISTS {self.q(name)} ON {self.q(table)}"


class ExplicitColumnsCapture(CaptureBuilder):
    """Triggers that name their columns (MariaDB, SQLite): one per event."""

    text_cast = ""  # the type an identifier is cast to
    now_sql = ""

    def create_statements(self, tracked, stamp):
        table, lit = tracked.table, self.lit
        return [
            ("c", self.wrap(stamp, tracked, "INSERT", self.row_insert(tracked, "NEW", "create"))),
            ("d", self.wrap(stamp, tracked, "DELETE", self.row_insert(tracked, "OLD", "delete"))),
            ("u", self.wrap(stamp, tracked, "UPDATE", self.update_body(tracked, table, lit))),
        ]

    def wrap(self, stamp, tracked, event, body):
        suffix = {"INSERT": "c", "DELETE": "d", "UPDATE": "u"}[event]
        name = self.q(trigger_name(tracked.table, stamp, suffix))
        return (
            f"CREATE TRIGGER {name} AFTER {event} ON {self.q(tracked.table)} "
            f"FOR EACH ROW BEGIN {body} END"
        )

    def identifier_of(self, tracked, row):
        return f"CAST({row}.{self.q(tracked.identifier)} AS {self.text_cast})"

    def row_insert(self, tracked, row, operation, condition=""):
        """Return the insert of a create or delete entry of `row` (NEW or OLD), all columns."""
        values = (
            f"{self.lit(tracked.table)}, {self.identifier_of(tracked, row)}, "
            f"'{operation}', {self.json_names(tracked.columns)}, {self.now_sql}"
        )
        where = f" WHERE {condition}" if condition else ""
        return f"{self.insert_into} SELECT {values}{where};"

    def changed_list(self, tracked):
        """Return the expression of the JSON array of the columns whose value changed."""
        raise NotImplementedError

    def update_body(self, tracked, table, lit):
        raise NotImplementedError


class MySQLCapture(ExplicitColumnsCapture):
    """MariaDB/MySQL: byte-wise comparisons, so a change of letter case counts."""

    installed_sql = (
        "SELECT trigger_name, event_object_table FROM information_schema.triggers "
        "WHERE trigger_schema = DATABASE() AND trigger_name LIKE 'dx%'"
    )
    text_cast = "CHAR"
    now_sql = "UTC_TIMESTAMP(6)"

    def differs(self, column):
        quoted = self.q(column)
        return f"NOT (CAST(OLD.{quoted} AS BINARY) <=> CAST(NEW.{quoted} AS BINARY))"

    def changed_list(self, tracked):
        parts = ", ".join(
            f"IF({self.differs(c)}, {self.lit(json.dumps(c) + ',')}, '')" for c in tracked.columns
        )
        return f"CONCAT('[', TRIM(TRAILING ',' FROM CONCAT('', {parts})), ']')"

    def update_body(self, tracked, table, lit):
        same = f"NOT {self.differs(tracked.identifier)}"
        values = (
            f"{lit(table)}, {self.identifier_of(tracked, 'NEW')}, 'update', "
            f"{self.changed_list(tracked)}, {self.now_sql}"
        )
        return (
            f"IF {same} THEN {self.insert_into} VALUES ({values}); ELSE "
            f"{self.row_insert(tracked, 'OLD', 'delete')} "
            f"{self.row_insert(tracked, 'NEW', 'create')} END IF;"
        )


class SQLiteCapture(ExplicitColumnsCapture):
    """SQLite: trigger bodies are plain statements, so conditions go into WHERE clauses."""

    installed_sql = (
        "SELECT name, tbl_name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'dx%'"
    )
    text_cast = "TEXT"
    now_sql = "strftime('%Y-%m-%d %H:%M:%f', 'now')"

    def differs(self, column):
        quoted = self.q(column)
        return f"OLD.{quoted} IS NOT NEW.{quoted} COLLATE BINARY"

    def changed_list(self, tracked):
        parts = " || ".join(
            f"CASE WHEN {self.differs(c)} THEN {self.lit(json.dumps(c) + ',')} ELSE '' END"
            for c in tracked.columns
        )
        return f"'[' || rtrim({parts}, ',') || ']'"

    def update_body(self, tracked, table, lit):
        moved = self.differs(tracked.identifier)
        values = (
            f"{lit(table)}, {self.identifier_of(tracked, 'NEW')}, 'update', "
            f"{self.changed_list(tracked)}, {self.now_sql}"
        )
        return (
            f"{self.insert_into} SELECT {values} WHERE NOT ({moved}); "
            f"{self.row_insert(tracked, 'OLD', 'delete', moved)} "
            f"{self.row_insert(tracked, 'NEW', 'create', moved)}"
        )


def fingerprint(tracked, vendor):
    """Return 10 hex digits naming what a table's triggers are generated from. PostgreSQL's
    triggers do not depend on the columns, so a column change does not regenerate them."""
    columns = () if vendor == "postgresql" else tracked.columns
    text = json.dumps([GENERATION, vendor, tracked.table, tracked.identifier, list(columns)])
    return hashlib.sha256(text.encode()).hexdigest()[:10]


def trigger_name(table, stamp, suffix):
    """Return `dx_changes_<table, letters and digits only, 24 at most>_<stamp>_<suffix>`:
    at most 48 characters (PostgreSQL allows 63, MariaDB 64), unique by the fingerprint."""
    slug = re.sub(r"[^a-z0-9]+", "_", table.lower()).strip("_")[:24]
    return f"{PREFIX}{slug}_{stamp}_{suffix}"
