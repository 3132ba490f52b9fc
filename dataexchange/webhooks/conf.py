"""Settings of webhooks: one namespaced dict, `settings.DATA_EXCHANGE_WEBHOOKS`."""

from dataexchange.namespaced_settings import Namespace

DEFAULTS = {
    # Allow target URLs on private, loopback, link-local and other non-public addresses. Off in
    # production: a subscription must not make the server call into its own network (SSRF).
    "ALLOW_PRIVATE": False,
    # Seconds to connect, and to wait for the answer, per attempt.
    "CONNECT_TIMEOUT": 5.0,
    "READ_TIMEOUT": 10.0,
    # Follow 3xx answers (each hop checked like the first)? Off: a 3xx is a failed attempt.
    "FOLLOW_REDIRECTS": False,
    "MAX_REDIRECTS": 3,
    # Bytes of a receiver's answer kept in the delivery log.
    "RESPONSE_EXCERPT_BYTES": 1024,
    # Seconds to wait after the 1st, 2nd, ... failed attempt (each with +/- JITTER); after the
    # last one the delivery is dead-lettered. The default sums to about 23.7 hours.
    "RETRY_SCHEDULE": [5, 30, 120, 600, 1800, 3600, 7200, 14400, 28800, 28800],
    "JITTER": 0.2,
    # A subscription whose deliveries have failed without a success for this many days is
    # deactivated and its owner e-mailed.
    "DISABLE_AFTER_DAYS": 3,
    # How long a worker holds a claimed delivery; a worker killed mid-delivery costs this much
    # delay before another worker sends it again. Keep it above CONNECT + READ timeouts.
    "LEASE_SECONDS": 60,
    # Deliveries one task sends before it hands the rest of its subscription to a new task.
    "DELIVERIES_PER_TASK": 100,
    # Change-log entries moved into the outbox per subscription and endpoint in one pump run.
    "PUMP_BATCH": 1000,
    # Days delivered and dead-lettered deliveries (with their attempts) are kept.
    "LOG_RETENTION_DAYS": 30,
    # django-tasks queue deliveries are enqueued on.
    "QUEUE": "default",
}

_namespace = Namespace("DATA_EXCHANGE_WEBHOOKS", DEFAULTS)
get = _namespace.get
