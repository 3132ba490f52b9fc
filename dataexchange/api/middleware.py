"""Keep the admin's middleware off the API's hot path.

API requests are exempt from CSRF (DRF checks it itself for session-authenticated writes) and
never show flash messages; a request that brings a bearer token is authenticated by it alone, so
it needs no session either. Django's middleware for those things costs about as much as the whole
API pipeline, so these wrappers let such requests pass by and run it, unchanged, for every other
request (the admin, the API docs, API requests relying on a browser session).
"""

from django.contrib.auth.middleware import AuthenticationMiddleware
from django.contrib.messages.middleware import MessageMiddleware
from django.contrib.sessions.middleware import SessionMiddleware
from django.middleware.csrf import CsrfViewMiddleware

from dataexchange import conf

JOBS_PREFIX = "/jobs/"
CHANGES_PREFIX = "/changes/"


def is_api_request(request):
    """Return whether `request` is for the Data Exchange routes, `/jobs/`, `/changes/` or
    `/token`."""
    path = request.path_info
    prefix = conf.get("ROUTE_PREFIX").strip("/")
    return path.startswith((f"/{prefix}/", JOBS_PREFIX, CHANGES_PREFIX)) or path == "/token"


def has_bearer_credentials(request):
    """Return whether an API request authenticates by its Authorization header alone."""
    return "HTTP_AUTHORIZATION" in request.META and is_api_request(request)


class BypassMixin:
    """Let requests that `bypasses` picks pass by the middleware (a subclass of Django's own, so
    that Django's checks still find it)."""

    def bypasses(self, request):
        return is_api_request(request)

    def __call__(self, request):
        if self.bypasses(request):
            return self.get_response(request)
        return super().__call__(request)


class BearerBypassMixin(BypassMixin):
    """Let API requests with bearer credentials pass by (they need no session)."""

    def bypasses(self, request):
        return has_bearer_credentials(request)


class SessionMiddlewareExceptBearer(BearerBypassMixin, SessionMiddleware):
    pass


class AuthenticationMiddlewareExceptBearer(BearerBypassMixin, AuthenticationMiddleware):
    pass


class CsrfViewMiddlewareExceptApi(BypassMixin, CsrfViewMiddleware):
    def process_view(self, request, view, args, kwargs):
        if self.bypasses(request):
            return None
        return super().process_view(request, view, args, kwargs)


class MessageMiddlewareExceptApi(BypassMixin, MessageMiddleware):
    pass
