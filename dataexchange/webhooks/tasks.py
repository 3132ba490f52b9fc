"""The tasks of webhooks on the task engine: send a subscription's due deliveries."""

from django_tasks import task

from dataexchange.jobs.claim import worker_name
from dataexchange.webhooks import conf
from dataexchange.webhooks.deliver import subscription_deliver


@task()
def webhook_deliver(subscription_id):
    """Send up to DELIVERIES_PER_TASK due deliveries of the subscription, then hand the rest
    on to a new task; return how many were attempted."""
    limit = conf.get("DELIVERIES_PER_TASK")
    done = subscription_deliver(subscription_id=subscription_id, worker=worker_name(), limit=limit)
    if done == limit:
        webhook_deliver.enqueue(subscription_id)
    return done
