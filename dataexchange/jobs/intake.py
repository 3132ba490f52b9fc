"""Accept an asynchronous write (`Prefer: respond-async`): check what can be checked up front,
stream the body into chunk rows, record the job with its exchange, enqueue it, answer 202.

The body is read piece by piece from the request stream and stored chunk by chunk, so a body of
a million rows never sits whole in the web worker's memory. Job, exchange and chunks commit in
one transaction: a body cut or refused half-way leaves nothing behind. The task is enqueued once
that transaction has committed, so a worker never looks for a job it cannot see yet.
"""

import logging
from dataclasses import dataclass

from django.db import transaction

import orjson

from dataexchange import registry
from dataexchange.engine.parse.bodies import CSV, body_kind
from dataexchange.engine.plan.reach import check_reach
from dataexchange.engine.plan.write_plan import count_items
from dataexchange.engine.render.result import json_result
from dataexchange.errors import Code, fail
from dataexchange.exchangelog import conf as log_conf
from dataexchange.exchangelog.recorder import exchange_save
from dataexchange.jobs import conf
from dataexchange.jobs.bodies import body_items
from dataexchange.jobs.models import Job, JobChunk
from dataexchange.jobs.representation import job_document, job_location

logger = logging.getLogger(__name__)

PREFERENCE_APPLIED = "respond-async"


@dataclass(frozen=True, slots=True)
class JobRequest:
    """An asynchronous write as values: what the HTTP edge read, the body still unread."""

    method: str
    alias: str
    caller: object  # engine.parse.request.Caller
    entity_id: str | None
    query: str  # the raw query string (a DELETE's filters)
    transactional: bool
    content_type: str
    stream: object  # file-like: `read(size)` returns the next bytes of the body
    size: int | None  # Content-Length, when sent
    received: object  # exchangelog.recorder.Received


def job_accept(job_request, trace, keep=None):
    """Return the 202 Result of an asynchronous write, its job stored and enqueued; raise the
    ApiException of a request refused up front (007, 1404, 1419) or of a bad body (1301, 1418,
    1425...). `keep` (an Idempotency-Key's Keeper) keeps the 202 in the job's transaction."""
    snapshot = registry.snapshot(job_request.caller.config_version)
    endpoint = snapshot.get(job_request.alias)
    if endpoint is None:
        fail(Code.NOT_FOUND)
    check_reach(job_request.caller, snapshot, endpoint, job_request.method)
    body_kind(job_request.content_type)  # 1419 before reading anything
    try:
        with transaction.atomic():
            job = job_create(job_request, trace)
            job_fill(job, job_request, endpoint)
            headers = {"Location": job_location(job), "Preference-Applied": PREFERENCE_APPLIED}
            result = json_result(job_document(job), status=202, headers=headers)
            if keep is not None:
                keep(result)
            transaction.on_commit(lambda: job_enqueue(job))
    except Exception:  # the exchange rolled back too: the view logs the refusal instead
        trace.saved, trace.exchange = False, None
        raise
    return result


def job_create(job_request, trace):
    """Insert the job and, when the exchange log is on, its exchange (the request's id)."""
    caller = job_request.caller
    exchange = None
    if log_conf.get("ENABLED"):
        trace.transactional = job_request.transactional
        exchange = exchange_save(trace, job_request.received, 202)
        trace.exchange, trace.saved = exchange, True
    user = caller.user if caller.user is not None and caller.user.is_authenticated else None
    return Job.objects.create(
        user=user,
        api_key_id=job_request.received.client.api_key_id,
        client=job_request.received.client.name,
        endpoint=job_request.alias,
        method=job_request.method,
        entity_id=job_request.entity_id or "",
        query=job_request.query[:1000],
        transactional=job_request.transactional,
        exchange=exchange,
    )


def job_fill(job, job_request, endpoint):
    """Store the body as chunks of at most CHUNK_SIZE items, each within the endpoint's batch
    limit counted at every depth (SPEC B2, as a synchronous batch); set the job's totals. A
    transactional job's chunks are staged behind its first, which applies them all at once."""
    if job_request.method == "DELETE":
        chunk_store(job, 0, 0, None)
        job.items_total, job.chunks_total = 1, 1
    else:
        chunker = Chunker(job, conf.get("CHUNK_SIZE"), endpoint.max_batch_size)
        # A CSV row is one flat item (no nested rows): it weighs 1 without being walked.
        chunker.flat = body_kind(job_request.content_type) == CSV
        for item in body_items(job_request, endpoint):
            chunker.add(item)
        chunker.flush()
        if not chunker.total:
            fail(Code.DATA_FORMAT)
        job.items_total, job.chunks_total = chunker.total, chunker.seq
    job.save(update_fields=["items_total", "chunks_total"])


class Chunker:
    """Collect items into chunks and store each as it fills; refuse (1425) a transactional job
    as soon as it passes MAX_TRANSACTIONAL_ITEMS."""

    def __init__(self, job, size, max_weight):
        self.job, self.size, self.max_weight = job, size, max_weight
        self.cap = conf.get("MAX_TRANSACTIONAL_ITEMS") if job.transactional else None
        self.batch, self.weight, self.seq, self.total = [], 0, 0, 0
        self.flat = False  # every item is flat (CSV): each weighs 1

    def add(self, item):
        weight = 1 if self.flat else count_items([item])
        if self.batch and (len(self.batch) >= self.size or self.weight + weight > self.max_weight):
            self.flush()
        self.batch.append(item)
        self.weight += weight
        if self.cap is not None and self.total + len(self.batch) > self.cap:
            fail(Code.JOB_TOO_LARGE, max=self.cap)

    def flush(self):
        if not self.batch:
            return
        chunk_store(self.job, self.seq, self.total, self.batch)
        self.seq, self.total = self.seq + 1, self.total + len(self.batch)
        self.batch, self.weight = [], 0


def chunk_store(job, seq, first_index, items):
    """Insert chunk `seq` of `job` holding `items` (None: a DELETE, which has no body)."""
    staged = job.transactional and seq > 0
    JobChunk.objects.create(
        job=job,
        seq=seq,
        first_index=first_index,
        size=1 if items is None else len(items),
        status=JobChunk.Status.STAGED if staged else JobChunk.Status.QUEUED,
        payload="" if items is None else orjson.dumps(items).decode(),
    )


def job_enqueue(job):
    """Tell the task engine that `job` has work: one task per chunk a worker may take, at most
    FANOUT (each takes chunks until none is left). A failure to enqueue loses nothing: the
    periodic reclaim enqueues jobs that nobody started."""
    from dataexchange.jobs.tasks import job_work

    claimable = 1 if job.transactional else job.chunks_total
    try:
        for _ in range(max(1, min(claimable, conf.get("FANOUT")))):
            job_work.enqueue(str(job.id))
    except Exception:
        logger.exception("Could not enqueue job %s; the periodic reclaim will", job.id)
