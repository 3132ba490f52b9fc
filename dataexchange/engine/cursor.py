"""The cursor the engine runs its statements on.

On PostgreSQL the engine keeps one psycopg cursor per connection (`EngineCursor`) instead of
creating a Django cursor per statement, and loads timestamptz values with psycopg's own C loader
instead of the Python subclass Django registers to pin their time zone (about 4 µs per value,
0.4 ms on a page of 100 rows); the values are the same aware instants. Elsewhere, and whenever
Django logs queries (DEBUG, tests counting queries), Django's own cursor is used.
"""

import weakref

from django.db import connection

try:
    import psycopg
    from psycopg.postgres import types as pg_types
except ImportError:  # PostgreSQL support not installed
    psycopg = None


def db_cursor():
    """Return a cursor of the default connection for the engine's statements (see above)."""
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
