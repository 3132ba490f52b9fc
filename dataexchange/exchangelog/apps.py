"""App configuration of the exchange log, with a check that the log can outlive rollbacks."""

from django.apps import AppConfig
from django.conf import settings
from django.core import checks


class ExchangeLogConfig(AppConfig):
    name = "dataexchange.exchangelog"
    label = "exchangelog"
    verbose_name = "Exchange log"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        checks.register(check_atomic_requests, checks.Tags.database)


def check_atomic_requests(app_configs=None, **kwargs):
    """Warn when ATOMIC_REQUESTS would put the exchange log inside the request's transaction."""
    if settings.DATABASES.get("default", {}).get("ATOMIC_REQUESTS"):
        return [
            checks.Warning(
                "ATOMIC_REQUESTS is on: a request that rolls back also loses its exchange log.",
                hint="Turn ATOMIC_REQUESTS off; the API manages its own transactions (SPEC A6).",
                id="exchangelog.W001",
            )
        ]
    return []
