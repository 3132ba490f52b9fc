"""What expires and is pruned: one table of pruners, run by `manage.py prune` and by the periodic
task `prune` (`manage.py dataexchange_scheduler`).

A pruner is a keyword-only function deleting what its retention setting says has expired, in
short transactions, and returning how many rows it deleted. Add a pruner by adding a line.
"""

from django.utils.module_loading import import_string

PRUNERS = {
    # name: dotted path of the function
    "changes": "dataexchange.changes.retention.changes_prune",
    "idempotency-keys": "dataexchange.idempotency.store.prune_idempotency_keys",
    "jobs": "dataexchange.jobs.maintenance.jobs_prune",
    "task-results": "dataexchange.jobs.maintenance.task_results_prune",
    "exchange-log": "dataexchange.exchangelog.retention.exchange_log_prune_expired",
    "webhook-deliveries": "dataexchange.webhooks.retention.webhooks_prune",
}


def prune_expired(*, names=None):
    """Run the pruners named in `names` (all when None), in table order; return
    {name: rows deleted}. Raise KeyError for an unknown name."""
    chosen = list(PRUNERS) if names is None else [name for name in PRUNERS if name in names]
    unknown = set(names or ()) - set(PRUNERS)
    if unknown:
        raise KeyError(", ".join(sorted(unknown)))
    return {name: import_string(PRUNERS[name])() for name in chosen}
