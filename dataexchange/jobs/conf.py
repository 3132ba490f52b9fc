"""Settings of asynchronous jobs: one namespaced dict, `settings.DATA_EXCHANGE_JOBS`."""

from dataexchange.namespaced_settings import Namespace

DEFAULTS = {
    # Items per chunk: the unit a worker claims, writes and commits with its progress.
    "CHUNK_SIZE": 1000,
    # How long a claim holds before another worker may take the chunk again, in seconds. A
    # worker killed mid-chunk costs this much delay, never data; keep it well above the time
    # one chunk takes.
    "LEASE_SECONDS": 300,
    # Largest transactional job (items): its chunks are applied in one database transaction at
    # the end, so it is bounded; a larger body is refused with 413 1425.
    "MAX_TRANSACTIONAL_ITEMS": 100_000,
    # Largest body of an asynchronous request, in bytes (the synchronous cap is
    # DATA_EXCHANGE["MAX_BODY_BYTES"]); it is streamed into chunks, never held whole.
    "MAX_BODY_BYTES": 2 * 1024 * 1024 * 1024,
    # Days a finished job (with its results) is kept; chunk payloads go once processed.
    "RETENTION_DAYS": 7,
    # Days the task engine's rows (database backend) of finished tasks are kept.
    "TASK_RESULTS_RETENTION_DAYS": 1,
    # Periodic tasks run by `manage.py dataexchange_scheduler`: name -> interval in seconds.
    # changes.sequence numbers captured changes (the feed also does it as it reads);
    # changes.triggers regenerates capture triggers after a table's columns changed;
    # alerts.evaluate evaluates the alert rules (docs/exchange-log.md).
    "PERIODIC": {
        "jobs.reclaim": 60,
        "prune": 3600,
        "alerts.evaluate": 60,
        "changes.sequence": 60,
        "changes.triggers": 300,
        # webhooks.pump moves changes into the webhook outbox and wakes due deliveries.
        "webhooks.pump": 5,
    },
    # Tasks enqueued per job at most: how many workers may share one job's chunks.
    "FANOUT": 4,
    # Chunks one task processes before it enqueues the rest of its job as a new task: bounds
    # how long a stopping worker takes (SIGTERM waits for the task) and lets other jobs in.
    "CHUNKS_PER_TASK": 10,
    # Times a chunk is taken before its items are given up as failed (1427): a chunk whose
    # workers keep dying (out of memory, killed) must not block its job for ever.
    "MAX_ATTEMPTS": 5,
    # django-tasks queue that job work is enqueued on.
    "QUEUE": "default",
}

_namespace = Namespace("DATA_EXCHANGE_JOBS", DEFAULTS)
get = _namespace.get
