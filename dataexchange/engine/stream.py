"""Streaming export (SPEC B6): `Accept: text/csv` or `application/x-ndjson` on GET collection.

Every matching row is sent in constant memory, chunk by chunk (keyset.row_chunks). Nothing is held
open between chunks (no server-side cursor, no transaction), so it works the same on all three
databases and behind connection poolers. Chunks are separate statements: a row changed during a
long export may be seen before or after the change, but no row is sent twice and none is skipped
unless its sort key changes meanwhile.

CSV is meant for spreadsheets, so string cells that a spreadsheet would run as a formula (starting
with `= + - @`, tab, CR or LF) are defused with a leading `'`, as the exchange-log export does;
numbers are never touched. Machine clients ask for exact values with `text/csv; escape=none` (or
use NDJSON).
"""

import csv
import io
import logging

import orjson

from dataexchange.engine.includes import load_includes
from dataexchange.engine.keyset import row_chunks
from dataexchange.engine.render import render_rows
from dataexchange.engine.result import Result
from dataexchange.engine.sorting import project_rows
from dataexchange.exchangelog.csvexport import cell as defused_cell

logger = logging.getLogger(__name__)

CSV = "text/csv"
CSV_EXACT = "text/csv; escape=none"  # CSV without formula defusing, for machine clients
NDJSON = "application/x-ndjson"
CSV_KINDS = {CSV, CSV_EXACT}
CONTENT_TYPES = {
    CSV: "text/csv; charset=utf-8",
    CSV_EXACT: "text/csv; charset=utf-8",
    NDJSON: "application/x-ndjson",
}
EXTENSIONS = {CSV: "csv", CSV_EXACT: "csv", NDJSON: "ndjson"}
JSON_RANGES = {"*/*", "application/*", "application/json"}


def stream_format(accept_header):
    """Return CSV, CSV_EXACT or NDJSON when the Accept header prefers one of them to JSON,
    else None.

    The highest `q` wins; on a tie the earlier media range wins. `text/csv; escape=none` asks for
    CSV_EXACT.
    """
    best, best_q = None, 0.0
    for part in (accept_header or "").split(","):
        media, _, params = part.partition(";")
        media = media.strip().lower()
        kind = media if media in CONTENT_TYPES else ("json" if media in JSON_RANGES else None)
        if kind == CSV and _param(params, "escape").lower() == "none":
            kind = CSV_EXACT
        q = _quality(params)
        if kind is not None and q > best_q:
            best, best_q = kind, q
    return best if best in CONTENT_TYPES else None


def _param(params, wanted, default=""):
    """Return the value of media-type parameter `wanted` (name case-insensitive, unquoted)."""
    for param in params.split(";"):
        name, _, value = param.partition("=")
        if name.strip().lower() == wanted:
            return value.strip().strip('"')
    return default


def _quality(params):
    try:
        return float(_param(params, "q", "1"))
    except ValueError:
        return 0.0


def accepts_stream(method, entity_id, accept_header):
    """Return whether a request may be answered with a stream (GET collection only)."""
    return method in ("GET", "HEAD") and entity_id is None and bool(stream_format(accept_header))


def csv_cell(value, defuse=False):
    """Return a rendered value as CSV text: null empty, true/false, numbers as in JSON; a
    string is defused against formula injection when `defuse` is set (string fields)."""
    if value is None:
        return ""
    if value is True or value is False:
        return "true" if value else "false"
    if isinstance(value, str):
        return defused_cell(value) if defuse else value
    return orjson.dumps(value).decode()


def csv_lines(records):
    """Return RFC 4180 lines (CRLF, minimal quoting) of lists of cells, UTF-8 encoded."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(records)
    return buffer.getvalue().encode()


def csv_rows(columns, rows, defused=frozenset()):
    """Return the CSV lines of rendered rows, one cell per column; the cells of the columns in
    `defused` are defused (see csv_cell)."""
    flags = [column in defused for column in columns]
    return csv_lines(
        [csv_cell(row.get(column), flag) for column, flag in zip(columns, flags)] for row in rows
    )


def defused_columns(endpoint, media):
    """Return the visible names of the string fields whose CSV cells are defused."""
    if media != CSV:
        return frozenset()
    return frozenset(field.name for field in endpoint.fields if field.type == "string")


def ndjson_lines(rows):
    """Return one JSON object per line."""
    return b"".join(orjson.dumps(row) + b"\n" for row in rows)


def stream_body(endpoint, plan, media):
    """Yield the response body: for CSV the header row at once, then one piece per chunk."""
    columns = list(plan.fields or (field.name for field in endpoint.fields))
    columns += [include.relation.name for include in plan.includes]
    defused = defused_columns(endpoint, media)
    if media in CSV_KINDS:
        yield csv_lines([columns])
    try:
        for rows in row_chunks(endpoint, plan):
            included = load_includes(endpoint, rows, plan.includes)
            rendered = project_rows(endpoint, render_rows(endpoint, rows, included), plan.fields)
            if media in CSV_KINDS:
                yield csv_rows(columns, rendered, defused)
            else:
                yield ndjson_lines(rendered)
    except Exception:
        logger.exception("Streaming export of %s failed; the response is cut short", endpoint.alias)
        raise


def stream_result(endpoint, plan, media, headers=None):
    """Return the Result exporting every row matching `plan` as a stream.

    Paging applies only when both page parameters are given (the plan's offset and limit then
    bound the export). The plan was checked before the first byte, so errors are still A7
    bodies."""
    filename = f"{endpoint.alias}.{EXTENSIONS[media]}"
    headers = {
        **(headers or {}),
        "Content-Disposition": f'attachment; filename="{filename}"',
        "X-Accel-Buffering": "no",  # let nginx pass chunks on as they come
    }
    return Result(
        200,
        headers=headers,
        content_type=CONTENT_TYPES[media],
        stream=stream_body(endpoint, plan, media),
    )
