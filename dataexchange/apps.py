"""App configuration: connects the signals that bump the configuration version."""

from django.apps import AppConfig


class DataExchangeConfig(AppConfig):
    name = "dataexchange"
    verbose_name = "Data Exchange"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from dataexchange import signals  # noqa: F401
