"""Render stage of jobs: a job as the JSON document `GET /jobs/<id>` answers."""

from django.urls import reverse


def job_location(job):
    """Return the path of `job` (the `Location` of a 202)."""
    return reverse("job", kwargs={"job_id": job.id})


def timestamp(moment):
    """Return an ISO 8601 timestamp, or None."""
    return moment.isoformat() if moment is not None else None


def job_document(job):
    """Return `{"data": {...}}` describing `job`: status, counts, timings, caller, links."""
    location = job_location(job)
    return {
        "data": {
            "id": str(job.id),
            "status": job.status,
            "endpoint": job.endpoint,
            "method": job.method,
            "entity_id": job.entity_id or None,
            "transactional": job.transactional,
            "items": {
                "total": job.items_total,
                "succeeded": job.items_done,
                "failed": job.items_failed,
            },
            "progress": round(job.progress, 4),
            "created_at": timestamp(job.created_at),
            "started_at": timestamp(job.started_at),
            "finished_at": timestamp(job.finished_at),
            "caller": job.client,
            "request_id": str(job.exchange_id) if job.exchange_id else None,
            "errors": job.errors,
            "links": {"self": location, "results": f"{location}/results"},
        }
    }
