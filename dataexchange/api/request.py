"""The HTTP edge of the pipeline: a DRF request becomes an ApiRequest.

Only here are headers read: the typed values (`X-Is-Transactional`, `X-Dry-Run`, `If-Match`,
`Prefer`; `Accept` in the view) are parsed once, and nothing after this module sees the HTTP
request. `api.responses` turns the pipeline's Result into the HTTP response.
"""

from contextlib import suppress

from dataexchange.engine.execute.dryrun import HEADER as DRY_RUN_HEADER
from dataexchange.engine.execute.dryrun import WRITE_METHODS, parse_dry_run
from dataexchange.engine.parse.params import is_transactional
from dataexchange.engine.parse.request import ApiRequest, Caller, ItemSource
from dataexchange.engine.query.counting import parse_prefer
from dataexchange.errors import ApiException
from dataexchange.exchangelog.capture import Policy
from dataexchange.exchangelog.recorder import Received, client_of, ip_or_none


def api_request_from(request, alias, entity_id=None, media=None):
    """Return the ApiRequest of a DRF request to `/<prefix>/<alias>[/<entity_id>]` answered as
    `media` (engine.media.negotiate); raise 1410 for an extension header whose value is not one
    of its documented forms."""
    method = request.method
    write = method in WRITE_METHODS
    return ApiRequest(
        method=method,
        alias=alias,
        caller=Caller(request.user, request.auth),
        entity_id=entity_id,
        params=request.query_params if request.META.get("QUERY_STRING") else None,
        body=body_of(request, entity_id) if write and method != "DELETE" else None,
        transactional=is_transactional(request.headers),
        dry_run=write and is_dry_run(request),
        if_match=request.headers.get("If-Match"),
        preferences=parse_prefer(request.headers.get("Prefer")),
        stream=media if media is not None and media.is_stream else None,
    )


def is_async_write(request):
    """Return whether a request is a write asking for `Prefer: respond-async` (a job). Dry runs
    and `If-Match` writes are answered at once: the preference is not applied (RFC 7240)."""
    meta = request.META
    if request.method not in WRITE_METHODS or meta.get("HTTP_IF_MATCH"):
        return False
    if parse_dry_run(meta.get("HTTP_X_DRY_RUN")):
        return False
    return parse_prefer(meta.get("HTTP_PREFER")).respond_async


def job_request_from(request, alias, entity_id=None, stream=None):
    """Return the JobRequest of an asynchronous write, its body left unread on the stream
    (`stream`, a reader of the request's body such as an Idempotency-Key's BodyDigest, or the
    request itself)."""
    from dataexchange.jobs.intake import JobRequest

    meta = request.META
    query = meta.get("QUERY_STRING", "")
    return JobRequest(
        method=request.method,
        alias=alias,
        caller=Caller(request.user, request.auth),
        entity_id=entity_id,
        query=query,
        transactional=is_transactional(request.headers),
        content_type=meta.get("CONTENT_TYPE", ""),
        # Django's HttpRequest reads its body stream piece by piece.
        stream=request._request if stream is None else stream,
        size=int(meta["CONTENT_LENGTH"]) if meta.get("CONTENT_LENGTH") else None,
        received=Received(
            method=request.method,
            endpoint=alias[:255],
            client=client_of(request),
            path=request.path[:1000],
            query=Policy.current().safe_query(query),
            entity_id=str(entity_id or "")[:255],
            remote_addr=ip_or_none(meta.get("REMOTE_ADDR")),
        ),
    )


def body_of(request, entity_id):
    """Return the ItemSource of a write's body (parsed when the pipeline first reads it)."""
    try:
        size = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:  # the request guard refuses it first; a view called directly may not
        size = 0
    return ItemSource(
        request.body,
        single=entity_id is not None,
        size=size,
        content_type=request.META.get("CONTENT_TYPE"),
    )


def is_dry_run(request):
    """Return whether a write request asks for a dry run; raise 1410 for an invalid value."""
    return request.method in WRITE_METHODS and parse_dry_run(request.META.get("HTTP_X_DRY_RUN"))


def mark_dry_run(request, response):
    """Echo `X-Dry-Run: true` on the response (errors included) of a dry-run request; an invalid
    value was refused with 1410 before anything ran, so it is no dry run."""
    with suppress(ApiException):
        if is_dry_run(request):
            response[DRY_RUN_HEADER] = "true"
    return response
