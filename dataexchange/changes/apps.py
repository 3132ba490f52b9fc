"""App configuration of the change log."""

from django.apps import AppConfig


class ChangesConfig(AppConfig):
    name = "dataexchange.changes"
    label = "changes"
    verbose_name = "Change log"
    default_auto_field = "django.db.models.BigAutoField"
