"""`manage.py export_endpoints [ALIAS ...]`: print endpoint configurations (SPEC A10)."""

from django.core.management.base import BaseCommand, CommandError

from dataexchange.config_io import dump_entries, endpoints_export
from dataexchange.models import Endpoint


class Command(BaseCommand):
    help = (
        "Print the configuration of all endpoints, or of the given resource names, as the JSON "
        "file import_endpoints reads (enabled fields only)."
    )

    def add_arguments(self, parser):
        parser.add_argument("aliases", nargs="*", metavar="ALIAS", help="Resource names.")
        parser.add_argument("-o", "--output", help="Write to this file instead of the output.")

    def handle(self, *args, aliases, output, **options):
        endpoints = Endpoint.objects.order_by("alias")
        if aliases:
            endpoints = endpoints.filter(alias__in=aliases)
            unknown = sorted(set(aliases) - set(endpoints.values_list("alias", flat=True)))
            if unknown:
                raise CommandError(f"No endpoint with resource name: {', '.join(unknown)}.")
        text = dump_entries(endpoints_export(endpoints=endpoints))
        if output:
            with open(output, "w", encoding="utf-8") as handle:
                handle.write(text)
        else:
            self.stdout.write(text, ending="")
