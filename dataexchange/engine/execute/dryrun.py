"""Execute stage — dry runs (SPEC B7): `X-Dry-Run: true` runs a write in a transaction that is
always rolled back.

The whole write runs inside one outer atomic block, so the write pipeline's own transactions (one
per request, or one per item in non-transactional mode) become savepoints of it and are undone
together; the response is exactly what the write would have answered.
"""

from contextlib import contextmanager

from django.db import transaction

from dataexchange.errors import Code, fail

HEADER = "X-Dry-Run"
WRITE_METHODS = {"POST", "PATCH", "PUT", "DELETE"}
# The only words the header may hold (any case, surrounding whitespace ignored): a typo must
# never turn a dry run into a real write.
VALUES = {"true": True, "1": True, "false": False, "0": False}


def parse_dry_run(value):
    """Return whether an `X-Dry-Run` value asks for a dry run; raise 1410 unless it is `true`,
    `false`, `1` or `0`. An absent or empty header is no dry run."""
    word = (value or "").strip().lower()
    if not word:
        return False
    if word not in VALUES:
        fail(Code.BAD_HEADER, header=HEADER, reason="expected `true`, `false`, `1` or `0`")
    return VALUES[word]


@contextmanager
def dry_run(active):
    """Run the block in a transaction rolled back at the end when `active` (a dry run)."""
    if not active:
        yield
        return
    with transaction.atomic():
        try:
            yield
        finally:
            transaction.set_rollback(True)
