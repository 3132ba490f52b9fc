"""The kept answers of writes sent with an Idempotency-Key, one row per (caller, key)."""

from django.db import models


class IdempotencyKey(models.Model):
    """A claimed key: `running` while its first request runs (under a lease), `done` with the
    answer that request gave, committed in the same transaction as its data."""

    class State(models.TextChoices):
        RUNNING = "running", "running"
        DONE = "done", "done"

    caller = models.CharField(max_length=64)  # `user:<id>` or `key:<API key id>`
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64)  # SHA-256 of the request (keys.fingerprint)
    state = models.CharField(max_length=8, choices=State.choices, default=State.RUNNING)
    attempt = models.UUIDField()  # the claim of the request running now; a takeover replaces it
    lease_until = models.DateTimeField()  # a running claim older than this was abandoned
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    status_code = models.PositiveSmallIntegerField(null=True)
    headers = models.JSONField(default=dict)
    content_type = models.CharField(max_length=100, blank=True, default="")
    content = models.BinaryField(default=b"")  # the body, compressed (codec)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["caller", "key"], name="idempotency_caller_key_uniq")
        ]
        indexes = [models.Index(fields=["expires_at"], name="idempotency_expires_idx")]

    def __str__(self):
        return f"{self.caller} {self.key} ({self.state})"
