"""Run a job's chunks through `engine.serve`, the entry point of the HTTP API, so that an
asynchronous item is validated, permission-checked, written and logged as a synchronous one.

A non-transactional job's chunk is one database transaction: the fence on the claim, the rows,
the chunk's results, the job's counters and the exchange items commit together, so a worker
killed anywhere in it leaves nothing, and the chunk is taken again after its lease. A
transactional job is applied by whoever claims its first chunk: every chunk in one transaction,
committed only when no item failed (SPEC A6); otherwise it is rolled back and only the results
are stored.
"""

import logging
import os
import time

from django.contrib.auth import get_user_model
from django.db import transaction
from django.http import QueryDict

import orjson

from dataexchange.auth.models import ApiKey
from dataexchange.engine.parse.request import ApiRequest, Caller, ItemSource
from dataexchange.engine.plan.reach import METHOD_ACTIONS
from dataexchange.engine.serve import Recording, serve
from dataexchange.errors import ApiException, Code, make_error
from dataexchange.exchangelog.models import ExchangeItem
from dataexchange.exchangelog.recorder import exchange_start
from dataexchange.jobs import conf
from dataexchange.jobs.claim import chunk_claim, chunk_fence
from dataexchange.jobs.models import Job, JobChunk
from dataexchange.jobs.record import Entry, RefusedItem, chunk_complete

logger = logging.getLogger(__name__)

ItemStatus = ExchangeItem.Status
# The members themselves: an attribute of a Choices class is a slow lookup, paid per item.
PROCESSED, FAILED, ROLLED_BACK = ItemStatus.PROCESSED, ItemStatus.FAILED, ItemStatus.ROLLED_BACK
# Tests only: a worker waits inside a chunk's transaction, its rows written but not committed,
# while the file this names exists (after creating `<path>.held`), so a test can kill it there.
HOLD_ENV = "DX_TEST_HOLD_CHUNK"


class Rollback(Exception):
    """Raised to roll a transactional job back once its results are known."""


def jobs_work(*, job_id, worker, limit=None):
    """Process chunks of job `job_id` until none is left to claim, or `limit` of them; return
    how many."""
    job = Job.objects.filter(pk=job_id).first()
    done = 0
    while job is not None and not job.is_final and (limit is None or done < limit):
        claim = chunk_claim(job, worker)
        if claim is None:
            break
        chunk_run(claim)
        done += 1
        job.refresh_from_db(fields=["status"])
    return done


def chunk_run(claim):
    """Process the claimed chunk (for a transactional job: the whole job)."""
    job = claim.chunk.job
    if claim.attempt > conf.get("MAX_ATTEMPTS"):
        chunk_abandon(claim)
    elif job.transactional:
        job_apply(claim)
    else:
        with transaction.atomic():
            if not chunk_fence(claim) or job_cancelled(claim):
                return
            entries = chunk_serve(job, claim.chunk, transactional=False)
            hold_for_tests()
            chunk_complete(job, claim.chunk, entries)


def job_apply(claim):
    """Apply every chunk of a transactional job in one transaction; commit only if no item
    failed, else roll back and store the results (failed and rolled-back items)."""
    job = claim.chunk.job
    processed = []
    try:
        with transaction.atomic():
            if not chunk_fence(claim) or job_cancelled(claim):
                return
            for chunk in job.chunks.order_by("seq"):
                processed.append((chunk, chunk_serve(job, chunk, transactional=True)))
            failed = any(e.status == FAILED for _, es in processed for e in es)
            hold_for_tests()
            if failed:
                raise Rollback
            for chunk, entries in processed:
                chunk_complete(job, chunk, entries)
    except Rollback:
        with transaction.atomic():
            if not chunk_fence(claim):
                return
            for chunk, entries in processed:
                chunk_complete(job, chunk, [rolled_back(entry) for entry in entries])


def rolled_back(entry):
    """Return `entry` as the rollback of its transaction left it."""
    if entry.status == PROCESSED:
        return Entry(entry.index, entry.outcome, ROLLED_BACK)
    return entry


def job_cancelled(claim):
    """Return whether the claim's job was cancelled; if so, the chunk is dropped (cancelling
    stops a job between chunks)."""
    status = Job.objects.filter(pk=claim.chunk.job_id).values_list("status", flat=True).first()
    if status != Job.Status.CANCELLED:
        return False
    JobChunk.objects.filter(pk=claim.chunk.pk).update(
        status=JobChunk.Status.CANCELLED, payload="", lease_until=None
    )
    return True


