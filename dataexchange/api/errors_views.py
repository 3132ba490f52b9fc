"""Project-wide 404 and 500 handlers: JSON for API clients, never a stack trace."""

from django.views import defaults

from dataexchange.api.responses import error_response
from dataexchange.errors import Code, make_error


def not_found(request, exception=None):
    """Answer 404 `007` for anything outside the admin (unknown prefix, alias or route)."""
    if request.path.startswith("/admin/"):
        return defaults.page_not_found(request, exception)
    return error_response([make_error(Code.NOT_FOUND)])


def server_error(request):
    """Answer a bare 500 that leaks nothing."""
    if request.path.startswith("/admin/"):
        return defaults.server_error(request)
    return error_response([make_error(Code.SERVER_ERROR)])
