"""The dynamic endpoint view: one DRF view serving the nine routes of every configured endpoint.

URL → parse → plan → execute → render; this module only sets policy (authentication,
permissions, throttles) and hands the request to the engine.
"""

from rest_framework.permissions import IsAuthenticated
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from dataexchange import conf, registry
from dataexchange.api.exceptions import api_exception_handler
from dataexchange.api.reach import included_aliases, written_aliases
from dataexchange.auth.permissions import has_endpoint_permission
from dataexchange.engine.concurrency import if_match, tag_written
from dataexchange.engine.counting import count_headers
from dataexchange.engine.delete import run_delete
from dataexchange.engine.dryrun import dry_run, mark_dry_run
from dataexchange.engine.parse import (
    accepts_json,
    is_transactional,
    parse_body,
    parse_request_query,
)
from dataexchange.engine.read import read_collection, read_entity
from dataexchange.engine.render import json_response
from dataexchange.engine.respond import write_response
from dataexchange.engine.stream import accepts_stream, stream_format, stream_response
from dataexchange.engine.write import run_write
from dataexchange.errors import fail
from dataexchange.exchangelog.recorder import exchange_record, exchange_start

ACTIONS = {"GET": "view", "HEAD": "view", "POST": "create", "PATCH": "update", "DELETE": "delete"}


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
        accept = request.META.get("HTTP_ACCEPT", "")
        if not (
            accepts_json(accept) or accepts_stream(request.method, kwargs.get("entity_id"), accept)
        ):
            fail("010")
        super().initial(request, *args, **kwargs)
        self.snapshot = registry.snapshot(getattr(request.auth, "config_version", None))
        self.endpoint = self.snapshot.get(kwargs["alias"])
        if self.endpoint is None:
            fail("007")
        self.check_permissions_on(request, [self.endpoint.alias])

    def check_permissions_on(self, request, aliases):
        """Raise 1404 unless the caller may do this request's action on every alias."""
        for alias in aliases:
            for action in self.required_actions(request.method):
                if not has_endpoint_permission(request, alias, action):
                    fail("1404", action=action, aliasName=alias)

    @staticmethod
    def required_actions(method):
        """Return the permissions a method needs; PUT may both update and create."""
        return ("update", "create") if method == "PUT" else (ACTIONS[method],)

    def get(self, request, alias, entity_id=None):
        query = parse_request_query(request)
        if query.include:
            reached = included_aliases(self.snapshot, self.endpoint, query.include)
            self.check_permissions_on(request, sorted(reached))
        if entity_id is not None:
            entity = read_entity(self.snapshot, self.endpoint, query, entity_id)
            return json_response({"data": entity.row}, headers={"ETag": entity.etag})
        headers = count_headers(request.headers, self.snapshot, self.endpoint, query)
        media = stream_format(request.META.get("HTTP_ACCEPT", ""))
        if media is not None:
            return stream_response(self.snapshot, self.endpoint, query, media, headers)
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
        with dry_run(request), if_match(request, self.endpoint, entity_id):
            run_delete(
                self.snapshot,
                self.endpoint,
                query,
                url_id=entity_id,
                may_view=has_endpoint_permission(request, self.endpoint.alias, "view"),
            )
        return json_response(None, status=204)

    def write(self, request, method, entity_id):
        """Run a POST, PATCH or PUT through the write pipeline."""
        limit = conf.get("MAX_BODY_BYTES")
        size = int(request.META.get("CONTENT_LENGTH") or 0)
        if size > limit:
            fail("1408", size=size, max=limit)
        single = entity_id is not None
        items = parse_body(request.body, single)
        reached = written_aliases(self.snapshot, self.endpoint, items)
        self.check_permissions_on(request, sorted(reached))
        aliases = (*reached, self.endpoint.alias)
        viewable = {a for a in aliases if has_endpoint_permission(request, a, "view")}
        transactional = self.trace.transactional = is_transactional(request.headers)
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
        return tag_written(response, self.endpoint, roots, entity_id)

    def finalize_response(self, request, response, *args, **kwargs):
        """Log the exchange, after the data transaction ended, and answer its X-Request-Id."""
        response = super().finalize_response(request, response, *args, **kwargs)
        mark_dry_run(request, response)
        return exchange_record(self, request, response)
