"""The HTTP edge of Idempotency-Key: one layer around the handling of every write.

A write with the header claims (caller, key) before the pipeline runs; its answer is kept in the
data's transaction by the Keeper handed to `serve`; a retry of the same request gets the kept
answer, marked `Idempotent-Replayed: true`, without running again. Reads ignore the header.
An asynchronous write's body is hashed as the job streams it to storage (`body_digest`).
"""

from django.http import HttpResponse

from dataexchange.engine.execute.dryrun import WRITE_METHODS
from dataexchange.errors import Code, fail
from dataexchange.idempotency.keys import (
    HEADER,
    BodyDigest,
    caller_of,
    fingerprint_head,
    parse_idempotency_key,
    request_fingerprint,
)
from dataexchange.idempotency.store import (
    ClaimLost,
    Keeper,
    Kept,
    idempotency_claim,
    idempotency_release,
)

REPLAYED = "Idempotent-Replayed"


def idempotent(request, respond, digest=None):
    """Return `respond(keep)` for a write request, `keep` being the Keeper of its claimed
    Idempotency-Key (None without the header), or the kept answer of an earlier request with
    the same key; raise 1410, 1420 or 1421. `digest`: the `body_digest` an asynchronous
    write's body is read through (else the body is `request.body`)."""
    value = request.META.get("HTTP_IDEMPOTENCY_KEY")
    if value is None or request.method not in WRITE_METHODS:
        return respond(None)
    claim = idempotency_claim(
        caller=caller_of(request.user, request.auth),
        key=parse_idempotency_key(value),
        fingerprint=digest or fingerprint_of(request),
    )
    if isinstance(claim, Kept):
        return replayed(claim)
    keep = Keeper(claim)
    try:
        response = respond(keep)
    except ClaimLost:  # a retry took the key over; this request's data rolled back
        fail(Code.IDEMPOTENCY_IN_PROGRESS, wait=1)
    except BaseException:  # nothing committed, a kept answer included
        idempotency_release(claim)
        raise
    if not keep.kept:  # refused before it ran: a retry may run at once
        idempotency_release(claim)
    return response


def fingerprint_of(request):
    """Return the fingerprint of a DRF write request (keys.request_fingerprint)."""
    meta = request.META
    return request_fingerprint(
        request.method, request.path, meta.get("QUERY_STRING", ""), meta, request.body
    )


def body_digest(request):
    """Return the BodyDigest of a keyed write whose body is streamed (an asynchronous write:
    hashed as the job reads it, never held whole), or None without an Idempotency-Key."""
    meta = request.META
    if "HTTP_IDEMPOTENCY_KEY" not in meta or request.method not in WRITE_METHODS:
        return None
    head = fingerprint_head(request.method, request.path, meta.get("QUERY_STRING", ""), meta)
    return BodyDigest(head, request._request)


def replayed(kept):
    """Return the HttpResponse of a kept answer, marked as replayed."""
    response = HttpResponse(kept.content, status=kept.status_code, content_type=kept.content_type)
    for name, value in kept.headers.items():
        response[name] = value
    response[REPLAYED] = "true"
    return response


__all__ = ["HEADER", "REPLAYED", "body_digest", "idempotent"]
