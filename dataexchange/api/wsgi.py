"""The WSGI entry point: Django's handler, with a short way in for the API's bearer requests.

A bearer-token request to a dynamic endpoint route needs, of Django's request handling, only
what `api.direct` already keeps (the request guard, the host check, the view); yet Django's
handler also sends `request_started` through the signal machinery, walks every middleware in
front of the guard, and lists the response headers through a case-insensitive mapping (three
calls per header) — together about a third of the Python calls of a GET of one row.
`ApiWSGIHandler` is Django's `WSGIHandler`, and serves such a request the same way with less
machinery:

- what `request_started`'s receivers do (reset the query log, close connections that are
  unusable or past CONN_MAX_AGE) is done directly, as long as those are its only receivers;
- the request goes through the same middleware instances as in the full stack —
  SecurityMiddleware, the Content-Security-Policy middleware and the request guard — and then
  straight to the view as `api.direct` calls it; WhiteNoise is left out (it serves files under
  STATIC_URL, never an API path), as are the middleware after the direct route, which such a
  request never reached;
- the response's headers are handed to the server as stored.

`response.close()` (the server calls it) still sends `request_finished`, which recycles the
connection and runs the exchange log's after-response work. Every other request, and every
request when a setting asks for what only the full stack does (a different MIDDLEWARE, a
script prefix, ATOMIC_REQUESTS, DISALLOWED_USER_AGENTS, WHITENOISE_ROOT), goes to
`WSGIHandler` unchanged. `tests/api/test_wsgi_entry.py` compares the two, headers included.
"""

import weakref

from django.conf import settings
from django.core import signals
from django.core.handlers.exception import convert_exception_to_response
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections as close_old_connections_receiver
from django.db import connections, reset_queries
from django.middleware.security import SecurityMiddleware
from django.urls import set_script_prefix, set_urlconf
from django.utils.log import log_response

from dataexchange import conf
from dataexchange.api.direct import DirectRouteMiddleware, direct_route_allowed, route_match
from dataexchange.api.guard import RequestGuardMiddleware
from dataexchange.security_headers import ContentSecurityPolicyMiddleware

# The middleware in front of the direct route, as core.settings lists them: the short way in
# is taken only while MIDDLEWARE starts with exactly these.
FRONT_MIDDLEWARE = (
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "dataexchange.security_headers.ContentSecurityPolicyMiddleware",
    "dataexchange.api.guard.RequestGuardMiddleware",
    "dataexchange.api.direct.DirectRouteMiddleware",
)
STARTED_RECEIVERS = (reset_queries, close_old_connections_receiver)
# Set by a front server that mounts or rewrites; Django then derives a script prefix from them.
SCRIPT_NAME, SCRIPT_URL, REDIRECT = "SCRIPT_NAME", "SCRIPT_URL", "REDIRECT_URL"


class ApiWSGIHandler(WSGIHandler):
    """Django's WSGIHandler with the short way in for bearer API requests (see above)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.short = short_way_allowed()
        self.prefix = "/" + conf.get("ROUTE_PREFIX").strip("/") + "/"
        direct = DirectRouteMiddleware(None)
        guarded = RequestGuardMiddleware(convert_exception_to_response(direct_answer(direct)))
        framed = ContentSecurityPolicyMiddleware(convert_exception_to_response(guarded))
        self.chain = convert_exception_to_response(
            SecurityMiddleware(convert_exception_to_response(framed))
        )

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if not (
            self.short
            and "HTTP_AUTHORIZATION" in environ
            and path.startswith(self.prefix)
            and path.isascii()
            and not (environ.get(SCRIPT_NAME) or environ.get(SCRIPT_URL) or environ.get(REDIRECT))
            and route_match(path) is not None
            and started_receivers_known()
        ):
            return super().__call__(environ, start_response)
        set_script_prefix("/")
        for connection in connections.all(initialized_only=True):  # request_started's work
            connection.queries_log.clear()
            connection.close_if_unusable_or_obsolete()
        request = self.request_class(environ)
        set_urlconf(settings.ROOT_URLCONF)
        response = self.chain(request)
        response._resource_closers.append(request.close)
        if response.status_code >= 400:
            log_response(
                "%s: %s", response.reason_phrase, request.path, response=response, request=request
            )
        response._handler_class = self.__class__
        headers = list(response.headers._store.values())  # (name, value) pairs, as set
        headers.extend(("Set-Cookie", c.output(header="")) for c in response.cookies.values())
        start_response(f"{response.status_code} {response.reason_phrase}", headers)
        return response


def direct_answer(direct):
    """Return the innermost handler of the short way: the direct route's answer."""

    def answer(request):
        return direct.answer(request, route_match(request.path_info))

    return answer


def short_way_allowed():
    """Return whether settings leave bearer API requests to the short way in (see above)."""
    static = settings.STATIC_URL or ""
    prefix = "/" + conf.get("ROUTE_PREFIX").strip("/") + "/"
    return (
        tuple(settings.MIDDLEWARE[: len(FRONT_MIDDLEWARE)]) == FRONT_MIDDLEWARE
        and settings.FORCE_SCRIPT_NAME is None
        and getattr(settings, "WHITENOISE_ROOT", None) is None
        and not ("/" + static.lstrip("/")).startswith(prefix)
        and direct_route_allowed()
    )


def started_receivers_known():
    """Return whether `request_started` has only Django's own receivers (see above)."""
    receivers = signals.request_started.receivers
    return len(receivers) == len(STARTED_RECEIVERS) and {
        ref() if isinstance(ref, weakref.ref) else ref for _, ref, *_ in receivers
    } == set(STARTED_RECEIVERS)
