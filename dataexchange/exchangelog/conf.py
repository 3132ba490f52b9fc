"""Settings of the exchange log: one namespaced dict, `settings.EXCHANGE_LOG`, read lazily."""

from django.conf import settings

from dataexchange.namespaced_settings import Namespace

DEFAULTS = {
    # Switch the log off entirely (X-Request-Id is still answered).
    "ENABLED": True,
    # Also log GET/HEAD requests; writes (POST, PATCH, PUT, DELETE) are always logged.
    "LOG_READS": False,
    # Which items get a row: "failed" (failed and rolled-back items; processed ones are only
    # counted and their identifiers kept on the exchange) or "all".
    "ITEMS": "failed",
    # Which submitted data is kept: "none", "errors" (items that failed or were rolled back)
    # or "all" (also the written row of processed items).
    "CAPTURE": "errors",
    # Largest captured JSON per item (and per request-level error list), in characters.
    "MAX_CAPTURE_CHARS": 8192,
    # PostgreSQL: commit the log's own transaction without waiting for the WAL flush (a crash
    # may lose the last moments of log rows, never data). See recorder.relax_durability.
    "ASYNC_COMMIT": True,
    # Keys whose values are never stored (matched case-insensitively as substrings).
    "REDACT_KEYS": ("password", "passwd", "secret", "token", "api_key", "apikey", "authorization"),
    # Identifiers kept on an exchange for search, in characters (processed items included).
    "MAX_IDENTIFIERS_CHARS": 20000,
    # Default retention in days per exchange status, used by prune_exchange_log.
    "RETENTION_DAYS": {"processed": 30, "partially_failed": 90, "failed": 90, "rejected": 30},
    # Rows deleted per statement by prune_exchange_log.
    "PRUNE_BATCH_SIZE": 1000,
    # Sender of alert mails; None for DEFAULT_FROM_EMAIL.
    "ALERT_FROM_EMAIL": None,
    # Base URL for links in alert mails; None for settings.SITE_URL.
    "SITE_URL": None,
}

CHOICES = {
    "ITEMS": ("all", "failed"),
    "CAPTURE": ("none", "errors", "all"),
}


_namespace = Namespace("EXCHANGE_LOG", DEFAULTS, CHOICES)
get = _namespace.get


def site_url():
    """Return the base URL for links in mails, without a trailing slash."""
    return (get("SITE_URL") or getattr(settings, "SITE_URL", "") or "").rstrip("/")
