"""The SQL of the change-capture triggers, one builder per database, like the engine's dialects.

Every trigger appends (table, identifier, operation, changed columns, time) to the change log
with `position` NULL (the sequencer numbers it once committed). A trigger's name carries a
fingerprint of what its body was generated from (table, identifier, columns), so `capture`
compares names with the catalogue to know what to create and drop, and regenerates a trigger
only when its inputs changed.

- PostgreSQL: statement triggers over transition tables run one shared function, which reads
  the table's columns from the catalogue as it runs: columns added or dropped later need no new
  trigger.
- MariaDB and SQLite: triggers name the columns they compare, as of their generation. A column
  added later is still captured (an UPDATE is always recorded) but listed in `columns` only once
  the triggers are regenerated (configuration save, periodic `changes.triggers`).

Every name and value put into these statements is quoted by the dialect (`quote_identifier`,
`string_literal`): DDL cannot take parameters.
"""

import hashlib
import json
import re
from abc import ABC, abstractmethod
from dataclasses import dataclass

from django.utils.module_loading import import_string

from dataexchange.changes.models import ChangeEntry

PREFIX = "dx_changes_"
FUNCTION = "dx_changes_capture"
GENERATION = "3"  # part of every fingerprint: bump it when the generated SQL changes
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


class CaptureBuilder(ABC):
    """What every database shares: naming, quoting, the catalogue query, the log insert."""

    names_columns = True  # the generated SQL names the table's columns (regenerate on change)
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
        columns = tracked.columns if self.names_columns else ()
        stamp = fingerprint(tracked.table, tracked.identifier, columns, self.dialect.vendor)
        return [
            Trigger(trigger_name(tracked.table, stamp, suffix), tracked.table, sql)
            for suffix, sql in self.create_statements(tracked, stamp)
        ]

    @abstractmethod
    def create_statements(self, tracked, stamp):
        """Return (suffix, CREATE TRIGGER statement) of each trigger of `tracked`."""

    def setup_sql(self):
        """Return the statements needed before triggers are created (shared functions)."""
        return []

    def drop_sql(self, name, table):
        """Return the statement dropping trigger `name` of `table`."""
        return f"DROP TRIGGER IF EXISTS {self.q(name)}"

    @abstractmethod
    def numbering(self, ids, base):
        """Return (sql, params) giving the entries `ids` (ascending) the positions base+1,
        base+2, ... in one statement (the sequencer's write; the ids travel as one JSON array)."""

    def json_names(self, columns):
        """Return the JSON array text of `columns`, as an SQL literal."""
        return self.lit(json.dumps(list(columns)))


