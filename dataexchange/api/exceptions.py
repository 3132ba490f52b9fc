"""The one exception handler: every failure of an API request becomes an A7 error body."""

import logging

from django.http import Http404

from rest_framework import exceptions

from dataexchange.api.responses import error_response, json_response
from dataexchange.dbconn import RETRY_AFTER, close_if_unavailable
from dataexchange.errors import ApiError, ApiException, Code, make_error
from dataexchange.exchangelog.conflicts import is_conflict

logger = logging.getLogger("dataexchange.api")

UNAUTHORIZED = ApiError(None, 403, "Unauthorized request.")


def api_exception_handler(exc, context=None):
    """Return the response for `exc`; unexpected errors become a bare 500 without details."""
    if isinstance(exc, ApiException):
        return error_response(exc.errors, exc.status, exc.headers)
    if isinstance(exc, exceptions.NotAuthenticated | exceptions.PermissionDenied):
        return error_response([UNAUTHORIZED])
    if isinstance(exc, exceptions.AuthenticationFailed):
        return error_response([make_error(Code.INVALID_TOKEN)])
    if isinstance(exc, exceptions.Throttled):
        wait = int(exc.wait or 1)
        return error_response(
            [make_error(Code.THROTTLED, wait=wait)], headers={"Retry-After": str(wait)}
        )
    if isinstance(exc, Http404 | exceptions.NotFound):
        return error_response([make_error(Code.NOT_FOUND)])
    if isinstance(exc, exceptions.APIException):
        error = ApiError(str(exc.status_code), exc.status_code, str(exc.detail))
        return error_response([error])
    if close_if_unavailable(exc) or is_conflict(exc):
        return unavailable_response(exc)
    logger.exception("Unexpected error while serving an API request")
    return json_response([make_error(Code.SERVER_ERROR).as_dict()], status=500)


def unavailable_response(exc):
    """Return 503 1415 with Retry-After for a request the database could not serve now
    (unavailable, or a lock conflict lost on every retry)."""
    logger.warning("Database unavailable while serving an API request: %s", exc)
    headers = {"Retry-After": str(RETRY_AFTER)}
    return error_response([make_error(Code.UNAVAILABLE, wait=RETRY_AFTER)], headers=headers)
