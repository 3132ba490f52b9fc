"""Asynchronous jobs in our own tables: the job, its chunks (payload, claim, results), and the
schedule of periodic tasks. The task queue only says "work is waiting"; what is done, by whom
and until when lives here and commits with the rows a chunk writes."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone


class JobQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Return the jobs `user` may see: their own, or every job for a superuser."""
        if user is None or not user.is_authenticated:
            return self.none()
        return self if user.is_superuser else self.filter(user=user)

    def finished(self):
        """Return jobs that will not change any more."""
        return self.filter(status__in=Job.FINAL)


class Job(models.Model):
    """One asynchronous write request: who asked what, how far it got, how it ended."""

    class Status(models.TextChoices):
        QUEUED = "queued", "queued"
        RUNNING = "running", "running"
        SUCCEEDED = "succeeded", "succeeded"
        PARTIALLY_FAILED = "partially_failed", "partially failed"
        FAILED = "failed", "failed"
        CANCELLED = "cancelled", "cancelled"

    FINAL = (Status.SUCCEEDED, Status.PARTIALLY_FAILED, Status.FAILED, Status.CANCELLED)

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    api_key_id = models.PositiveBigIntegerField("API key id", null=True, blank=True)
    client = models.CharField(max_length=255)
    endpoint = models.CharField(max_length=255)
    method = models.CharField(max_length=8)
    entity_id = models.CharField(max_length=255, blank=True)
    query = models.CharField(max_length=1000, blank=True, help_text="The raw query string.")
    transactional = models.BooleanField(default=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    items_total = models.PositiveIntegerField(default=0)
    items_done = models.PositiveIntegerField("succeeded", default=0)
    items_failed = models.PositiveIntegerField("failed", default=0)
    chunks_total = models.PositiveIntegerField(default=0)
    chunks_done = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True, help_text="Job-level errors.")
    exchange = models.OneToOneField(
        "exchangelog.Exchange", on_delete=models.SET_NULL, null=True, blank=True, related_name="job"
    )

    objects = JobQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        permissions = [("cancel_job", "Can cancel jobs")]
        indexes = [
            models.Index(fields=["created_at"], name="job_created"),
            models.Index(fields=["endpoint", "created_at"], name="job_endpoint"),
            models.Index(fields=["status", "created_at"], name="job_status"),
            models.Index(fields=["user", "created_at"], name="job_user"),
        ]

    def __str__(self):
        return f"{self.method} {self.endpoint} {self.id}"

    @property
    def is_final(self):
        return self.status in self.FINAL

    @property
    def progress(self):
        """Return the share of items processed, 0..1 (1 for a finished job)."""
        if self.is_final:
            return 1.0
        if not self.items_total:
            return 0.0
        return min((self.items_done + self.items_failed) / self.items_total, 1.0)

    def outcome_status(self):
        """Return the final status its counts give (for a job whose chunks are all done)."""
        if not self.items_failed and not self.errors:
            return self.Status.SUCCEEDED
        if self.transactional or self.items_failed >= self.items_total:
            return self.Status.FAILED
        return self.Status.PARTIALLY_FAILED


class ChunkQuerySet(models.QuerySet):
    def claimable(self, now):
        """Return chunks waiting for a worker: queued, or claimed by one whose lease ran out."""
        return self.filter(
            Q(status=JobChunk.Status.QUEUED)
            | Q(status=JobChunk.Status.CLAIMED, lease_until__lt=now)
        )


class JobChunk(models.Model):
    """Up to CHUNK_SIZE items of a job: the payload until processed, the claim, the results."""

    class Status(models.TextChoices):
        STAGED = "staged", "staged"  # a transactional job's chunk, applied with its first one
        QUEUED = "queued", "queued"
        CLAIMED = "claimed", "claimed"
        DONE = "done", "done"
        CANCELLED = "cancelled", "cancelled"

    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="chunks")
    seq = models.PositiveIntegerField()
    first_index = models.PositiveIntegerField()
    size = models.PositiveIntegerField()
    status = models.CharField(max_length=16, choices=Status.choices)
    # The items as a JSON array; emptied once the chunk is done (its results stay).
    payload = models.TextField(blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    worker = models.CharField(max_length=255, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    # One JSON object per line and item (jobs.results reads them), written with the data.
    results = models.TextField(blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = ChunkQuerySet.as_manager()

    class Meta:
        ordering = ["job", "seq"]
        constraints = [models.UniqueConstraint(fields=["job", "seq"], name="jobchunk_seq")]
        indexes = [models.Index(fields=["status", "lease_until"], name="jobchunk_claim")]

    def __str__(self):
        return f"{self.job_id} #{self.seq}"


class PeriodicTask(models.Model):
    """When a periodic task is next due; schedulers fire it by moving `due_at` on atomically,
    so that of several schedulers exactly one fires each run."""

    name = models.CharField(max_length=100, primary_key=True)
    due_at = models.DateTimeField(default=timezone.now)
    last_run_at = models.DateTimeField(null=True, blank=True)
    last_scheduler = models.CharField(max_length=255, blank=True)
    runs = models.PositiveIntegerField(default=0)

    def __str__(self):
        return self.name

    @classmethod
    def fire(cls, name, *, now, interval, scheduler):
        """Return whether this caller fired `name` (due at `now`): exactly one caller wins."""
        fired = cls.objects.filter(name=name, due_at__lte=now).update(
            due_at=now + interval, last_run_at=now, last_scheduler=scheduler, runs=F("runs") + 1
        )
        return fired == 1
