"""App configuration of the exchange log."""

from django.apps import AppConfig


class ExchangeLogConfig(AppConfig):
    name = "dataexchange.exchangelog"
    label = "exchangelog"
    verbose_name = "Exchange log"
    default_auto_field = "django.db.models.BigAutoField"
