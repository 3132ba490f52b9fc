"""Render stage — streaming export (SPEC B6): `Accept: text/csv` or `application/x-ndjson` on GET
collection.

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

from dataexchange.engine.parse import media
from dataexchange.engine.plan.sorting import project_rows
from dataexchange.engine.query.includes import load_includes
from dataexchange.engine.query.keyset import row_chunks
from dataexchange.engine.render.result import Result
from dataexchange.engine.render.rows import render_rows
from dataexchange.exchangelog.csvexport import cell as defused_cell

logger = logging.getLogger(__name__)

# The media names `stream_format` answers (what a client sends to ask for each export).
CSV = media.CSV.name
CSV_EXACT = media.CSV_EXACT.name  # CSV without formula defusing, for machine clients
NDJSON = media.NDJSON.name


def stream_format(accept_header):
    """Return CSV, CSV_EXACT or NDJSON when the Accept header prefers one of them to JSON,
    else None (engine.media.preferred_stream decides)."""
    chosen = media.preferred_stream(media.parse_accept(accept_header))
    return chosen.name if chosen is not None else None


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


def defused_columns(endpoint, chosen):
    """Return the visible names of the string fields whose CSV cells are defused."""
    if not chosen.defuses_formulas:
        return frozenset()
    return frozenset(field.name for field in endpoint.fields if field.type == "string")


def ndjson_lines(rows):
    """Return one JSON object per line."""
    return b"".join(orjson.dumps(row) + b"\n" for row in rows)


def stream_body(endpoint, plan, chosen):
    """Yield the response body: for CSV the header row at once, then one piece per chunk."""
    columns = list(plan.fields or (field.name for field in endpoint.fields))
    columns += [include.relation.name for include in plan.includes]
    defused = defused_columns(endpoint, chosen)
    is_csv = chosen.kind == "csv"
    if is_csv:
        yield csv_lines([columns])
    try:
        for rows in row_chunks(endpoint, plan):
            included = load_includes(endpoint, rows, plan.includes)
            rendered = project_rows(endpoint, render_rows(endpoint, rows, included), plan.fields)
            if is_csv:
                yield csv_rows(columns, rendered, defused)
            else:
                yield ndjson_lines(rendered)
    except Exception:
        logger.exception("Streaming export of %s failed; the response is cut short", endpoint.alias)
        raise


def stream_result(endpoint, plan, chosen, headers=None):
    """Return the Result exporting every row matching `plan` as the stream Media `chosen`
    (engine.media.negotiate).

    Paging applies only when both page parameters are given (the plan's offset and limit then
    bound the export). The plan was checked before the first byte, so errors are still A7
    bodies."""
    filename = f"{endpoint.alias}.{chosen.extension}"
    headers = {
        **(headers or {}),
        "Content-Disposition": f'attachment; filename="{filename}"',
        "X-Accel-Buffering": "no",  # let nginx pass chunks on as they come
    }
    return Result(
        200,
        headers=headers,
        content_type=chosen.content_type,
        stream=stream_body(endpoint, plan, chosen),
    )
