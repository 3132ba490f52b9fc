"""Streaming export (SPEC B6): `Accept: text/csv` or `application/x-ndjson` on GET collection.

Every matching row is sent in constant memory, chunk by chunk (keyset.row_chunks). Nothing is held
open between chunks (no server-side cursor, no transaction), so it works the same on all three
databases and behind connection poolers. Chunks are separate statements: a row changed during a
long export may be seen before or after the change, but no row is sent twice and none is skipped
unless its sort key changes meanwhile.
"""

import csv
import io
import logging

from django.http import StreamingHttpResponse

import orjson

from dataexchange.engine.keyset import row_chunks
from dataexchange.engine.read_plan import plan_read
from dataexchange.engine.render import render_rows
from dataexchange.engine.sorting import project_rows

logger = logging.getLogger(__name__)

CSV = "text/csv"
NDJSON = "application/x-ndjson"
CONTENT_TYPES = {CSV: "text/csv; charset=utf-8", NDJSON: "application/x-ndjson"}
EXTENSIONS = {CSV: "csv", NDJSON: "ndjson"}
JSON_RANGES = {"*/*", "application/*", "application/json"}


def stream_format(accept_header):
    """Return CSV or NDJSON when the Accept header prefers one of them to JSON, else None.

    The highest `q` wins; on a tie the earlier media range wins.
    """
    best, best_q = None, 0.0
    for part in (accept_header or "").split(","):
        media, _, params = part.partition(";")
        media = media.strip().lower()
        kind = media if media in CONTENT_TYPES else ("json" if media in JSON_RANGES else None)
        q = _quality(params)
        if kind is not None and q > best_q:
            best, best_q = kind, q
    return best if best in CONTENT_TYPES else None


def _quality(params):
    for param in params.split(";"):
        name, _, value = param.partition("=")
        if name.strip().lower() == "q":
            try:
                return float(value)
            except ValueError:
                return 0.0
    return 1.0


def accepts_stream(method, entity_id, accept_header):
    """Return whether a request may be answered with a stream (GET collection only)."""
    return method in ("GET", "HEAD") and entity_id is None and bool(stream_format(accept_header))


def csv_cell(value):
    """Return a rendered value as CSV text: null empty, true/false, numbers as in JSON."""
    if value is None:
        return ""
    if value is True or value is False:
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    return orjson.dumps(value).decode()


def csv_lines(records):
    """Return RFC 4180 lines (CRLF, minimal quoting) of lists of cells, UTF-8 encoded."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(records)
    return buffer.getvalue().encode()


def csv_rows(columns, rows):
    """Return the CSV lines of rendered rows, one cell per column."""
    return csv_lines([csv_cell(row.get(column)) for column in columns] for row in rows)


def ndjson_lines(rows):
    """Return one JSON object per line."""
    return b"".join(orjson.dumps(row) + b"\n" for row in rows)


def stream_body(endpoint, plan, media):
    """Yield the response body: for CSV the header row at once, then one piece per chunk."""
    columns = list(plan.fields or (field.name for field in endpoint.fields))
    columns += [include.relation.name for include in plan.includes]
    if media == CSV:
        yield csv_lines([columns])
    try:
        for rows in row_chunks(endpoint, plan):
            rendered = project_rows(
                endpoint, render_rows(endpoint, rows, plan.includes), plan.fields
            )
            yield csv_rows(columns, rendered) if media == CSV else ndjson_lines(rendered)
    except Exception:
        logger.exception("Streaming export of %s failed; the response is cut short", endpoint.alias)
        raise


def stream_response(snapshot, endpoint, raw_query, media, headers=None):
    """Return the StreamingHttpResponse exporting every row matching the query.

    Paging applies only when both page parameters are given; then offset and limit bound the
    export. Parameters are checked here, before the first byte, so errors are still A7 bodies.
    """
    paged = raw_query.offset is not None and raw_query.limit is not None
    plan = plan_read(snapshot, endpoint, raw_query, paged=paged)
    response = StreamingHttpResponse(
        stream_body(endpoint, plan, media), content_type=CONTENT_TYPES[media]
    )
    filename = f"{endpoint.alias}.{EXTENSIONS[media]}"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Accel-Buffering"] = "no"  # let nginx pass chunks on as they come
    for name, value in (headers or {}).items():
        response[name] = value
    return response
