"""MySQL/MariaDB (mysqlclient): binary LIKE, CASE batch updates, error-number classification."""

import re

from dataexchange.engine.query.dialects.base import NOT_NULL, OTHER, UNIQUE, BaseDialect

DUP_KEY_RE = re.compile(r"for key '(?P<key>[^']+)'")
COLUMN_RE = re.compile(r"(?:Column|Field) '(?P<column>[^']+)'")
FK_RE = re.compile(r"FOREIGN KEY \(`(?P<column>[^`]+)`\)")
DATA_RE = re.compile(r"for column [`']?(?P<column>[^`' ]+)[`']?")
# Error numbers: cannot connect (2002, 2003), too many connections (1040), server shutting down
# (1053), connection lost or killed (2006, 2013, 2055, 1927), idle disconnect (4031), and
# mysqlclient's (0, '') for a connection closed under it.
UNAVAILABLE_ERRORS = {0, 1040, 1053, 1927, 2002, 2003, 2006, 2013, 2055, 4031}
# A lock wait that timed out (1205) and a deadlock victim (1213).
CONFLICT_ERRORS = {1205, 1213}


class MySQLDialect(BaseDialect):
    """MySQL/MariaDB: the driver sends executemany row by row, the default collations ignore
    case, and booleans are `tinyint(1)`."""

    vendor = "mysql"
    driver = "MySQLdb"
    default_values_sql = "() VALUES ()"
    updates_by_case = True
    update_returning = False
    upsert_names_target = False  # ON DUPLICATE KEY UPDATE fires on any unique key
    referencing_sql = """
        SELECT table_name, column_name, referenced_column_name
        FROM information_schema.key_column_usage
        WHERE referenced_table_schema = DATABASE() AND referenced_table_name = %s
        ORDER BY table_name, column_name
    """
    native_type_codes = {"integer": {2, 3, 8, 9}}  # FIELD_TYPE SHORT, LONG, LONGLONG, INT24
    now_sql = "UTC_TIMESTAMP(6)"
    identifier_quote = "`"
    backslash_escapes = True  # the sql_mode core/env.py sets keeps backslash escapes on
    transactional_ddl = False  # DDL commits the transaction it is run in
    read_committed_sql = "SET TRANSACTION ISOLATION LEVEL READ COMMITTED"

    def insert_new_sql(self, table, columns, unique, key, *, relaxed=False):
        """MySQL/MariaDB: `INSERT IGNORE` (no `ON CONFLICT`); the key comes from the driver.
        IGNORE also turns a value too long for its column into a warning: insert checked
        values only."""
        placeholders = ", ".join(["%s"] * len(columns))
        return f"INSERT IGNORE INTO {table} ({', '.join(columns)}) VALUES ({placeholders})"

    def inserted_key(self, cursor):
        return cursor.lastrowid if cursor.rowcount else None

    upsert_returning = False

    def key_text(self, value):
        """The default collations ignore case and trailing spaces when comparing strings."""
        if isinstance(value, str):
            return value.casefold().rstrip(" ")
        return None if value is None else str(value)

    def upsert_sql(self, key_columns, updates):
        """ON DUPLICATE KEY UPDATE: fires on any unique key; a business key is one."""
        sets = ", ".join(f"{c} = VALUES({c})" if sent else f"{c} = NULL" for c, sent in updates)
        return f" ON DUPLICATE KEY UPDATE {sets}"

    def event_trigger_sql(self, trigger, event, table, body, when):
        if when:
            body = f"BEGIN IF {when} THEN {body}; END IF; END"
        return f"CREATE TRIGGER {trigger} AFTER {event} ON {table} FOR EACH ROW {body}"

    def counter_bump_sql(self, table):
        return (
            f"INSERT INTO {table} (id, version) VALUES (1, 2) "
            "ON DUPLICATE KEY UPDATE version = version + 1"
        )

    def like_sql(self, column, pattern):
        """Compare bytes: the default `_ci` collations ignore case."""
        return f"{column} LIKE %s COLLATE utf8mb4_bin", [pattern]

    def classify_integrity_error(self, error, table_info):
        """Classify by error number, naming the column from the message (a unique key by its
        name in the table's constraints)."""
        cause = error.__cause__ or error
        args = getattr(cause, "args", ()) or ()
        number = args[0] if args and isinstance(args[0], int) else None
        message = str(args[1]) if len(args) > 1 else str(error)
        if number == 1062:
            match = DUP_KEY_RE.search(message)
            key = match["key"].rsplit(".", 1)[-1] if match else None
            columns = table_info.unique_constraints.get(key, ()) if key else ()
            return UNIQUE, columns[-1] if columns else None
        if number in (1048, 1364):
            match = COLUMN_RE.search(message)
            return NOT_NULL, match["column"] if match else None
        match = FK_RE.search(message) or DATA_RE.search(message)
        return OTHER, match.groupdict().get("column") if match else None

    def is_unavailable(self, error):
        """Return whether the error number means the connection or server is gone."""
        args = getattr(error, "args", ())
        return bool(args) and args[0] in UNAVAILABLE_ERRORS

    def is_conflict(self, error):
        """Return whether InnoDB rolled back a deadlock victim (1213) or gave up waiting for a
        lock (1205)."""
        args = getattr(error, "args", ())
        return bool(args) and args[0] in CONFLICT_ERRORS

    def is_boolean_column(self, info):
        """Return whether the column is `tinyint(1)`, the way booleans are stored here."""
        data_type = (getattr(info, "data_type", "") or "").lower()
        return data_type == "tinyint" and info.internal_size == 1

    def has_default(self, info):
        """Return whether the column has a default (MariaDB reports none as 'NULL')."""
        return info.default is not None and str(info.default).upper() != "NULL"
