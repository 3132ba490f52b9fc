"""Who is asking: the configured DRF authentication and throttle classes, run without DRF's view.

The dynamic endpoint view is a plain Django view (see api.views): DRF's request wrapper,
parsers, content negotiation and response finalisation did nothing for it (about 50 of the
~700 Python calls a GET of one row made then). What DRF earns its keep with stays DRF's: the
classes of `REST_FRAMEWORK["DEFAULT_AUTHENTICATION_CLASSES"]` and `["DEFAULT_THROTTLE_CLASSES"]`
run as in an APIView (same order, same exceptions, `force_authenticate` in tests), on a
CredentialRequest: the part of DRF's `Request` interface they read.
"""

from rest_framework import exceptions
from rest_framework.settings import api_settings


class CredentialRequest:
    """The request as DRF authentication and throttle classes, the exchange log and
    `api.request` read it: `user`, `auth`, `query_params`, `_request`, and the Django request's
    own attributes (`META`, `method`, `path`, `COOKIES`…)."""

    def __init__(self, request):
        self._request = request
        self.method = request.method
        self.META = request.META
        self._user = None
        self._auth = None

    @property
    def user(self):
        return self._user

    @property
    def auth(self):
        return self._auth

    @property
    def query_params(self):
        return self._request.GET  # read each time: ApiKeyAuthentication replaces it

    def __getattr__(self, name):
        return getattr(self._request, name)


class ForcedCredentials:
    """DRF's test hook (`force_authenticate`): the user and token a test set on the request."""

    def __init__(self, user, token):
        self.found = (user, token)

    def authenticate(self, request):
        return self.found


def authenticators(request):
    """Return the authentication classes' instances for `request` (DRF's order)."""
    user = getattr(request, "_force_auth_user", None)
    token = getattr(request, "_force_auth_token", None)
    if user is not None or token is not None:
        return (ForcedCredentials(user, token),)
    return tuple(cls() for cls in api_settings.DEFAULT_AUTHENTICATION_CLASSES)


def authenticate(credential_request):
    """Set `user` and `auth` from the first authenticator that recognises the request; raise
    NotAuthenticated when none does (403 `Unauthorized request.`, as Spryker answers)."""
    for authenticator in authenticators(credential_request._request):
        found = authenticator.authenticate(credential_request)
        if found is not None:
            credential_request._user, credential_request._auth = found
            credential_request._request.user = found[0]
            break
    user = credential_request._user
    if user is None or not user.is_authenticated:
        raise exceptions.NotAuthenticated()


def check_throttles(credential_request, view):
    """Raise Throttled with the longest wait of the throttles that refuse the request."""
    waits = []
    for throttle in (cls() for cls in api_settings.DEFAULT_THROTTLE_CLASSES):
        if not throttle.allow_request(credential_request, view):
            waits.append(throttle.wait())
    if waits:
        raise exceptions.Throttled(max((w for w in waits if w is not None), default=None))