class PostgreSQLCapture(CaptureBuilder):
    """Statement triggers over transition tables (`REFERENCING NEW TABLE`), one per event,
    running one shared function: each statement appends an entry per row it changed, in one
    INSERT ... SELECT. Row triggers doing the same cost about twice the write itself on a
    1,000-row batch (bench/changes.py); these cost a fraction.

    The function reads the table's columns from the catalogue each time it runs (what a
    statement changed is compared column by column, as text, so types without equality count
    too), so a column added or dropped later needs no new trigger. An UPDATE is matched to its
    old row by identifier; a row whose identifier changed is a delete and a create. Identifiers
    are unique, so when every old row found its new one (the usual UPDATE, which keeps them),
    the two anti-joins looking for deletes and creates are skipped: a fifth of the trigger's
    cost on a 1,000-row PATCH."""

    names_columns = False

    installed_sql = (
        "SELECT t.tgname, c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
        "WHERE NOT t.tgisinternal AND t.tgname LIKE 'dx%' AND pg_table_is_visible(c.oid)"
    )
    EVENTS = (
        ("c", "INSERT", "NEW TABLE AS dx_new"),
        ("u", "UPDATE", "OLD TABLE AS dx_old NEW TABLE AS dx_new"),
        ("d", "DELETE", "OLD TABLE AS dx_old"),
    )

    def setup_sql(self):
        insert = self.insert_into.replace("%", "%%")  # the text goes through format()
        return [
            f"""CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $fn$
DECLARE
    id_column text := TG_ARGV[0];
    names jsonb;
    changed text;
    matched bigint;
BEGIN
    SELECT jsonb_agg(attname ORDER BY attnum),
           string_agg(format('COALESCE(CASE WHEN n.%1$I::text IS DISTINCT FROM o.%1$I::text '
                             'THEN %2$L END, %3$L)', attname, to_json(attname::text)::text || ',',
                             ''), ' || ' ORDER BY attnum)
        INTO names, changed
        FROM pg_attribute WHERE attrelid = TG_RELID AND attnum > 0 AND NOT attisdropped;
    IF TG_OP = 'INSERT' THEN
        EXECUTE format('{insert} SELECT $1, n.%I::text, ''create'', $2, clock_timestamp()
            FROM dx_new n', id_column) USING TG_ARGV[1], names;
    ELSIF TG_OP = 'DELETE' THEN
        EXECUTE format('{insert} SELECT $1, o.%I::text, ''delete'', $2, clock_timestamp()
            FROM dx_old o', id_column) USING TG_ARGV[1], names;
    ELSE
        EXECUTE format('WITH c AS (SELECT n.%1$I::text AS id, %2$s AS changed
                FROM dx_new n JOIN dx_old o ON o.%1$I = n.%1$I),
            logged AS ({insert} SELECT $1, c.id, ''update'', (''['' || rtrim(c.changed, '','')
                || '']'')::jsonb, clock_timestamp() FROM c WHERE c.changed <> %3$L)
            SELECT count(*) FROM c', id_column, changed, '') INTO matched USING TG_ARGV[1];
        IF matched <> (SELECT count(*) FROM dx_old) THEN
            EXECUTE format('{insert} SELECT $1, o.%1$I::text, ''delete'', $2, clock_timestamp()
                FROM dx_old o WHERE NOT EXISTS (SELECT 1 FROM dx_new n WHERE n.%1$I = o.%1$I)',
                id_column) USING TG_ARGV[1], names;
            EXECUTE format('{insert} SELECT $1, n.%1$I::text, ''create'', $2, clock_timestamp()
                FROM dx_new n WHERE NOT EXISTS (SELECT 1 FROM dx_old o WHERE o.%1$I = n.%1$I)',
                id_column) USING TG_ARGV[1], names;
        END IF;
    END IF;
    RETURN NULL;
END
$fn$"""
        ]

    def create_statements(self, tracked, stamp):
        arguments = f"{self.lit(tracked.identifier)}, {self.lit(tracked.table)}"
        table = self.q(tracked.table)
        return [
            (
                suffix,
                f"CREATE TRIGGER {self.q(trigger_name(tracked.table, stamp, suffix))} AFTER "
                f"{event} ON {table} REFERENCING {tables} FOR EACH STATEMENT "
                f"EXECUTE FUNCTION {FUNCTION}({arguments})",
            )
            for suffix, event, tables in self.EVENTS
        ]

    def drop_sql(self, name, table):
        return f"DROP TRIGGER IF EXISTS {self.q(name)} ON {self.q(table)}"

    def numbering(self, ids, base):
        log = self.q(ChangeEntry._meta.db_table)
        sql = (
            f"UPDATE {log} SET position = %s + j.n FROM json_array_elements_text(%s::json) "
            f"WITH ORDINALITY AS j(id, n) WHERE {log}.id = j.id::bigint"
        )
        return sql, [base, json.dumps(ids)]


class ExplicitColumnsCapture(CaptureBuilder, ABC):
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

    @abstractmethod
    def changed_list(self, tracked):
        """Return the expression of the JSON array of the columns whose value changed."""

    @abstractmethod
    def update_body(self, tracked, table, lit):
        """Return the body of the AFTER UPDATE trigger (the entry when a column changed)."""


class MySQLCapture(ExplicitColumnsCapture):
    """MariaDB/MySQL: byte-wise comparisons, so a change of letter case counts."""

    installed_sql = (
        "SELECT trigger_name, event_object_table FROM information_schema.triggers "
        "WHERE trigger_schema = DATABASE() AND trigger_name LIKE 'dx%'"
    )
    text_cast = "CHAR"
    now_sql = "UTC_TIMESTAMP(6)"

    def numbering(self, ids, base):
        """InnoDB: look the rows up by primary key only (`id IN (...)`): a join would scan the
        log with locking reads and wait for the uncommitted entries of open transactions."""
        log = self.q(ChangeEntry._meta.db_table)
        cases = " ".join(["WHEN %s THEN %s"] * len(ids))
        placeholders = ", ".join(["%s"] * len(ids))
        sql = f"UPDATE {log} SET position = CASE id {cases} END WHERE id IN ({placeholders})"
        pairs = [value for n, id_ in enumerate(ids, 1) for value in (id_, base + n)]
        return sql, [*pairs, *ids]

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

    def numbering(self, ids, base):
        log = self.q(ChangeEntry._meta.db_table)
        sql = (
            f"UPDATE {log} SET position = %s + j.key + 1 FROM json_each(%s) AS j "
            f"WHERE {log}.id = j.value"
        )
        return sql, [base, json.dumps(ids)]

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


def fingerprint(table, identifier, columns, vendor):
    """Return 10 hex digits naming what a table's triggers are generated from."""
    text = json.dumps([GENERATION, vendor, table, identifier, list(columns)])
    return hashlib.sha256(text.encode()).hexdigest()[:10]


def trigger_name(table, stamp, suffix):
    """Return `dx_changes_<table, letters and digits only, 24 at most>_<stamp>_<suffix>`:
    at most 48 characters (PostgreSQL allows 63, MariaDB 64), unique by the fingerprint."""
    slug = re.sub(r"[^a-z0-9]+", "_", table.lower()).strip("_")[:24]
    return f"{PREFIX}{slug}_{stamp}_{suffix}"
