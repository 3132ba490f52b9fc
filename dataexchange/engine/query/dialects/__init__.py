"""The dialect of the current database: one object per backend, like Django's `connection.ops`.

Every difference between the databases the engine supports lives in a dialect class; the rest of
the code asks `dialect()` and never branches on `connection.vendor`. Adding a database means
writing one subclass of `BaseDialect` and naming it in `DIALECT_CLASSES`.
"""

from django.db import connection
from django.utils.module_loading import import_string

# Django's `connection.vendor` → the dialect class, imported on first use (as Django loads its
# backends) so that dialect modules may import the engine modules they delegate to.
DIALECT_CLASSES = {
    "postgresql": "dataexchange.engine.query.dialects.postgresql.PostgreSQLDialect",
    "mysql": "dataexchange.engine.query.dialects.mysql.MySQLDialect",
    "sqlite": "dataexchange.engine.query.dialects.sqlite.SQLiteDialect",
}
BASE_CLASS = "dataexchange.engine.query.dialects.base.BaseDialect"

_instances = {}  # vendor → its dialect object
_default = None  # the default database's dialect, once asked


def dialect():
    """Return the dialect of the default connection's database (one cached object per vendor).

    The default database of a process does not change, so its dialect is looked up once
    (`connection.vendor` is a thread-local lookup, and the engine asks several times a request).
    """
    global _default
    if _default is None:
        _default = dialect_of(connection.vendor)
    return _default


def dialect_of(vendor):
    """Return the dialect object of `vendor`; databases without a class get the portable base."""
    if vendor not in _instances:
        _instances[vendor] = import_string(DIALECT_CLASSES.get(vendor, BASE_CLASS))()
    return _instances[vendor]


def dialect_of_driver(module):
    """Return the dialect whose DB-API driver is the top-level module `module`, or None."""
    for vendor in DIALECT_CLASSES:
        if dialect_of(vendor).driver == module:
            return dialect_of(vendor)
    return None
