"""`manage.py load_demo`: fill the demo commerce tables; safe to run again."""

import time

from django.core.management.base import BaseCommand, CommandError

from core.demo.loader import demo_load
from core.demo.progress import Progress
from core.models import Category, Country, Currency, Locale, Product, ProductAbstract


class Command(BaseCommand):
    help = (
        "Fill the demo commerce tables (spy_*) with reference data and N generated products. "
        "Idempotent: rows that exist are kept; a larger --products adds the missing products."
    )
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument(
            "--products",
            type=int,
            default=2000,
            help="How many abstract products the demo catalogue should hold (default 2000).",
        )
        parser.add_argument(
            "--quiet", action="store_true", help="Print nothing (same as --verbosity 0)."
        )

    def handle(self, *args, products, quiet, verbosity, **options):
        if products < 0:
            raise CommandError("--products must be 0 or more.")
        quiet = quiet or verbosity == 0
        started = time.monotonic()
        progress = Progress(
            products,
            label="Demo products",
            write=lambda text: self.stderr.write(text, ending=""),
            tty=self.stderr.isatty(),
            enabled=not quiet,
        )
        with progress:
            result = demo_load(products=products, on_progress=progress.advance)
        if not quiet:
            self.stdout.write(self._summary(result, time.monotonic() - started))

    def _summary(self, result, elapsed):
        counts = ", ".join(
            f"{model.objects.count()} {label}"
            for model, label in (
                (Locale, "locales"),
                (Country, "countries"),
                (Currency, "currencies"),
                (Category, "categories"),
                (ProductAbstract, "abstract products"),
                (Product, "concrete products"),
            )
        )
        return (
            f"Demo data ready in {elapsed:.1f}s ({result.products_created} new products, "
            f"{result.reference_rows} new reference rows): {counts}."
        )
