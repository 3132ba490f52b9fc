"""App configuration of webhooks."""

from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "dataexchange.webhooks"
    label = "webhooks"
    verbose_name = "Webhooks"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from dataexchange.webhooks import signals  # noqa: F401  (subscription changes)
