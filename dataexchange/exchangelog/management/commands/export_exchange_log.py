"""`manage.py export_exchange_log`: the exchange log as CSV on stdout, for people without admin."""

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from dataexchange.exchangelog.csvexport import csv_rows
from dataexchange.exchangelog.durations import parse_duration
from dataexchange.exchangelog.models import Exchange, ExchangeItem

# `--status` names the status of what is exported: the exchange's, or with --items the item's
# (a partially failed exchange holds failed items, a failed one may hold rolled-back items).
STATUSES = {Exchange: Exchange.Status.values, ExchangeItem: ExchangeItem.Status.values}


class Command(BaseCommand):
    help = (
        "Write exchanges (or with --items, their logged items) as CSV to stdout, e.g. "
        "`export_exchange_log --status failed --since 2d --endpoint countries > failed.csv`. "
        "With --items, --status is the item's status (processed, failed, rolled_back), so "
        "`--items --status failed` finds the failed items of partially failed batches too."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--status",
            action="append",
            choices=sorted({*STATUSES[Exchange], *STATUSES[ExchangeItem]}),
            help="Exchange status (failed, partially_failed, rejected, processed), or with "
            "--items the item's status (failed, rolled_back, processed); repeat for several.",
        )
        parser.add_argument("--since", help="Only the last period, e.g. 90m, 12h, 2d, 1w.")
        parser.add_argument("--endpoint", help="Resource name, e.g. countries.")
        parser.add_argument("--client", help="Client name, e.g. a user name.")
        parser.add_argument("--error-code", help="Only exchanges where this code occurred.")
        parser.add_argument("--items", action="store_true", help="Export the logged items instead.")

    def handle(self, *args, **options):
        exchanges = self.exchanges(options)
        if options["items"]:
            queryset = ExchangeItem.objects.filter(exchange__in=exchanges).order_by(
                "created_at", "exchange_id", "index"
            )
        else:
            queryset = exchanges.order_by("created_at", "id")
        queryset = with_status(queryset, options["status"])
        for line in csv_rows(queryset):
            self.stdout.write(line, ending="")

    def exchanges(self, options):
        """Return the exchanges matching the command's options other than --status."""
        queryset = Exchange.objects.all()
        if options["since"]:
            try:
                queryset = queryset.since(timezone.now() - parse_duration(options["since"]))
            except ValueError as error:
                raise CommandError(str(error)) from None
        if options["endpoint"]:
            queryset = queryset.for_endpoint(options["endpoint"])
        if options["client"]:
            queryset = queryset.filter(client=options["client"])
        if options["error_code"]:
            queryset = queryset.with_error_code(options["error_code"])
        return queryset


def with_status(queryset, statuses):
    """Return `queryset` narrowed to rows in `statuses`; raise if one is not its model's."""
    if not statuses:
        return queryset
    allowed = STATUSES[queryset.model]
    wrong = [status for status in statuses if status not in allowed]
    if wrong:
        kind = "an item" if queryset.model is ExchangeItem else "an exchange"
        raise CommandError(
            f"--status {wrong[0]} is not {kind} status; choose from {', '.join(allowed)}."
        )
    return queryset.filter(status__in=statuses)
