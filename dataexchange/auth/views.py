"""`POST /token`: the password and refresh-token grants, answering exactly as SPEC A8.

Success is a flat object `{"token_type", "expires_in", "access_token", "refresh_token"}` in that
key order; errors are `[{"status", "code", "message"}]` with OAuth error types as codes and the
messages of league/oauth2-server, which Spryker answers with.
"""

from django.utils.decorators import method_decorator
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables

from rest_framework import exceptions
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.views import APIView

from dataexchange.api.responses import json_response
from dataexchange.auth import conf
from dataexchange.auth.models import AccessToken
from dataexchange.auth.services import token_refresh, user_login
from dataexchange.auth.throttling import TokenAccountThrottle, TokenIpThrottle
from dataexchange.dbconn import RETRY_AFTER, close_if_unavailable
from dataexchange.errors import Code, make_error

INVALID_REQUEST = (
    "The request is missing a required parameter, includes an invalid parameter value, includes "
    "a parameter more than once, or is otherwise malformed."
)
UNSUPPORTED_GRANT = "The authorization grant type is not supported by the authorization server."
BAD_CREDENTIALS = "The user credentials were incorrect."
BAD_REFRESH_TOKEN = "The refresh token is invalid."
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


class OAuthError(Exception):
    """A token request refused with an OAuth error type (`invalid_grant`, …)."""

    def __init__(self, code, message, status=400):
        super().__init__(message)
        self.code, self.message, self.status = code, message, status


def error_response(code, message, status=400, headers=None):
    """Return a token error in Spryker's key order: status, code, message."""
    body = [{"status": status, "code": code, "message": message}]
    return json_response(body, status=status, headers={**NO_STORE, **(headers or {})})


def token_exception_handler(exc, context=None):
    """Render any failure of a token request as an OAuth-typed error list."""
    if isinstance(exc, OAuthError):
        return error_response(exc.code, exc.message, exc.status)
    if isinstance(exc, exceptions.Throttled):
        wait = int(exc.wait or 1)
        error = make_error(Code.THROTTLED, wait=wait)
        return error_response(error.code, error.message, 429, {"Retry-After": str(wait)})
    # A body nested too deep for the JSON parser (RecursionError) is as malformed as any other.
    if isinstance(exc, exceptions.ParseError | exceptions.UnsupportedMediaType | RecursionError):
        return error_response("invalid_request", INVALID_REQUEST)
    if isinstance(exc, exceptions.APIException):
        return error_response(exc.default_code, str(exc.detail), exc.status_code)
    if close_if_unavailable(exc):
        error = make_error(Code.UNAVAILABLE, wait=RETRY_AFTER)
        return error_response(error.code, error.message, 503, {"Retry-After": str(RETRY_AFTER)})
    return None


def param(data, name, *aliases):
    """Return the string parameter `name` (or an alias) of the body, or raise invalid_request."""
    for key in (name, *aliases):
        value = data.get(key)
        if isinstance(value, str) and value:
            return value
    raise OAuthError("invalid_request", f"{INVALID_REQUEST} Check the `{name}` parameter")


@method_decorator(sensitive_post_parameters("password", "refresh_token"), name="dispatch")
class TokenView(APIView):
    """Exchange credentials or a refresh token for a new token pair."""

    authentication_classes = ()
    permission_classes = (AllowAny,)
    throttle_classes = (TokenIpThrottle, TokenAccountThrottle)
    parser_classes = (JSONParser, FormParser, MultiPartParser)
    http_method_names = ["post"]  # DRF's OPTIONS metadata would need content negotiation
    grants = {"password": "password_grant", "refresh_token": "refresh_grant"}

    def get_exception_handler(self):
        return token_exception_handler

    def perform_content_negotiation(self, request, force=False):
        """Skip DRF's negotiation: the answer is always JSON, whatever Accept says."""
        return None, None

    def post(self, request):
        data = request.data if hasattr(request.data, "get") else {}
        grant_type = data.get("grant_type") or data.get("grantType")
        handler = self.grants.get(grant_type) if isinstance(grant_type, str) else None
        if handler is None:
            raise OAuthError("unsupported_grant_type", UNSUPPORTED_GRANT)
        return getattr(self, handler)(request, data)

    @method_decorator(sensitive_variables("password"))
    def password_grant(self, request, data):
        """Answer the password grant: username (or email) and password."""
        username, password = param(data, "username"), param(data, "password")
        user = user_login(request=request._request, username=username, password=password)
        if user is None:
            TokenAccountThrottle().record_failure(request)
            raise OAuthError("invalid_grant", BAD_CREDENTIALS)
        return token_response(*AccessToken.objects.issue(user))

    @method_decorator(sensitive_variables("raw"))
    def refresh_grant(self, request, data):
        """Answer the refresh-token grant: the refresh token is used up and replaced."""
        raw = param(data, "refresh_token", "refreshToken")
        issued = token_refresh(raw_refresh=raw)
        if issued is None:
            raise OAuthError("invalid_grant", BAD_REFRESH_TOKEN)
        return token_response(*issued)


@sensitive_variables("access", "refresh")
def token_response(token, access, refresh):
    """Return the A8 success body for a freshly issued token pair."""
    body = {
        "token_type": "Bearer",
        "expires_in": conf.get("ACCESS_TOKEN_LIFETIME"),
        "access_token": access,
        "refresh_token": refresh,
    }
    return json_response(body, headers=NO_STORE)
