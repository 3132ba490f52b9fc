"""Periodic upkeep of jobs: reclaim work whose worker died, prune finished jobs and the task
engine's rows."""

import logging
from datetime import timedelta

from django.utils import timezone

from dataexchange.jobs import conf
from dataexchange.jobs.models import Job, JobChunk

logger = logging.getLogger(__name__)


def jobs_reclaim():
    """Enqueue the jobs with a chunk whose lease ran out (its worker died), and those queued
    for longer than a lease that no worker started (a lost task); return how many."""
    from dataexchange.jobs.tasks import job_work

    now = timezone.now()
    expired = JobChunk.objects.filter(status=JobChunk.Status.CLAIMED, lease_until__lt=now)
    forgotten = Job.objects.filter(
        status=Job.Status.QUEUED,
        created_at__lt=now - timedelta(seconds=conf.get("LEASE_SECONDS")),
    )
    job_ids = set(expired.values_list("job_id", flat=True))
    job_ids.update(forgotten.values_list("id", flat=True))
    for job_id in job_ids:
        job_work.enqueue(str(job_id))
    if job_ids:
        logger.info("Reclaimed %d job(s)", len(job_ids))
    return len(job_ids)


def jobs_prune(*, older_than=None, dry_run=False):
    """Delete finished jobs (their chunks and results with them) finished before `older_than`
    ago (default RETENTION_DAYS); return how many (a pruner of `dataexchange.pruning`). Their
    exchanges stay, pruned by the exchange log's own retention."""
    age = older_than if older_than is not None else timedelta(days=conf.get("RETENTION_DAYS"))
    old = Job.objects.finished().filter(finished_at__lt=timezone.now() - age)
    count = old.count()
    if not dry_run:
        JobChunk.objects.filter(job__in=old.values("id")).delete()
        old.delete()
    return count


def task_results_prune():
    """Delete the task engine's own rows (database backend) of tasks finished, or abandoned
    by a dead worker ("running" for ever), more than TASK_RESULTS_RETENTION_DAYS ago; return
    how many. The work they stood for is tracked in jobs and chunks."""
    from django_tasks_db.models import DBTaskResult

    cutoff = timezone.now() - timedelta(days=conf.get("TASK_RESULTS_RETENTION_DAYS"))
    old = DBTaskResult.objects.finished().filter(finished_at__lt=cutoff)
    dead = DBTaskResult.objects.running().filter(started_at__lt=cutoff)
    return old.delete()[0] + dead.delete()[0]
