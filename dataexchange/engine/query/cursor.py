"""Query stage — the cursor the engine runs its statements on.

On PostgreSQL the engine keeps one psycopg cursor per connection (`EngineCursor`) instead of
creating a Django cursor per statement, and loads timestamptz values with psycopg's own C loader
instead of the Python subclass Django registers to pin their time zone (about 4 µs per value,
0.4 ms on a page of 100 rows); the values are the same aware instants. Elsewhere, and whenever
Django logs queries (DEBUG, tests counting queries), Django's own cursor is used.

The connection is the primary's, or the read replica `replicas.reading_on` chose for a GET's
data reads.
"""

import weakref

from dataexchange.engine.query.dialects import dialect
from dataexchange.replicas import read_connection


def db_cursor():
    """Return a cursor for the engine's statements (see above)."""
    engine = dialect()
    connection = read_connection()
    if not engine.reuses_cursor or connection.queries_logged:
        wrapper = connection.cursor()
        engine.prepare_cursor(wrapper.cursor)
        return wrapper
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    raw = connection.connection
    cursor = _engine_cursors.get(raw)
    if cursor is None:
        cursor = _engine_cursors[raw] = EngineCursor(connection, engine)
    return cursor


class EngineCursor:
    """A reusable psycopg cursor that raises Django's database exceptions, as Django's own
    cursors do (the write path catches IntegrityError and DataError)."""

    def __init__(self, connection, engine):
        self.connection = connection  # Django's wrapper of the psycopg connection
        self.cursor = connection.connection.cursor()
        engine.prepare_cursor(self.cursor)

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        return False  # kept open for the connection's next statement

    def execute(self, sql, params=None):
        self.connection.validate_no_broken_transaction()
        with self.connection.wrap_database_errors:
            return self.cursor.execute(sql, params)

    def executemany(self, sql, param_list):
        self.connection.validate_no_broken_transaction()
        with self.connection.wrap_database_errors:
            return self.cursor.executemany(sql, param_list)

    def fetchone(self):
        with self.connection.wrap_database_errors:
            return self.cursor.fetchone()

    def fetchall(self):
        with self.connection.wrap_database_errors:
            return self.cursor.fetchall()

    @property
    def rowcount(self):
        return self.cursor.rowcount


_engine_cursors = weakref.WeakKeyDictionary()  # psycopg connection → its EngineCursor
