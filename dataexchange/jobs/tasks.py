"""The tasks the task engine runs (Django's Tasks API, `django-tasks`): job work and periodic
tasks. A task only says "work is waiting"; what is done lives in our tables, so a task may run
twice, late, or on any host, and a lost one is enqueued again by the periodic reclaim."""

from django.utils.module_loading import import_string

from django_tasks import task

from dataexchange.jobs import conf
from dataexchange.jobs.claim import worker_name
from dataexchange.jobs.execute import jobs_work

# The periodic tasks `manage.py dataexchange_scheduler` fires (intervals in
# DATA_EXCHANGE_JOBS["PERIODIC"]): name -> dotted path of a function taking no arguments.
PERIODIC_TASKS = {
    "jobs.reclaim": "dataexchange.jobs.maintenance.jobs_reclaim",
    "prune": "dataexchange.pruning.prune_expired",
    "alerts.evaluate": "dataexchange.exchangelog.alerts.alerts_evaluate_now",
    "changes.sequence": "dataexchange.changes.sequencer.sequence_pending",
    "changes.triggers": "dataexchange.changes.capture.triggers_sync",
    "webhooks.pump": "dataexchange.webhooks.pump.webhooks_pump",
}


@task()
def job_work(job_id):
    """Process up to CHUNKS_PER_TASK chunks of job `job_id`, then hand the rest on to a new task
    (so a stopping worker stops soon, and jobs queued behind a large one get their turn);
    return how many chunks this task processed."""
    limit = conf.get("CHUNKS_PER_TASK")
    done = jobs_work(job_id=job_id, worker=worker_name(), limit=limit)
    if done == limit:
        job_work.enqueue(job_id)
    return done


@task()
def periodic_run(name):
    """Run the periodic task `name` (a key of PERIODIC_TASKS); return what it returns."""
    return import_string(PERIODIC_TASKS[name])()
