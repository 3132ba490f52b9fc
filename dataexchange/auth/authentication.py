"""DRF authentication by bearer token or API key, answering exactly as SPEC A8.

Order in DEFAULT_AUTHENTICATION_CLASSES: API key, bearer token, session. As in Spryker, a valid
API key is enough on its own; an unknown, inactive or expired key authenticates nobody, so with no
other credentials the request ends as 403 `Unauthorized request.` (Spryker's answer), not 401.
"""

from rest_framework.authentication import BaseAuthentication

from dataexchange.auth.models import AccessToken, ApiKey
from dataexchange.errors import ApiException, Code, make_error

API_KEY_HEADER = "HTTP_X_API_KEY"
API_KEY_PARAM = "api_key"
CHALLENGE = {"WWW-Authenticate": 'Bearer realm="api", error="invalid_token"'}


class BearerTokenAuthentication(BaseAuthentication):
    """Authenticate `Authorization: Bearer <access token>`; request.auth is the ActiveToken."""

    def authenticate(self, request):
        header = request.META.get("HTTP_AUTHORIZATION")
        if header is None:
            return None
        parts = header.split()
        if len(parts) != 2:
            raise ApiException(make_error(Code.MISSING_TOKEN), headers=CHALLENGE)
        scheme, raw = parts
        token = AccessToken.objects.find_access(raw) if scheme.lower() == "bearer" else None
        if token is None or not token.user.is_active:
            raise ApiException(make_error(Code.INVALID_TOKEN), headers=CHALLENGE)
        return token.user, token

    def authenticate_header(self, request):
        """Return None so DRF keeps a missing-credentials answer at 403, as Spryker does."""
        return None


class ApiKeyAuthentication(BaseAuthentication):
    """Authenticate an API key from `X-Api-Key` or `?api_key=` (the header wins).

    request.user is the key's owner (so logs name a person) and request.auth the ApiKey;
    permissions and throttles look at request.auth and give the key only its own grants.
    """

    def authenticate(self, request):
        raw = request.META.get(API_KEY_HEADER)
        if API_KEY_PARAM in request.META.get("QUERY_STRING", ""):  # parse the query only then
            raw = raw or request.query_params.get(API_KEY_PARAM)
            remove_query_key(request)
        if not raw:
            return None
        key = ApiKey.objects.find(raw.strip())
        if key is None:
            return None
        key.record_use()
        return key.owner, key

    def authenticate_header(self, request):
        return None


def remove_query_key(request):
    """Drop `api_key` from the query string so filters, logs and error reports never see it."""
    django_request = getattr(request, "_request", request)
    if API_KEY_PARAM not in django_request.GET:
        return
    params = django_request.GET.copy()
    del params[API_KEY_PARAM]
    params._mutable = False
    django_request.GET = params
    django_request.META["QUERY_STRING"] = params.urlencode()
