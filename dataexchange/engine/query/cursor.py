"""Query stage — the cursor the engine runs its statements on.

On PostgreSQL the engine keeps one psycopg cursor per connection (`EngineCursor`) instead of
creating a Django cursor per statement, and loads timestamptz values with psycopg's own C loader
instead of the Python subclass Django registers to pin their time zone (about 4 µs per value,
0.4 ms on a page of 100 rows); the values are the same aware instants. Elsewhere, and whenever
Django logs queries (DEBUG, tests counting queries), Django's own cursor is used.
"""

import weakref

from django.db import DEFAULT_DB_ALIAS, connections

from dataexchange.engine.query.dialects import dialect


def db_cursor():
    """Return a cursor of the default connection for the engine's statements (see above)."""
    engine = dialect()
    db = connections[DEFAULT_DB_ALIAS]  # once: each `connection.x` is a thread-local lookup
    if not engine.reuses_cursor or db.queries_logged:
        wrapper = db.cursor()
        engine.prepare_cursor(wrapper.cursor)
        return wrapper
    db.close_if_health_check_failed()
    db.ensure_connection()
    raw = db.connection
    cursor = _engine_cursors.get(raw)
    if cursor is None:
        cursor = _engine_cursors[raw] = EngineCursor(db, engine)
    return cursor


class EngineCursor:
    """A reusable psycopg cursor that raises Django's database exceptions, as Django's own
    cursors do (the write path catches IntegrityError and DataError)."""

    def __init__(self, db, engine):
        self.db = db  # the Django connection (thread-local) whose psycopg connection this is
        self.cursor = db.connection.cursor()
        engine.prepare_cursor(self.cursor)

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        return False  # kept open for the connection's next statement

    def execute(self, sql, params=None):
        self.db.validate_no_broken_transaction()
        with self.db.wrap_database_errors:
            return self.cursor.execute(sql, params)

    def executemany(self, sql, param_list):
        self.db.validate_no_broken_transaction()
        with self.db.wrap_database_errors:
            return self.cursor.executemany(sql, param_list)

    def fetchone(self):
        with self.db.wrap_database_errors:
            return self.cursor.fetchone()

    def fetchall(self):
        with self.db.wrap_database_errors:
            return self.cursor.fetchall()


_engine_cursors = weakref.WeakKeyDictionary()  # psycopg connection → its EngineCursor
