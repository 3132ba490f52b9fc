"""The dynamic endpoint view: one DRF view serving the nine routes of every configured endpoint.

URL → parse → plan → execute → render; this module only sets policy (authentication,
permissions, throttles) and hands the request to the engine.
"""

from rest_framework.permissions import IsAuthenticated
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from dataexchange import conf, registry
from dataexchange.api.exceptions import api_exception_handler
from dataexchange.api.reach import check_reach, viewable_aliases
from dataexchange.auth.permissions import has_endpoint_permission
from dataexchange.engine.concurrency import check_precondition_access, if_match, tag_written
from dataexchange.engine.counting import count_headers
from dataexchange.engine.delete import run_delete
from dataexchange.engine.dryrun import dry_run, is_dry_run, mark_dry_run
from dataexchange.engine.media import negotiate
from dataexchange.engine.parse import is_transactional, parse_body, parse_request_query
from dataexchange.engine.read import read_collection, read_entity
from dataexchange.engine.render import error_response, json_response
from dataexchange.engine.respond import write_response
from dataexchange.engine.stream import stream_response
from dataexchange.engine.write import run_write
from dataexchange.errors import Code, fail
from dataexchange.exchangelog import conf as log_conf
from dataexchange.exchangelog.durable import write_with_record
from dataexchange.exchangelog.recorder import exchange_record, exchange_start, received_from


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
        """Skip DRF's negotiation: responses are always JSON; Accept is checked in `initial`."""
        return None, None

    def http_method_not_allowed(self, request, *args, **kwargs):
        fail("007")

    def initial(self, request, *args, **kwargs):
        """Check route, Accept, credentials, endpoint and permission, in that order."""
        self.trace = exchange_start()
        routed = request.method.lower() in self.http_method_names
        if not routed or (request.method == "POST" and kwargs.get("entity_id") is not None):
            fail("007")
        streamable = request.method in ("GET", "HEAD") and kwargs.get("entity_id") is None
        self.media = negotiate(request.META.get("HTTP_ACCEPT", ""), streamable=streamable)
        if self.media is None:
            fail(Code.UNSUPPORTED_ACCEPT)
        super().initial(request, *args, **kwargs)
        self.snapshot = registry.snapshot(getattr(request.auth, "config_version", None))
        self.endpoint = self.snapshot.get(kwargs["alias"])
        if self.endpoint is None:
            fail("007")
        check_reach(request, self.snapshot, self.endpoint, request.method)

    def get(self, request, alias, entity_id=None):
        query = parse_request_query(request)
        if query.include:
            check_reach(request, self.snapshot, self.endpoint, "GET", include=query.include)
        if entity_id is not None:
            entity = read_entity(self.snapshot, self.endpoint, query, entity_id)
            return json_response({"data": entity.row}, headers={"ETag": entity.etag})
        headers = count_headers(request.headers, self.snapshot, self.endpoint, query)
        if self.media.is_stream:
            return stream_response(self.snapshot, self.endpoint, query, self.media, headers)
        rows = read_collection(self.snapshot, self.endpoint, query)
        return json_response({"data": rows}, headers=headers)

    def post(self, request, alias, entity_id=None):
        return self.write(request, "POST", entity_id)

    def patch(self, request, alias, entity_id=None):
        return self.write(request, "PATCH", entity_id)

    def put(self, request, alias, entity_id=None):
        return self.write(request, "PUT", entity_id)

    def delete(self, request, alias, entity_id=None):
        query = parse_request_query(request)
        may_view = has_endpoint_permission(request, self.endpoint.alias, "view")
        check_precondition_access(request, self.endpoint, may_view)

        def run():
            with dry_run(request), if_match(request, self.endpoint, entity_id):
                run_delete(self.snapshot, self.endpoint, query, url_id=entity_id, may_view=may_view)
            return json_response(None, status=204)

        return self.with_record(request, run)

    def write(self, request, method, entity_id):
        """Run a POST, PATCH or PUT through the write pipeline."""
        limit = conf.get("MAX_BODY_BYTES")
        size = int(request.META.get("CONTENT_LENGTH") or 0)
        if size > limit:
            fail("1408", size=size, max=limit)
        single = entity_id is not None
        items = parse_body(request.body, single)
        check_reach(request, self.snapshot, self.endpoint, method, items=items)
        viewable = viewable_aliases(request, self.snapshot, self.endpoint, items)
        may_view = self.endpoint.alias in viewable
        check_precondition_access(request, self.endpoint, may_view)
        transactional = self.trace.transactional = is_transactional(request.headers)

        def run():
            with dry_run(request), if_match(request, self.endpoint, entity_id):
                roots = self.trace.roots = run_write(
                    self.snapshot,
                    self.endpoint,
                    items,
                    method=method,
                    url_id=entity_id,
                    transactional=transactional,
                )
            response = write_response(
                roots, method=method, single=single, transactional=transactional, viewable=viewable
            )
            if not may_view:  # an ETag is a hash of the whole stored row
                return response
            return tag_written(response, self.endpoint, roots, entity_id)

        return self.with_record(request, run)

    def with_record(self, request, run):
        """Return `run()`'s response, committed in one transaction with the exchange record."""
        if not log_conf.get("ENABLED"):
            return run()
        self.trace.dry_run = is_dry_run(request)
        return write_with_record(
            self.trace,
            run,
            lambda response: received_from(self, request, response, self.trace),
            render_error=lambda exc: error_response(exc.errors, exc.status, exc.headers),
        )

    def finalize_response(self, request, response, *args, **kwargs):
        """Log the exchange, after the data transaction ended, and answer its X-Request-Id."""
        response = super().finalize_response(request, response, *args, **kwargs)
        mark_dry_run(request, response)
        return exchange_record(self, request, response)
