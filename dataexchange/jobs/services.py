"""Multi-step operations on jobs: cancel one, cancel many."""

from django.db import transaction
from django.utils import timezone

from dataexchange.errors import ApiException, Code, fail
from dataexchange.jobs.models import Job, JobChunk
from dataexchange.webhooks import outbox as webhooks_outbox


def job_cancel(*, job):
    """Cancel `job` between chunks: chunks not taken yet are dropped, a chunk being processed
    finishes (its rows commit with their results). Return the job; raise 1426 when it has
    finished already."""
    with transaction.atomic():
        job = Job.objects.select_for_update().get(pk=job.pk)
        if job.is_final:
            fail(Code.JOB_FINISHED, id=job.id, status=job.get_status_display())
        job.status, job.finished_at = Job.Status.CANCELLED, timezone.now()
        job.save(update_fields=["status", "finished_at"])
        webhooks_outbox.job_finished(job)
        JobChunk.objects.filter(
            job=job, status__in=(JobChunk.Status.QUEUED, JobChunk.Status.STAGED)
        ).update(status=JobChunk.Status.CANCELLED, payload="")
    return job


def jobs_cancel(*, jobs):
    """Cancel those of `jobs` (a queryset) that have not finished; return how many."""
    cancelled = 0
    for job in jobs.exclude(status__in=Job.FINAL):
        try:
            job_cancel(job=job)
        except ApiException:  # finished meanwhile
            continue
        cancelled += 1
    return cancelled
