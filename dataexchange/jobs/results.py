"""Render stage of job results: per-item results as a JSON page, or streamed as NDJSON or CSV.

Results are stored per chunk (one JSON object per line and item), so a page reads the few
chunks it overlaps and a stream reads one chunk at a time: memory stays flat for any job size.
Items appear in body order; items of chunks not processed yet are absent.
"""

from django.db.models import F

import orjson

from dataexchange import conf as api_conf
from dataexchange.engine.render.result import Result, json_result
from dataexchange.engine.render.stream import csv_lines
from dataexchange.errors import Code, fail
from dataexchange.exchangelog.csvexport import cell as defused_cell
from dataexchange.jobs.models import JobChunk

CSV_COLUMNS = ["index", "status", "identifier", "code", "message", "errors"]
STREAM_BATCH = 20  # chunks read per query while streaming


def done_chunks(job):
    """Return the processed chunks of `job` in body order."""
    return JobChunk.objects.filter(job=job, status=JobChunk.Status.DONE).order_by("seq")


def page_params(params):
    """Return (offset, limit) of `page[offset]` and `page[limit]` as the API reads them: both
    or the defaults; 1402 above the page limit."""
    default, maximum = api_conf.get("DEFAULT_PAGE_LIMIT"), api_conf.get("MAX_PAGE_LIMIT")
    try:
        offset, limit = int(params["page[offset]"]), int(params["page[limit]"])
    except (KeyError, ValueError):
        return 0, default
    if offset < 0 or limit < 0:
        return 0, default
    if limit > maximum:
        fail(Code.PAGE_LIMIT, limit=limit, max=maximum, aliasName="jobs")
    return offset, limit


def results_page(job, offset, limit):
    """Return the JSON Result of the results of items `offset` to `offset + limit - 1`."""
    end = offset + limit
    chunks = (
        done_chunks(job)
        .alias(after=F("first_index") + F("size"))  # a sum: MariaDB's columns are unsigned
        .filter(first_index__lt=end, after__gt=offset)
    )
    data = []
    for results in chunks.values_list("results", flat=True):
        for line in results.splitlines():
            result = orjson.loads(line)
            if offset <= result["index"] < end:
                data.append(result)
    return json_result({"data": data})


def result_lines(job):
    """Yield the stored result lines of `job`, chunk by chunk (a few chunks per query)."""
    last = -1
    while True:
        batch = list(
            done_chunks(job).filter(seq__gt=last).values_list("seq", "results")[:STREAM_BATCH]
        )
        for seq, results in batch:
            last = seq
            yield results
        if len(batch) < STREAM_BATCH:
            return


def csv_record(result, defuse):
    """Return the CSV cells of one result: the first error's code and message, all errors as
    JSON."""
    errors = result.get("errors") or []
    first = errors[0] if errors else {}
    message = first.get("message", "")
    identifier = result.get("identifier")
    return [
        result["index"],
        result["status"],
        "" if identifier is None else str(identifier),
        first.get("code") or "",
        defused_cell(message) if defuse else message,
        orjson.dumps(errors).decode() if errors else "",
    ]


def results_stream(job, chosen):
    """Yield the results of `job` as NDJSON lines or CSV rows (header first)."""
    if chosen.kind == "csv":
        yield csv_lines([CSV_COLUMNS])
    for results in result_lines(job):
        if chosen.kind != "csv":
            yield results.encode()
            continue
        records = (csv_record(orjson.loads(line), chosen.escape) for line in results.splitlines())
        yield csv_lines(records)


def results_result(job, chosen):
    """Return the streamed Result of every result of `job` as the stream Media `chosen`."""
    headers = {
        "Content-Disposition": f'attachment; filename="job-{job.id}.{chosen.extension}"',
        "X-Accel-Buffering": "no",
    }
    return Result(
        200, headers=headers, content_type=chosen.content_type, stream=results_stream(job, chosen)
    )
