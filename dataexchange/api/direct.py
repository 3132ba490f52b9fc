"""Serve bearer-token requests to the dynamic endpoint routes straight from the middleware stack.

Such a request needs nothing of the middleware after the request guard: no session, CSRF
check, messages or redirect (see api.middleware), yet each of those layers, and Django's URL
resolver, still cost a little on every request — together about a sixth of a GET of one row.
`DirectRouteMiddleware`, right after `RequestGuardMiddleware`, matches the two dynamic endpoint
routes itself and calls the view, doing what the skipped layers would have done for it: the
host check (ALLOWED_HOSTS) and `Content-Length` of CommonMiddleware, and the `X-Frame-Options`
of XFrameOptionsMiddleware. Everything else (the admin, the docs, `/token`, requests relying on
a browser session or an API key, other paths) goes down the stack unchanged, as does every
request when a setting asks for what only the stack does (ATOMIC_REQUESTS,
DISALLOWED_USER_AGENTS).
"""

import re

from django.conf import settings

from dataexchange.api.views import DynamicEntityView
from dataexchange.urls import COLLECTION_ROUTE, ITEM_ROUTE

ROUTES = tuple(re.compile(route.replace("^", "^/", 1)) for route in (ITEM_ROUTE, COLLECTION_ROUTE))


class DirectRouteMiddleware:
    """Call DynamicEntityView for bearer-token requests to its routes (see above)."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.view = DynamicEntityView.as_view()
        self.frame_options = getattr(settings, "X_FRAME_OPTIONS", "DENY").upper()
        self.enabled = direct_route_allowed()

    def __call__(self, request):
        if not self.enabled or "HTTP_AUTHORIZATION" not in request.META:
            return self.get_response(request)
        match = route_match(request.path_info)
        if match is None:
            return self.get_response(request)
        return self.answer(request, match)

    def answer(self, request, match):
        """Answer `request` to the route `match` found, as the skipped middleware would."""
        request.get_host()  # ALLOWED_HOSTS, as CommonMiddleware checks (DisallowedHost → 400)
        response = self.view(request, **match.groupdict())
        if not response.streaming and not response.has_header("Content-Length"):
            response["Content-Length"] = str(len(response.content))  # as CommonMiddleware
        if response.get("X-Frame-Options") is None:
            response["X-Frame-Options"] = self.frame_options
        return response


def direct_route_allowed():
    """Return whether settings leave the dynamic routes to this middleware (see above)."""
    return not settings.DISALLOWED_USER_AGENTS and not any(
        database.get("ATOMIC_REQUESTS") for database in settings.DATABASES.values()
    )


def route_match(path):
    """Return the match of `path` against the dynamic endpoint routes, or None."""
    for route in ROUTES:
        match = route.match(path)
        if match is not None:
            return match
    return None
