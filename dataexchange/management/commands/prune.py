"""`manage.py prune`: delete what has expired (idempotency keys, ...; see dataexchange.pruning)."""

from django.core.management.base import BaseCommand

from dataexchange.pruning import PRUNERS, prune_expired


class Command(BaseCommand):
    help = "Delete expired rows: every pruner of dataexchange.pruning.PRUNERS, or those named."

    def add_arguments(self, parser):
        parser.add_argument(
            "--only", action="append", choices=list(PRUNERS), help="Only this pruner; repeat."
        )

    def handle(self, *args, **options):
        counts = prune_expired(names=options["only"])
        for name, count in counts.items():
            self.stdout.write(f"{name}: deleted {count}.")
