"""SQLite: parameter limits, GLOB for case-sensitive LIKE, types from declared type names."""

import re
import sqlite3

from dataexchange.engine.plan.operators import like_to_glob
from dataexchange.engine.query.dialects.base import NOT_NULL, OTHER, UNIQUE, BaseDialect

ERROR_RE = re.compile(r"(?P<kind>UNIQUE|NOT NULL) constraint failed: (?P<columns>[\w.,\s]+)")
# Primary result codes: SQLITE_BUSY (another writer beyond the busy timeout), SQLITE_LOCKED.
UNAVAILABLE_CODES = {5, 6}
# SQLite accepts any declared type; these substrings decide the type in SQLite's order
# (https://sqlite.org/datatype3.html, "Determination of column affinity"), refined for dates,
# booleans and decimals, which SQLite stores under its numeric affinity.
AFFINITY = (
    ("BOOL", "BooleanField"),
    ("DATETIME", "DateTimeField"),
    ("TIMESTAMP", "DateTimeField"),
    ("DATE", "DateField"),
    ("TIME", "TimeField"),
    ("INT", "IntegerField"),
    ("CHAR", "CharField"),
    ("CLOB", "TextField"),
    ("TEXT", "TextField"),
    ("BLOB", "BinaryField"),
    ("REAL", "FloatField"),
    ("FLOA", "FloatField"),
    ("DOUB", "FloatField"),
    ("DEC", "DecimalField"),
    ("NUMERIC", "DecimalField"),
)
SIZE_RE = re.compile(r"\(\s*(\d+)\s*(?:,\s*(\d+)\s*)?\)")


class SQLiteDialect(BaseDialect):
    """SQLite: no row locks, LIKE ignores ASCII case, and columns keep their declared type."""

    rebuild_drops_triggers = True

    vendor = "sqlite"
    driver = "sqlite3"
    max_params = 32000 if sqlite3.sqlite_version_info >= (3, 32) else 999
    for_update_sql = ""  # SQLite locks the whole database for a write transaction
    now_sql = "strftime('%Y-%m-%d %H:%M:%f', 'now')"

    def counter_bump_sql(self, table):
        return (
            f"INSERT INTO {table} (id, version) VALUES (1, 2) "
            "ON CONFLICT (id) DO UPDATE SET version = version + 1"
        )

    def like_sql(self, column, pattern):
        """Match with GLOB: LIKE ignores ASCII case in SQLite; GLOB does not."""
        return f"{column} GLOB %s", [like_to_glob(pattern)]

    def ilike_sql(self, column, pattern):
        """Match case-insensitively, naming `\\` as the escape (SQLite has none by default)."""
        return f"LOWER({column}) LIKE LOWER(%s) ESCAPE '\\'", [pattern]

    def classify_integrity_error(self, error, table_info):
        """Classify by the message, naming the last column of the failed constraint."""
        match = ERROR_RE.search(str(error))
        if not match:
            return OTHER, None
        column = match["columns"].split(",")[-1].strip().rsplit(".", 1)[-1]
        return (UNIQUE if match["kind"] == "UNIQUE" else NOT_NULL), column

    def is_unavailable(self, error):
        """Return whether the database stayed busy or locked beyond the timeout."""
        return (getattr(error, "sqlite_errorcode", 0) & 0xFF) in UNAVAILABLE_CODES

    def fallback_field_type(self, info):
        """Return the Django type of a column from its declared type, by SQLite's own rules."""
        upper = str(info.type_code).upper()
        for needle, django_type in AFFINITY:
            if needle in upper:
                return django_type
        return "TextField"

    def declared_char_length(self, info):
        """Return the size in the declared type (`varchar(40)`), which SQLite only records."""
        match = SIZE_RE.search(str(info.type_code))
        return int(match[1]) if match else None

    def numeric_size(self, info):
        """Return (precision, scale) from the declared type (`decimal(10, 2)`), or (None, None)."""
        match = SIZE_RE.search(str(info.type_code))
        if not match:
            return None, None
        return int(match[1]), int(match[2] or 0)
