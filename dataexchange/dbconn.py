"""Database connection health: the first statement as health check, and unavailable databases.

The first statement of an API request runs on a persistent connection without a health check.

Django's CONN_HEALTH_CHECKS sends `SELECT 1` before the first query of every request, so that a
connection the server dropped (restart, failover, idle timeout) is replaced instead of failing the
request. On the API's hot path that is one more round trip than the work needs. `first_statement`
keeps the guarantee for free: it runs the request's first statement (the credential lookup) at
once, and only if that fails on a dead connection does it reconnect and run it again.

`is_unavailable` tells an error meaning "the database cannot serve now" (connection lost,
server shutting down, SQLite busy beyond its timeout) from one the statement itself caused; the
API answers the first kind with 503 1415 and `Retry-After`. The dialect of the driver that raised
the error reads it; errors of any other origin are never "unavailable".
"""

from contextlib import suppress

from django.db import Error, InterfaceError, OperationalError, connection

from dataexchange.engine.query.dialects import dialect_of_driver

RETRY_AFTER = 1  # seconds a client waits before retrying a request the database could not serve


def first_statement(run):
    """Return `run()`, reconnecting once if the persistent connection turns out to be dead.

    `run` must be safe to repeat (a read). Inside a transaction it is simply called: a
    transaction cannot move to a new connection.
    """
    if connection.connection is None or connection.in_atomic_block:
        return run()
    connection.health_check_done = True  # trying the statement is the health check
    try:
        return run()
    except (OperationalError, InterfaceError):
        if connection.is_usable():
            raise  # the statement failed, not the connection
        connection.close()
        return run()


def is_unavailable(exc):
    """Return whether database error `exc` (Django's or the driver's) means the connection was
    lost or the database is busy or unavailable, rather than that the statement was wrong."""
    cause = exc.__cause__ if isinstance(exc, Error) and exc.__cause__ is not None else exc
    engine = dialect_of_driver(type(cause).__module__.split(".")[0])
    return engine is not None and engine.is_unavailable(cause)


def close_if_unavailable(exc):
    """Return whether `exc` means the database is unavailable; if so, close the default
    connection (unless a transaction holds it) so that the next request connects anew."""
    if not isinstance(exc, OperationalError | InterfaceError) or not is_unavailable(exc):
        return False
    if not connection.in_atomic_block:
        with suppress(Error):  # closing a dead connection may fail; it is dropped either way
            connection.close()
    return True
