"""App configuration: connects the signals that keep cached permissions fresh."""

from django.apps import AppConfig


class DataExchangeAuthConfig(AppConfig):
    name = "dataexchange.auth"
    label = "dataexchange_auth"
    verbose_name = "Data Exchange access"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from dataexchange.auth import signals  # noqa: F401
