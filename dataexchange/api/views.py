"""The dynamic endpoint view: one Django view serving the nine routes of every configured endpoint.

Policy only (route, `Accept`, credentials, throttles); then the request becomes an ApiRequest,
`engine.serve` answers it, and the Result becomes the HTTP response:

    route (007) ─▶ Accept (1406) ─▶ credentials (api.credentials) ─▶ throttles ─▶ ApiRequest
      ─▶ Idempotency-Key (api.idempotency) ─▶ engine.serve ─▶ http_response ─▶ X-Dry-Run,
      X-Request-Id, exchange record, metrics

A plain Django view, not a DRF APIView: DRF's request wrapper, parsers, negotiation and
response finalisation did nothing here (bodies are read by engine.parse, `Accept` by
engine.parse.media, errors rendered by api.exceptions) and cost about 50 of the ~700 Python
calls of a GET of one row. The authentication and throttle classes configured for DRF still run
(api.credentials).
"""

from django.utils.decorators import classonlymethod
from django.views import View
from django.views.decorators.csrf import csrf_exempt

from dataexchange import registry
from dataexchange.api.credentials import CredentialRequest, authenticate, check_throttles
from dataexchange.api.exceptions import api_exception_handler
from dataexchange.api.idempotency import body_digest, idempotent
from dataexchange.api.read_ahead import read_ahead
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
from dataexchange.metrics.instruments import observe_request

METHODS = ("GET", "POST", "PATCH", "PUT", "DELETE", "HEAD")
# Every answer of these routes varies by Accept (JSON or a stream).
RESPONSE_HEADERS = {"Vary": "Accept"}


class DynamicEntityView(View):
    """Serve `/<prefix>/<alias>` and `/<prefix>/<alias>/<id>` from compiled endpoints."""

    http_method_names = [method.lower() for method in METHODS]

    @classonlymethod
    def as_view(cls, **initkwargs):
        # Session-authenticated writes are checked for CSRF by DRF's SessionAuthentication.
        view = csrf_exempt(super().as_view(**initkwargs))
        view.cls = cls  # as DRF's as_view: the OpenAPI generator recognises the route by it
        return view

    def dispatch(self, request, alias, entity_id=None):
        self.trace = exchange_start()
        self.endpoint = None
        caller = CredentialRequest(request)
        try:
            response = self.answer(caller, alias, entity_id)
        except Exception as exc:
            response = api_exception_handler(exc)
        for name, value in RESPONSE_HEADERS.items():
            response[name] = value
        response["Allow"] = ", ".join(allowed_methods(alias, entity_id, caller.method))
        mark_dry_run(caller, response)
        response = exchange_record(self, caller, response)
        observe_request(self, caller.method, response)
        return response

    def answer(self, caller, alias, entity_id):
        """Check route, Accept, credentials and throttles; answer through the pipeline."""
        method = caller.method
        if method not in METHODS or (method == "POST" and entity_id is not None):
            fail(Code.NOT_FOUND)
        streamable = method in ("GET", "HEAD") and entity_id is None
        media = negotiate(caller.META.get("HTTP_ACCEPT", ""), streamable=streamable)
        if media is None:
            fail(Code.UNSUPPORTED_ACCEPT)
        # A GET of one row reads its credential and its row in one statement (api.read_ahead).
        answered = read_ahead(self, caller, alias, entity_id, media)
        if answered is not None:
            return answered
        if caller.user is None:  # unless reading ahead did
            authenticate(caller)
        check_throttles(caller, self)
        if is_async_write(caller):  # a write that prefers `respond-async` becomes a job (202)
            digest = body_digest(caller)  # its body is hashed as it streams into chunks
            job_request = job_request_from(caller, alias, entity_id, stream=digest)
            return idempotent(
                caller,
                lambda keep: http_response(job_accept(job_request, self.trace, keep)),
                digest,
            )
        api_request = api_request_from(caller, alias, entity_id, media)
        recording = self.recording(caller)
        # A write with an Idempotency-Key runs once per key (api.idempotency).
        return idempotent(
            caller, lambda keep: http_response(serve(api_request, recording=recording, keep=keep))
        )

    def recording(self, caller):
        """Return how a write's exchange is recorded with its data, or None (log off)."""
        if not log_conf.get("ENABLED"):
            return None
        return Recording(self.trace, lambda result: received_from(self, caller, result, self.trace))


def allowed_methods(alias, entity_id, method):
    """Return the methods the route serves (SPEC A1), as the OpenAPI document lists them: no
    POST on `/{id}`, DELETE only on a deletable endpoint. Any other method is answered 404
    `007` as Spryker does, with this `Allow` header.

    Served methods have compiled the endpoint already; only for another method (OPTIONS,
    TRACE, ...: rare) is it compiled here, so that its `Allow` is exact too."""
    methods = [m for m in METHODS if not (m == "POST" and entity_id is not None)]
    endpoint = registry.served_endpoint(alias)
    if endpoint is None and method not in METHODS:
        endpoint = registry.snapshot().get(alias)
    if endpoint is not None and not endpoint.deletable:
        methods.remove("DELETE")
    return methods
