"""Dry runs (SPEC B7): `X-Dry-Run: true` runs a write in a transaction that is always rolled back.

The whole write runs inside one outer atomic block, so the write pipeline's own transactions (one
per request, or one per item in non-transactional mode) become savepoints of it and are undone
together; the response is exactly what the write would have answered.
"""

from contextlib import contextmanager

from django.db import transaction

HEADER = "X-Dry-Run"
WRITE_METHODS = {"POST", "PATCH", "PUT", "DELETE"}


def is_dry_run(request):
    """Return whether a write request asks for a dry run (`X-Dry-Run: true`, any case)."""
    value = request.META.get("HTTP_X_DRY_RUN") or ""
    return request.method in WRITE_METHODS and value.strip().lower() == "true"


@contextmanager
def dry_run(request):
    """Run the block in a transaction rolled back at the end when the request is a dry run."""
    if not is_dry_run(request):
        yield
        return
    with transaction.atomic():
        try:
            yield
        finally:
            transaction.set_rollback(True)


def mark_dry_run(request, response):
    """Echo `X-Dry-Run: true` on the response (errors included) of a dry-run request."""
    if is_dry_run(request):
        response[HEADER] = "true"
    return response
