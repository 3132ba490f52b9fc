"""The named scheduler of periodic tasks: it enqueues each task when due, and never twice.

Any number of schedulers may run (one per host is fine): each due run is fired by the one whose
compare-and-set on `PeriodicTask.due_at` succeeds (`PeriodicTask.fire`). The scheduler only
enqueues; workers run the tasks.
"""

import logging
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from dataexchange.jobs import conf
from dataexchange.jobs.models import PeriodicTask

logger = logging.getLogger(__name__)


def schedule_tick(*, scheduler, now=None):
    """Enqueue every periodic task due at `now`; return the names this scheduler fired."""
    from dataexchange.jobs.tasks import PERIODIC_TASKS, periodic_run

    now = now or timezone.now()
    fired = []
    for name, seconds in conf.get("PERIODIC").items():
        if name not in PERIODIC_TASKS:
            logger.warning("Unknown periodic task %r in DATA_EXCHANGE_JOBS['PERIODIC']", name)
            continue
        periodic_ensure(name, now)
        if PeriodicTask.fire(
            name, now=now, interval=timedelta(seconds=seconds), scheduler=scheduler
        ):
            periodic_run.enqueue(name)
            fired.append(name)
    return fired


def periodic_ensure(name, now):
    """Create the schedule row of `name`, due now, unless it exists."""
    if PeriodicTask.objects.filter(name=name).exists():
        return
    try:
        with transaction.atomic():
            PeriodicTask.objects.create(name=name, due_at=now)
    except IntegrityError:  # another scheduler created it first
        pass
