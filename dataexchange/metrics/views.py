"""`GET /metrics`: the Prometheus text exposition, for a superuser or the scrape credential.

Access: `Authorization: Bearer <DATA_EXCHANGE["METRICS_TOKEN"]>` (a long random secret a
Prometheus server sends; compared in constant time), or any credential the API accepts whose
user is a superuser. Everyone else gets the API's own errors: 403 "Unauthorized request."
without a credential (as every API route), 403 `1404` with one that is not a superuser's.
"""

import hmac
import os

from django.http import HttpResponse
from django.views import View

from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector

from dataexchange import conf
from dataexchange.api.credentials import CredentialRequest, authenticate
from dataexchange.api.exceptions import api_exception_handler
from dataexchange.errors import Code, fail
from dataexchange.metrics.collectors import QueueCollector

BEARER = "bearer "


class MetricsView(View):
    """Serve the metrics of every worker process (multiprocess mode) plus the queue's."""

    http_method_names = ["get", "head"]

    def dispatch(self, request, *args, **kwargs):
        try:
            self.check_access(request)
            if request.method not in ("GET", "HEAD"):
                fail(Code.NOT_FOUND)
            return HttpResponse(
                generate_latest(scrape_registry()), content_type=CONTENT_TYPE_LATEST
            )
        except Exception as exc:
            return api_exception_handler(exc)

    def check_access(self, request):
        """Let the scrape credential or a superuser's credential through; raise otherwise."""
        if scrape_credential_matches(request.META.get("HTTP_AUTHORIZATION", "")):
            return
        caller = CredentialRequest(request)
        authenticate(caller)
        if not caller.user.is_superuser:
            fail(Code.PERMISSION_DENIED, action="scrape", aliasName="metrics")


def scrape_credential_matches(header):
    """Return whether `header` is `Bearer <the configured scrape token>` (never when unset)."""
    token = conf.get("METRICS_TOKEN")
    if not token or not header[: len(BEARER)].lower() == BEARER:
        return False
    return hmac.compare_digest(header[len(BEARER) :].strip().encode(), token.encode())


def scrape_registry():
    """Return the registry one scrape reads: the samples of every worker process when
    `PROMETHEUS_MULTIPROC_DIR` is set, else this process's; plus the database's figures."""
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if folder:
        registry = CollectorRegistry()
        MultiProcessCollector(registry, path=folder)
    else:
        registry = CollectorRegistry()
        registry.register(ProcessRegistry())
    registry.register(QueueCollector())
    return registry


class ProcessRegistry:
    """The default registry's metrics (this process), as one collector of another registry."""

    def collect(self):
        return REGISTRY.collect()
