"""Settings of the change log and feed: one namespaced dict, `settings.DATA_EXCHANGE_CHANGES`."""

from dataexchange.namespaced_settings import Namespace

DEFAULTS = {
    # Seconds a change is kept; older ones are pruned (`manage.py prune`, the periodic `prune`
    # task), and a cursor from before the pruned ones answers 410 `1428`.
    "RETENTION_SECONDS": 7 * 24 * 60 * 60,
    # Long-polling requests (`wait`) one process holds at once; one more answers at once, so a
    # few waiting consumers never occupy every worker thread.
    "MAX_WAITERS": 2,
    # Longest `wait` a request may ask for, in seconds (1430 above).
    "MAX_WAIT_SECONDS": 30,
    # Default and largest `limit` of one feed page.
    "DEFAULT_LIMIT": 100,
    "MAX_LIMIT": 1000,
    # Entries one sequencer transaction numbers; a longer backlog takes several.
    "SEQUENCE_BATCH": 5000,
}

_namespace = Namespace("DATA_EXCHANGE_CHANGES", DEFAULTS)
get = _namespace.get
