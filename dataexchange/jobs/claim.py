"""Claims on chunks: a lease taken by one compare-and-set UPDATE, checked again (fenced) inside
the transaction that writes the chunk's rows.

Portable across SQLite, PostgreSQL and MariaDB: no `SKIP LOCKED`, no subquery on the updated
table. A worker reads a few claimable chunks, then takes one with
`UPDATE ... WHERE id = %s AND attempts = %s AND (queued OR lease expired)`: of two workers
racing for a chunk, exactly one updates a row. The fence (`UPDATE ... WHERE worker = me AND
attempts = mine AND status = claimed`) is the first statement of the chunk's transaction: it locks
the chunk row until COMMIT, so a worker whose lease ran out (slow, not dead) cannot commit after
another took over, and the other waits for it instead of writing the same items twice.
"""

import os
import socket
from dataclasses import dataclass
from datetime import timedelta

from django.db.models import F
from django.utils import timezone

from dataexchange.jobs import conf
from dataexchange.jobs.models import Job, JobChunk

CANDIDATES = 8  # claimable chunks read per attempt; a lost race moves on to the next one


@dataclass(frozen=True, slots=True)
class Claim:
    """A chunk taken by `worker` on its `attempt`-th claim."""

    chunk: JobChunk
    worker: str
    attempt: int


def worker_name():
    """Return this process's name in claims: host and process id."""
    return f"{socket.gethostname()}:{os.getpid()}"[:255]


def lease_for(job):
    """Return the lease a claim on a chunk of `job` takes: a transactional job's first chunk
    applies all of them in one go."""
    chunks = job.chunks_total if job.transactional else 1
    return timedelta(seconds=conf.get("LEASE_SECONDS") * max(chunks, 1))


def chunk_claim(job, worker):
    """Return the Claim of the next chunk of `job` this worker took, or None when none is
    left to take. The claim commits at once (autocommit)."""
    now = timezone.now()
    candidates = (
        JobChunk.objects.claimable(now)
        .filter(job=job)
        .order_by("seq")
        .only("id", "attempts")[:CANDIDATES]
    )
    lease = lease_for(job)
    for candidate in candidates:
        taken = (
            JobChunk.objects.claimable(now)
            .filter(pk=candidate.pk, attempts=candidate.attempts)
            .update(
                status=JobChunk.Status.CLAIMED,
                worker=worker,
                lease_until=now + lease,
                attempts=F("attempts") + 1,
            )
        )
        if taken:
            Job.objects.filter(pk=job.pk, status=Job.Status.QUEUED).update(
                status=Job.Status.RUNNING, started_at=now
            )
            chunk = JobChunk.objects.get(pk=candidate.pk)
            return Claim(chunk, worker, candidate.attempts + 1)
    return None


def chunk_fence(claim):
    """Return whether `claim` still holds (and lock its chunk until the transaction ends);
    call first thing inside the transaction that writes the chunk."""
    return (
        JobChunk.objects.filter(
            pk=claim.chunk.pk,
            status=JobChunk.Status.CLAIMED,
            worker=claim.worker,
            attempts=claim.attempt,
        ).update(lease_until=timezone.now() + lease_for(claim.chunk.job))
        == 1
    )
