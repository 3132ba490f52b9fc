"""The dynamic endpoint view: one DRF view serving the nine routes of every configured endpoint.

Policy only (authentication, permission, throttles, routing, `Accept`); then the request becomes
an ApiRequest, `engine.serve` answers it, and the Result becomes the HTTP response.
"""

from rest_framework.permissions import IsAuthenticated
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from dataexchange.api.exceptions import api_exception_handler
from dataexchange.api.idempotency import idempotent
from dataexchange.api.request import (
    api_request_from,
    is_async_write,
    job_request_from,
    mark_dry_run,
)
from dataexchange.api.responses import http_response
from dataexchange.engine.parse.media import negotiate
from dataexchange.engine.serve import Recording, serve
from dataexchange.errors import Code, fail
from dataexchange.exchangelog import conf as log_conf
from dataexchange.exchangelog.recorder import exchange_record, exchange_start, received_from
from dataexchange.jobs.intake import job_accept


class DynamicEntityView(APIView):
    """Serve `/<prefix>/<alias>` and `/<prefix>/<alias>/<id>` from compiled endpoints."""

    authentication_classes = api_settings.DEFAULT_AUTHENTICATION_CLASSES
    permission_classes = [IsAuthenticated]
    throttle_classes = api_settings.DEFAULT_THROTTLE_CLASSES
    parser_classes = ()  # bodies are read by engine.parse, never through request.data
    http_method_names = ["get", "post", "patch", "put", "delete", "head"]
    allowed_methods = [name.upper() for name in http_method_names]  # DRF's Allow header

    def get_exception_handler(self):
        return api_exception_handler

    def perform_content_negotiation(self, request, force=False):
        """Skip DRF's negotiation: `Accept` is checked in `initial`, answered by the Result."""
        return None, None

    def http_method_not_allowed(self, request, *args, **kwargs):
        fail(Code.NOT_FOUND)

    def initial(self, request, *args, **kwargs):
        """Check route, Accept, then credentials, permission class and throttles."""
        self.trace = exchange_start()
        entity_id = kwargs.get("entity_id")
        routed = request.method.lower() in self.http_method_names
        if not routed or (request.method == "POST" and entity_id is not None):
            fail(Code.NOT_FOUND)
        streamable = request.method in ("GET", "HEAD") and entity_id is None
        self.media = negotiate(request.META.get("HTTP_ACCEPT", ""), streamable=streamable)
        if self.media is None:
            fail(Code.UNSUPPORTED_ACCEPT)
        super().initial(request, *args, **kwargs)

    def handle(self, request, alias, entity_id=None):
        """Answer any of the nine routes through the pipeline; a write that prefers
        `respond-async` becomes a job (202); a write with an Idempotency-Key is answered once
        per key (api.idempotency)."""
        if is_async_write(request):
            job_request = job_request_from(request, alias, entity_id)
            return idempotent(
                request, lambda keep: http_response(job_accept(job_request, self.trace, keep))
            )
        api_request = api_request_from(request, alias, entity_id, self.media)
        recording = self.recording(request)
        return idempotent(
            request, lambda keep: http_response(serve(api_request, recording=recording, keep=keep))
        )

    get = post = patch = put = delete = handle

    def recording(self, request):
        """Return how a write's exchange is recorded with its data, or None (log off)."""
        if not log_conf.get("ENABLED"):
            return None
        return Recording(
            self.trace, lambda result: received_from(self, request, result, self.trace)
        )

    def finalize_response(self, request, response, *args, **kwargs):
        """Answer X-Request-Id; log what was not recorded with the data, once it is sent."""
        response = super().finalize_response(request, response, *args, **kwargs)
        mark_dry_run(request, response)
        return exchange_record(self, request, response)
