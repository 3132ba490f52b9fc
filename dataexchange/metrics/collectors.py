"""Figures read from the database at scrape time: they belong to no process, so no worker
counts them; the scrape asks the tables that hold them (one small query each)."""

from django.db.models import Count

from prometheus_client.core import GaugeMetricFamily

from dataexchange.jobs.models import Job, JobChunk


class QueueCollector:
    """The job queue: jobs by status, and chunks waiting for a worker."""

    def collect(self):
        jobs = GaugeMetricFamily(
            "dataexchange_jobs", "Asynchronous jobs by status (kept jobs only).", labels=["status"]
        )
        counts = dict(Job.objects.values_list("status").annotate(n=Count("pk")).order_by())
        for status in Job.Status.values:
            jobs.add_metric([status], counts.get(status, 0))
        yield jobs
        waiting = JobChunk.objects.filter(status=JobChunk.Status.QUEUED).count()
        yield GaugeMetricFamily(
            "dataexchange_job_chunks_waiting",
            "Chunks of asynchronous jobs queued and not yet claimed by a worker: the queue depth.",
            value=waiting,
        )
