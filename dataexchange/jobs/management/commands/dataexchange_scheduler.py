"""`manage.py dataexchange_scheduler`: enqueue periodic tasks when due (run one per host)."""

import signal
import time

from django.core.management.base import BaseCommand
from django.db import close_old_connections

from dataexchange.jobs.claim import worker_name
from dataexchange.jobs.scheduler import schedule_tick


class Command(BaseCommand):
    help = (
        "Enqueue the periodic tasks of DATA_EXCHANGE_JOBS['PERIODIC'] when due: lease reclaim, "
        "pruning. Several schedulers never fire the same run twice."
    )

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="Check once, then exit.")
        parser.add_argument(
            "--interval", type=float, default=5.0, help="Seconds between checks (default 5)."
        )

    def handle(self, *args, **options):
        name = f"scheduler@{worker_name()}"
        running = [True]
        signal.signal(signal.SIGTERM, lambda *_: running.clear())
        while running:
            close_old_connections()
            for task in schedule_tick(scheduler=name):
                self.stdout.write(f"Enqueued {task}")
            if options["once"]:
                return
            time.sleep(options["interval"])
