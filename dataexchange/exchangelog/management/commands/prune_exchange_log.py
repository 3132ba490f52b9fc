"""`manage.py prune_exchange_log`: delete old exchanges in batches (run it daily)."""

from django.core.management.base import BaseCommand, CommandError

from dataexchange.exchangelog.durations import parse_duration
from dataexchange.exchangelog.models import Exchange
from dataexchange.exchangelog.retention import exchange_log_prune, retention_cutoffs


class Command(BaseCommand):
    help = (
        "Delete exchanges older than --older-than (e.g. 30d), or than EXCHANGE_LOG "
        "['RETENTION_DAYS'] per status, in batches."
    )

    def add_arguments(self, parser):
        parser.add_argument("--older-than", help="Age, e.g. 30d, 12h or 2w.")
        parser.add_argument(
            "--status",
            action="append",
            choices=Exchange.Status.values,
            help="Only this status; repeat for several.",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Count what would be deleted, delete nothing."
        )
        parser.add_argument("--batch-size", type=int, help="Exchanges per delete batch.")

    def handle(self, *args, **options):
        try:
            older_than = parse_duration(options["older_than"]) if options["older_than"] else None
        except ValueError as error:
            raise CommandError(str(error)) from None
        cutoffs = retention_cutoffs(older_than=older_than, statuses=options["status"])
        counts = exchange_log_prune(
            cutoffs=cutoffs, dry_run=options["dry_run"], batch_size=options["batch_size"]
        )
        verb = "Would delete" if options["dry_run"] else "Deleted"
        for status, count in counts.items():
            self.stdout.write(
                f"{verb} {count} {status} exchanges older than {cutoffs[status]:%Y-%m-%d %H:%M}."
            )
        self.stdout.write(f"{verb} {sum(counts.values())} exchanges in total.")
