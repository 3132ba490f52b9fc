"""Run a write transaction again when the database chose it as the victim of a lock conflict.

Concurrent writers can lock rows in opposite orders (two batches, a trigger's side table, an
ERP writing straight into the database): InnoDB then rolls one transaction back with a deadlock
(1213) or gives up waiting (1205, the statement only; the atomic block rolls back the rest),
and PostgreSQL cancels one with deadlock_detected (40P01) or serialization_failure (40001). The
victim's transaction has rolled back whole, nothing of it is stored, so the safe answer is to run
it again from the start, after a short random pause that lets the winner commit. After
ATTEMPTS runs the error goes up, and the API answers 503 `1415` with Retry-After
(`api.exceptions`), never 500.
"""

import functools
import logging
import random
import time

from django.db import DatabaseError, Error, connection

from dataexchange.engine.query.dialects import dialect_of_driver

logger = logging.getLogger(__name__)

ATTEMPTS = 4  # runs of the transaction in all, the first included
PAUSE_SECONDS = 0.02  # the pause before the n-th retry: n × this, ± half, at random


def is_conflict(exc):
    """Return whether database error `exc` (Django's or the driver's) means that the
    transaction lost a lock conflict and was rolled back, so that running it again may work
    (each dialect's `is_conflict` knows its database's codes)."""
    cause = exc.__cause__ if isinstance(exc, Error) and exc.__cause__ is not None else exc
    engine = dialect_of_driver(type(cause).__module__.split(".")[0])
    return engine is not None and engine.is_conflict(cause)


def retry_on_conflict(write):
    """Decorate `write`, a function that runs (and commits) one write transaction, to run it
    again when it loses a lock conflict, up to ATTEMPTS times in all.

    Only where `write` owns its transaction: inside an outer atomic block the rollback is the
    outer block's to do, and the error goes up at once."""

    @functools.wraps(write)
    def retried(*args, **kwargs):
        for attempt in range(1, ATTEMPTS + 1):
            try:
                return write(*args, **kwargs)
            except DatabaseError as exc:
                if attempt == ATTEMPTS or connection.in_atomic_block or not is_conflict(exc):
                    raise
                logger.info(
                    "Write lost a lock conflict (run %s), running it again: %s", attempt, exc
                )
                time.sleep(PAUSE_SECONDS * attempt * random.uniform(0.5, 1.5))

    return retried
