"""Read replicas (`DATABASE_REPLICA_URLS`): which connection a request's data reads run on.

Only the engine's data reads of a GET or HEAD (a page, a row, includes, `X-Total-Count`, a
streamed export) go to a replica, and only for a caller whose credential lookup (on the primary,
like every credential, grant, revocation and configuration version check) found no write of
theirs within `READ_YOUR_WRITES_SECONDS`: a client reads its own writes. Writes, reads inside a
write (If-Match, a DELETE's counts, written rows) and everything the ORM reads stay on the
primary, because nothing but `reading_on` moves the engine's cursor (`engine/query/cursor.py`).

A replica that refuses connections is skipped for `DOWN_SECONDS` by this process; a read that
loses its replica connection is answered from the primary. Without replicas nothing of this runs
beyond one cached check per request.
"""

import logging
import random
import time
from contextlib import contextmanager, suppress
from contextvars import ContextVar
from datetime import timedelta
from functools import cache

from django.conf import settings
from django.db import (
    DEFAULT_DB_ALIAS,
    Error,
    InterfaceError,
    OperationalError,
    connection,
    connections,
)
from django.utils import timezone

from dataexchange import conf
from dataexchange.dbconn import is_unavailable

logger = logging.getLogger(__name__)

PREFIX = "replica_"  # DATABASES aliases of the replicas: replica_1, replica_2, ...
DOWN_SECONDS = 5.0  # how long a replica that refused a connection is left alone
LOST = (OperationalError, InterfaceError)

_reading = ContextVar("dx_read_connection", default=None)
_down_until = {}  # alias -> time.monotonic() until which it is skipped (this process only)


@cache
def replica_aliases():
    """Return the DATABASES aliases of the read replicas, in order (empty without replicas)."""
    return tuple(alias for alias in settings.DATABASES if alias.startswith(PREFIX))


def read_connection():
    """Return the connection the engine's statements run on: the replica chosen for this
    request's data reads inside `reading_on`, else the primary (`default`)."""
    # The wrapper itself, not the `connection` proxy: the engine asks it several times a
    # statement, and each proxy access is a thread-local lookup.
    return _reading.get() or connections[DEFAULT_DB_ALIAS]


@contextmanager
def reading_on(wrapper):
    """Run the engine's statements of the block on the connection `wrapper`."""
    token = _reading.set(wrapper)
    try:
        yield
    finally:
        _reading.reset(token)


def written_since():
    """Return the moment after which a caller's write sends their reads to the primary."""
    return timezone.now() - timedelta(seconds=conf.get("READ_YOUR_WRITES_SECONDS"))


def replica_for(caller):
    """Return a connected replica for the data reads of `caller`'s request, or None for the
    primary: no replicas, inside a transaction, a caller who wrote lately (or whose credential
    did not say: a session), or no replica reachable. Replicas are tried from a random one on."""
    aliases = replica_aliases()
    if not aliases or connection.in_atomic_block:
        return None
    if getattr(caller.auth, "recent_write", True) is not False:
        return None
    start = random.randrange(len(aliases))
    for alias in aliases[start:] + aliases[:start]:
        wrapper = connected(alias)
        if wrapper is not None:
            return wrapper
    return None


def connected(alias):
    """Return the connection of replica `alias`, connecting if needed, or None if it is down."""
    if _down_until.get(alias, 0.0) > time.monotonic():
        return None
    wrapper = connections[alias]
    try:
        wrapper.ensure_connection()
    except LOST as exc:
        _down_until[alias] = time.monotonic() + DOWN_SECONDS
        logger.warning("Read replica %s is unreachable, reading from the primary: %s", alias, exc)
        return None
    # No `SELECT 1` first: a dead persistent connection fails the first read, which `lost`
    # turns into a read from the primary, and the next request connects anew.
    wrapper.health_check_done = True
    return wrapper


def lost(wrapper, exc):
    """Return whether `exc`, raised by a read on replica `wrapper`, means the replica cannot
    serve (the read is then repeated on the primary); if so, close that connection."""
    if not isinstance(exc, LOST) or not is_unavailable(exc):
        return False
    logger.warning("Read replica %s failed, reading from the primary: %s", wrapper.alias, exc)
    with suppress(Error):  # closing a dead connection may fail; it is dropped either way
        wrapper.close()
    return True


def streamed_on(wrapper, pieces):
    """Yield the pieces of a streamed export, each read on replica `wrapper` (the stream is
    consumed after `serve` returned, outside its `reading_on` block)."""
    iterator = iter(pieces)
    while True:
        with reading_on(wrapper):
            piece = next(iterator, None)
        if piece is None:
            return
        yield piece


def note_write(caller):
    """Record that `caller`'s user wrote now, so that their reads go to the primary for
    READ_YOUR_WRITES_SECONDS (on every worker and host: the credential lookup reads it)."""
    from dataexchange.auth.models import LastWrite

    user_id = getattr(caller.user, "pk", None)
    if user_id is None:
        return
    try:
        LastWrite.objects.record(user_id)
    except Error:  # the write itself committed; answering 503 would make the client repeat it
        logger.exception("Could not record the write time of user %s", user_id)
