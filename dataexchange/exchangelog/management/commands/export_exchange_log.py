"""`manage.py export_exchange_log`: the exchange log as CSV on stdout, for people without admin."""

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from dataexchange.exchangelog.csvexport import csv_rows
from dataexchange.exchangelog.durations import parse_duration
from dataexchange.exchangelog.models import Exchange, ExchangeItem


class Command(BaseCommand):
    help = (
        "Write exchanges (or with --items, their logged items) as CSV to stdout, e.g. "
        "`export_exchange_log --status failed --since 2d --endpoint countries > failed.csv`."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--status",
            action="append",
            choices=Exchange.Status.values,
            help="Exchange status; repeat for several.",
        )
        parser.add_argument("--since", help="Only the last period, e.g. 90m, 12h, 2d, 1w.")
        parser.add_argument("--endpoint", help="Resource name, e.g. countries.")
        parser.add_argument("--client", help="Client name, e.g. a user name.")
        parser.add_argument("--error-code", help="Only exchanges where this code occurred.")
        parser.add_argument("--items", action="store_true", help="Export the logged items instead.")

    def handle(self, *args, **options):
        exchanges = self.exchanges(options)
        queryset = exchanges.order_by("created_at", "id")
        if options["items"]:
            queryset = ExchangeItem.objects.filter(exchange__in=exchanges).order_by(
                "created_at", "exchange_id", "index"
            )
        for line in csv_rows(queryset):
            self.stdout.write(line, ending="")

    def exchanges(self, options):
        """Return the exchanges matching the command's options."""
        queryset = Exchange.objects.all()
        if options["status"]:
            queryset = queryset.filter(status__in=options["status"])
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
