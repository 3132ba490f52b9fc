"""Refuse malformed and oversized API requests at the edge, before anything reads or writes.

`RequestGuardMiddleware` runs early for the API routes (`/<prefix>/...` and `/token`) and checks,
with string operations on the WSGI environ only (no QueryDict, no body parsing):

- the query string: at most `MAX_QUERY_STRING_BYTES` (414 `1413`) and at most Django's
  `DATA_UPLOAD_MAX_NUMBER_FIELDS` parameters, counted as Django counts them (400 `1414`);
- `Content-Length`: digits only (400 `1416`), at most the body cap (413 `1408`): `MAX_BODY_BYTES`
  on the data routes, `TOKEN_MAX_BODY_BYTES` on `/token`; a chunked body without a length is
  read up to the cap plus one byte, never further;
- on `/token`: a form (URL-encoded or multipart) or JSON body only (400 `1416`), a form of at
  most as many fields as Django takes (400 `1414`);
- on the data routes: the values of the Part B request headers (400 `1410`), each parsed by the
  one function that the engine uses to interpret it.

Every response of these routes, the refusals included, is marked `Cache-Control: no-store`.
"""

import io
import uuid

from django.conf import settings
from django.core.handlers.wsgi import LimitedStream
from django.utils.http import parse_header_parameters

from dataexchange import conf
from dataexchange.api.middleware import is_api_request
from dataexchange.api.request import is_async_write
from dataexchange.api.responses import error_response
from dataexchange.engine.execute.concurrency import parse_if_match
from dataexchange.engine.execute.dryrun import parse_dry_run
from dataexchange.engine.query.counting import parse_prefer
from dataexchange.errors import ApiException, Code, fail
from dataexchange.idempotency.keys import parse_idempotency_key
from dataexchange.jobs import conf as jobs_conf

TOKEN_PATH = "/token"
TOKEN_MAX_BODY_BYTES = 64 * 1024
TOKEN_FORM, TOKEN_MULTIPART = "application/x-www-form-urlencoded", "multipart/form-data"
TOKEN_MEDIA_TYPES = frozenset({TOKEN_FORM, TOKEN_MULTIPART, "application/json"})
# The Part B request headers and the parser of each (None and "" are valid: no header).
HEADER_PARSERS = (
    ("HTTP_X_DRY_RUN", parse_dry_run),
    ("HTTP_PREFER", parse_prefer),
    ("HTTP_IF_MATCH", parse_if_match),
    ("HTTP_IDEMPOTENCY_KEY", parse_idempotency_key),
)
NOT_A_LENGTH = "`Content-Length` must be a non-negative integer"
NOT_A_TOKEN_BODY = "`/token` takes a form (`application/x-www-form-urlencoded`) or JSON"
NO_BOUNDARY = "a multipart body needs a `boundary`"


class RequestGuardMiddleware:
    """Answer a bad API request with its A7 error at once; mark API responses `no-store`."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not is_api_request(request):
            return self.get_response(request)
        try:
            request_check(request)
        except ApiException as exc:
            response = error_response(exc.errors, exc.status)
            response["X-Request-Id"] = str(uuid.uuid4())  # for the access log; not logged
        else:
            response = self.get_response(request)
        response.setdefault("Cache-Control", "no-store")
        return response


def request_check(request):
    """Raise the ApiException for the first thing wrong with an API request."""
    meta = request.META
    query_check(meta.get("QUERY_STRING", ""))
    if request.path_info == TOKEN_PATH:
        body_check(request, TOKEN_MAX_BODY_BYTES)
        token_body_check(request)
        return
    if async_write(request):  # a job's body is streamed into chunks, never buffered here
        body_check(request, jobs_conf.get("MAX_BODY_BYTES"), buffer_chunked=False)
    else:
        body_check(request, conf.get("MAX_BODY_BYTES"))
    for key, parse in HEADER_PARSERS:
        value = meta.get(key)
        if value:
            parse(value)


def async_write(request):
    """Return whether the request is a write for a job; a header that does not parse is
    refused after the body checks, as for any request."""
    try:
        return is_async_write(request)
    except ApiException:
        return False


def query_check(query):
    """Raise 1413 for a query string over the cap, 1414 for more parameters than Django takes."""
    limit = conf.get("MAX_QUERY_STRING_BYTES")
    if len(query) > limit:  # WSGI strings are latin-1: one character per byte
        fail(Code.QUERY_TOO_LONG, size=len(query), max=limit)
    fields_check(query, "&")


def fields_check(encoded, separator):
    """Raise 1414 when `encoded` holds more fields than Django's parser accepts (it counts one
    more than the separators, as `urllib.parse.parse_qsl` does)."""
    fields = settings.DATA_UPLOAD_MAX_NUMBER_FIELDS
    if encoded and fields is not None and encoded.count(separator) >= fields:
        fail(Code.TOO_MANY_PARAMETERS, max=fields)


def body_check(request, limit, *, buffer_chunked=True):
    """Raise 1416 for a malformed Content-Length and 1408 for a body over `limit`; buffer a
    chunked body (no Content-Length) of at most `limit` bytes so that the view can read it, or
    (`buffer_chunked` False: a job's body) let the view stream it, reading at most one byte
    past `limit`."""
    length = request.META.get("CONTENT_LENGTH")
    if length:
        if not (length.isascii() and length.isdigit()):
            fail(Code.MALFORMED_REQUEST, reason=NOT_A_LENGTH)
        if int(length) > limit:
            fail(Code.BODY_TOO_LARGE, size=int(length), max=limit)
    elif "chunked" in request.META.get("HTTP_TRANSFER_ENCODING", "").lower():
        if buffer_chunked:
            chunked_body_buffer(request, limit)
        else:
            request._stream = LimitedStream(request.META["wsgi.input"], limit + 1)


def chunked_body_buffer(request, limit):
    """Read a chunked body of at most `limit` bytes into memory, or raise 1408 after reading one
    byte more; Django itself would see no body without a Content-Length."""
    stream, chunks, size = request.META["wsgi.input"], [], 0
    while size <= limit:
        chunk = stream.read(limit + 1 - size)
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    if size > limit:
        fail(Code.BODY_TOO_LARGE, size=f"more than {limit}", max=limit)
    data = b"".join(chunks)
    request.META["CONTENT_LENGTH"] = str(len(data))
    request._stream = LimitedStream(io.BytesIO(data), len(data))


def token_body_check(request):
    """Raise 1416 for a `/token` body that is neither a form nor JSON, 1414 for a form with
    more fields than Django's parser accepts (the body is at most TOKEN_MAX_BODY_BYTES)."""
    if not int(request.META.get("CONTENT_LENGTH") or 0):
        return
    media_type, params = parse_header_parameters(request.META.get("CONTENT_TYPE", ""))
    if media_type not in TOKEN_MEDIA_TYPES:
        fail(Code.MALFORMED_REQUEST, reason=NOT_A_TOKEN_BODY)
    if media_type == TOKEN_FORM:
        fields_check(request.body, b"&")
    elif media_type == TOKEN_MULTIPART:
        if not params.get("boundary"):
            fail(Code.MALFORMED_REQUEST, reason=NO_BOUNDARY)
        # One delimiter per field plus the closing one: counting delimiters errs by one field.
        fields_check(request.body, b"--" + params["boundary"].encode("latin-1", "replace"))
