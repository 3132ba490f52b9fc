"""The first statement of an API request, on a persistent connection, without a health check.

Django's CONN_HEALTH_CHECKS sends `SELECT 1` before the first query of every request, so that a
connection the server dropped (restart, failover, idle timeout) is replaced instead of failing the
request. On the API's hot path that is one more round trip than the work needs. `first_statement`
keeps the guarantee for free: it runs the request's first statement (the credential lookup) at
once, and only if that fails on a dead connection does it reconnect and run it again.
"""

from django.db import InterfaceError, OperationalError, connection


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
