"""Commit a write and its exchange record together, and learn after a cut COMMIT whether it held.

An acknowledged write always has its exchange record: the record is inserted in the data's own
transaction, after the engine ran and the response was rendered, so data and record commit or
vanish together (a worker killed after answering cannot lose it, and a response that cannot be
rendered rolls the data back instead of answering 500 after a commit). A batch that the engine
rolled back (transactional failure, dry run) leaves only its record to commit.

If the connection breaks during COMMIT, the client must not be told "failed" for data that is
stored, nor "stored" for data that is not: a fresh connection looks for the record, which exists
exactly when the transaction committed.
"""

import logging
import time

from django.db import DatabaseError, connection, transaction

from dataexchange.errors import ApiException
from dataexchange.exchangelog.conflicts import retry_on_conflict
from dataexchange.exchangelog.models import Exchange

logger = logging.getLogger(__name__)

# How long to look for the record of a transaction whose COMMIT was cut, in seconds.
COMMIT_CHECK_SECONDS = 3.0


@retry_on_conflict  # a deadlock victim rolled back whole: run it again (exchangelog.conflicts)
def write_with_record(trace, run, received_of, *, render_error, save=None, **save_options):
    """Return the response of `run()`, committed in one transaction with its exchange record.

    `run` executes the write and returns its response (an ApiException it raises is rendered
    by `render_error` and committed too: a DELETE may report blocked rows after deleting the
    others); `received_of(response)` returns the Received facts of the request;
    `save_options` go to `save` (default `exchange_save`), which records the exchange.
    """
    from dataexchange.exchangelog.recorder import exchange_save, relax_durability

    try:
        with transaction.atomic():
            try:
                response = run()
            except ApiException as exc:
                response = render_error(exc)
            trace.finished = time.perf_counter()
            if not connection.needs_rollback:
                trace.exchange = (save or exchange_save)(
                    trace, received_of(response), response.status_code, **save_options
                )
                if only_record_commits(trace, response):
                    relax_durability()
                trace.saved = True
    except DatabaseError:
        if trace.saved and committed(trace.id):
            return response
        trace.saved = False
        raise
    if not trace.saved:
        # The engine wrote a lone item without a savepoint and it failed (engine.execute.write:
        # write_alone): the transaction rolled back, and its record commits on its own.
        trace.exchange = (save or exchange_save)(
            trace, received_of(response), response.status_code, **save_options
        )
        trace.saved = True
    return response


def only_record_commits(trace, response):
    """Return whether the engine rolled the data back, so that the record is all that commits:
    a dry run, or a transactional batch that answered an error."""
    return trace.dry_run or (bool(trace.transactional) and response.status_code >= 400)


def committed(exchange_id):
    """Return whether the exchange `exchange_id` is stored, asking on a fresh connection.

    Called after COMMIT failed: the connection is replaced, and the question is retried for a
    few seconds while the database is unreachable; if it never answers, the data is treated
    as not committed (the client gets 503 and retries; the record shows what happened)."""
    deadline = time.monotonic() + COMMIT_CHECK_SECONDS
    while True:
        connection.close()
        try:
            return Exchange.objects.filter(pk=exchange_id).exists()
        except DatabaseError:
            if time.monotonic() > deadline:
                logger.warning("Could not learn whether request %s committed", exchange_id)
                return False
            time.sleep(0.1)
