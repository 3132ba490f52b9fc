"""End database sessions from the outside, as a failover, a restart or a network cut would:
the one helper every test of dropped connections uses (PostgreSQL and MariaDB)."""

from django.db import connection, connections

# The statement that ends session `%s`, run from another connection.
END_SESSION = {"postgresql": "SELECT pg_terminate_backend(%s)", "mysql": "KILL CONNECTION %s"}


def session_id(wrapper=None):
    """Return the server's id of `wrapper`'s session (the default connection if None)."""
    wrapper = wrapper or connection
    wrapper.ensure_connection()
    if wrapper.vendor == "postgresql":
        return wrapper.connection.info.backend_pid
    return wrapper.connection.thread_id()


def end_sessions(*ids):
    """End the sessions `ids` from a fresh connection; one that ended meanwhile is skipped."""
    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:
            for session in ids:
                try:
                    cursor.execute(END_SESSION[connection.vendor], [int(session)])
                except Exception:  # MariaDB: "Unknown thread id" when it ended by itself
                    pass
    finally:
        other.close()


def end_session_of(wrapper=None):
    """End `wrapper`'s session (the default connection if None)."""
    end_sessions(session_id(wrapper))
