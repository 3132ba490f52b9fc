"""App configuration of API access (tokens, API keys, endpoint grants)."""

from django.apps import AppConfig


class DataExchangeAuthConfig(AppConfig):
    name = "dataexchange.auth"
    label = "dataexchange_auth"
    verbose_name = "Data Exchange access"
    default_auto_field = "django.db.models.BigAutoField"
