"""`manage.py import_endpoints FILE`: create endpoints from a configuration file (SPEC A10)."""

import sys

from django.core.management.base import BaseCommand, CommandError

from dataexchange.config_io import ConfigFileError, endpoints_import, load_entries


class Command(BaseCommand):
    help = (
        "Create the endpoints of a JSON configuration file that do not exist yet; with --update, "
        "replace the ones whose resource name (tableAlias) exists. Every entry is checked first "
        "with the admin's rules: if any has a problem, all problems are listed and nothing is "
        "saved."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="Path of the JSON file; - reads standard input.")
        parser.add_argument(
            "--update",
            action="store_true",
            help="Replace endpoints whose resource name is already configured.",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Check and report, but save nothing."
        )

    def handle(self, *args, file, update, dry_run, **options):
        try:
            entries = load_entries(self._read(file))
            report = endpoints_import(entries=entries, update=update, dry_run=dry_run)
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        except ConfigFileError as exc:
            count = len(exc.problems)
            listing = "\n".join(f"  {problem}" for problem in exc.problems)
            raise CommandError(
                f"{count} problem{'s' if count != 1 else ''} in {file}; nothing was imported:\n"
                f"{listing}"
            ) from None
        for line in report.lines():
            self.stdout.write(line)

    @staticmethod
    def _read(file):
        if file == "-":
            return sys.stdin.read()
        try:
            with open(file, "rb") as handle:
                return handle.read()
        except OSError as exc:
            raise CommandError(f"Cannot read {file}: {exc.strerror}.") from None