def chunk_serve(job, chunk, *, transactional):
    """Serve the items of `chunk` as the job's caller; return one Entry per item."""
    items = orjson.loads(chunk.payload) if chunk.payload else None
    trace = exchange_start()
    recording = Recording(trace, lambda result: None, save=lambda *args, **kwargs: None)
    try:
        result = serve(api_request_of(job, chunk, items, transactional), recording=recording)
    except ApiException as exc:  # refused before anything was written
        return refused_entries(job, chunk, items, tuple(exc.errors))
    if trace.outcomes is None:  # a DELETE: succeeded, or the rows it could not delete
        errors = () if result.status_code < 400 else errors_of(result)
        return refused_entries(job, chunk, items, errors)
    outcomes, first = trace.outcomes, chunk.first_index
    failed = transactional and any(outcome.errors for outcome in outcomes)
    if not failed and not any(outcome.errors for outcome in outcomes):  # all stored
        return [Entry(first + index, outcome, PROCESSED) for index, outcome in enumerate(outcomes)]
    return [
        Entry(first + index, outcome, item_status(outcome, failed))
        for index, outcome in enumerate(outcomes)
    ]


def item_status(outcome, batch_failed):
    """Return the status of one written item."""
    if outcome.errors:
        return FAILED
    return ROLLED_BACK if batch_failed else PROCESSED


def api_request_of(job, chunk, items, transactional):
    """Return the ApiRequest of one chunk of `job`, as its caller sends it today."""
    caller = caller_of(job)
    if caller is None:  # the key or user is gone or disabled: nothing may be written
        action = METHOD_ACTIONS[job.method][0]
        raise ApiException(
            make_error(Code.PERMISSION_DENIED, action=action, aliasName=job.endpoint)
        )
    single = bool(job.entity_id)
    return ApiRequest(
        method=job.method,
        alias=job.endpoint,
        caller=caller,
        entity_id=job.entity_id or None,
        params=QueryDict(job.query) if job.query else None,
        body=None
        if items is None
        else ItemSource.of(items, single=single, start=chunk.first_index),
        transactional=transactional,
        outcomes_only=True,
    )


def caller_of(job):
    """Return the Caller the job acts for: its API key (if still usable) or its user (if still
    active); None when neither may act any more."""
    if job.api_key_id is not None:
        key = ApiKey.objects.usable().select_related("owner").filter(pk=job.api_key_id).first()
        return Caller(key.owner, key) if key is not None else None
    user = get_user_model().objects.filter(pk=job.user_id, is_active=True).first()
    return Caller(user) if user is not None else None


def refused_entries(job, chunk, items, errors):
    """Return the Entries of a chunk whose items all share one fate: `errors` (failed) or
    none (succeeded; a DELETE)."""
    status = FAILED if errors else PROCESSED
    raws = items if items is not None else [None]
    return [
        Entry(
            chunk.first_index + offset,
            RefusedItem(f"{job.endpoint}[{chunk.first_index + offset}]", raw, errors),
            status,
        )
        for offset, raw in enumerate(raws)
    ]


def errors_of(result):
    """Return the ApiErrors of an A7 error Result (a DELETE that left rows)."""
    from dataexchange.errors import ApiError

    body = orjson.loads(result.content) if result.content else []
    return tuple(ApiError(e.get("code"), e.get("status"), e.get("message")) for e in body)


def chunk_abandon(claim):
    """Give up the items of a chunk taken MAX_ATTEMPTS times (1427), so the job can end."""
    chunk = claim.chunk
    last = chunk.first_index + chunk.size - 1
    error = make_error(
        Code.JOB_ABANDONED, first=chunk.first_index, last=last, attempts=claim.attempt - 1
    )
    logger.error("Job %s: %s", chunk.job_id, error.message)
    with transaction.atomic():
        if not chunk_fence(claim):
            return
        items = orjson.loads(chunk.payload) if chunk.payload else None
        job = chunk.job
        targets = [chunk] if not job.transactional else list(job.chunks.order_by("seq"))
        for target in targets:
            payload = orjson.loads(target.payload) if target.payload else None
            target_items = items if target.pk == chunk.pk else payload
            chunk_complete(job, target, refused_entries(job, target, target_items, (error,)))


def hold_for_tests():
    """Wait while the file named by DX_TEST_HOLD_CHUNK exists (tests only; unset: no-op)."""
    path = os.environ.get(HOLD_ENV)
    if not path:
        return
    with open(f"{path}.held", "w"):
        pass
    while os.path.exists(path):
        time.sleep(0.05)
