"""The OpenAPI document: drf-spectacular's base merged with the compiled endpoints, cached.

drf-spectacular supplies the info block, the settings-driven parts and any other DRF views; the
dynamic view cannot be introspected, so its paths come from `document.py`. A document is cached per
(configuration version, the caller's grants): an admin change bumps the version, and the next fetch
builds a fresh document without restart or scheduled job.
"""

import threading
from collections import OrderedDict

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.generators import SchemaGenerator
from rest_framework.settings import api_settings

from dataexchange import registry
from dataexchange.api.views import DynamicEntityView
from dataexchange.auth.models import ACTIONS
from dataexchange.auth.permissions import has_endpoint_permission
from dataexchange.changes.views import ChangeFeedView
from dataexchange.jobs.views import JobResultsView, JobView
from dataexchange.openapi import jobs, token, webhooks
from dataexchange.openapi.changes import feed_paths
from dataexchange.openapi.description import general_description
from dataexchange.openapi.document import DocContext, build_endpoint_document
from dataexchange.openapi.schemas import error_schemas

CACHE_SIZE = 64
# Views whose paths are written from the contract (document.py, openapi.jobs), not introspected.
DOCUMENTED_VIEWS = (DynamicEntityView, JobView, JobResultsView, ChangeFeedView)
_cache = OrderedDict()
_cache_lock = threading.Lock()


class DataExchangeSchemaGenerator(SchemaGenerator):
    """drf-spectacular's generator, plus the token endpoint and the compiled endpoints."""

    def __init__(self, *args, doc_context=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.doc_context = doc_context

    def _initialise_endpoints(self):
        """Leave out the routes documented from the contract instead of by introspection."""
        super()._initialise_endpoints()
        self.endpoints = [
            (path, regex, method, callback)
            for path, regex, method, callback in self.endpoints
            if getattr(callback, "cls", None) not in DOCUMENTED_VIEWS and path != "/token"
        ]

    def get_schema(self, request=None, public=False):
        """Return the document; without a caller (`manage.py spectacular`) it shows everything."""
        base = super().get_schema(request=request, public=public)
        return merge(base, self.doc_context or full_context())


def merge(base, ctx):
    """Return the base document with the token endpoint, security and the endpoints of `ctx`."""
    endpoints = build_endpoint_document(ctx)
    document = dict(base)
    document["info"] = {
        **base.get("info", {}),
        "description": general_description(base.get("info", {}).get("description", "")),
    }
    writer = any(action != "view" for _, action in ctx.allowed)  # may create jobs
    feeds, feed_schemas = feed_paths(ctx)
    document["paths"] = {
        **token.PATHS,
        **base.get("paths", {}),
        **endpoints.paths,
        **feeds,
        **(jobs.PATHS if writer else {}),
    }
    components = document["components"] = dict(base.get("components", {}))
    own = {
        "schemas": {
            **error_schemas(),
            **token.SCHEMAS,
            **webhooks.SCHEMAS,
            **(jobs.SCHEMAS if writer else {}),
            **feed_schemas,
        }
    }
    for section in ("schemas", "parameters", "responses", "headers"):
        merged = {
            **components.get(section, {}),
            **own.get(section, {}),
            **endpoints.components[section],
        }
        if merged:
            components[section] = dict(sorted(merged.items()))
    components["securitySchemes"] = {**components.get("securitySchemes", {}), **security_schemes()}
    document["security"] = [{name: []} for name in components["securitySchemes"]]
    document["tags"] = [token.TAG, *base.get("tags", []), *endpoints.tags]
    if writer:
        document["tags"].append(jobs.TAG)
    return document


def security_schemes():
    """Return the SPEC A8 schemes plus those of other configured authentication classes."""
    schemes = dict(token.SECURITY_SCHEMES)
    for auth_class in api_settings.DEFAULT_AUTHENTICATION_CLASSES:
        extension = OpenApiAuthenticationExtension.get_match(auth_class)
        if extension is None or extension.name in schemes:
            continue
        try:
            schemes[extension.name] = extension.get_security_definition(None)
        except Exception:  # an extension that needs a real AutoSchema: leave it out
            continue
    return schemes


def caller_context(request):
    """Return the DocContext of the caller: no grants at all without credentials."""
    snapshot = registry.snapshot()
    endpoints = tuple(snapshot.all())
    user = getattr(request, "user", None)
    authenticated = bool(
        getattr(user, "is_authenticated", False) or getattr(request, "auth", None) is not None
    )
    allowed = frozenset(
        (endpoint.alias, action)
        for endpoint in endpoints
        for action in ACTIONS
        if authenticated and has_endpoint_permission(request, endpoint.alias, action)
    )
    return DocContext(snapshot, endpoints, allowed)


def full_context():
    """Return the DocContext granting every action on every endpoint."""
    snapshot = registry.snapshot()
    endpoints = tuple(snapshot.all())
    allowed = frozenset((e.alias, action) for e in endpoints for action in ACTIONS)
    return DocContext(snapshot, endpoints, allowed)


def document_for(request, *, urlconf=None, api_version=None, patterns=None):
    """Return the document for the caller of `request`, built once per (version, grants).

    The document is shared between callers with the same grants: treat it as read-only."""
    ctx = caller_context(request)
    key = (ctx.snapshot.version, ctx.allowed, urlconf, api_version)
    with _cache_lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    generator = DataExchangeSchemaGenerator(
        urlconf=urlconf, api_version=api_version, patterns=patterns, doc_context=ctx
    )
    document = generator.get_schema(request=request, public=True)
    with _cache_lock:
        for stale in [k for k in _cache if k[0] != ctx.snapshot.version]:
            del _cache[stale]
        _cache[key] = document
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return document


def clear_cache():
    """Forget every cached document (tests)."""
    with _cache_lock:
        _cache.clear()
