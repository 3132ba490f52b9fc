"""What a processed chunk leaves behind, written in the transaction of its data: the items'
results on the chunk, the job's counters and status, and the items on the job's exchange.

A job is one exchange in the exchange log (the request's id): each chunk adds its item rows
(numbered across the whole body) and counts, so alerts, search and the CSV export see a job as
they see a synchronous write.
"""

from dataclasses import dataclass, field
from typing import NamedTuple

from django.utils import timezone

import orjson

from dataexchange.engine.plan.write_plan import MISSING
from dataexchange.exchangelog import conf as log_conf
from dataexchange.exchangelog.business_keys import business_key_texts, item_business_key
from dataexchange.exchangelog.capture import Policy
from dataexchange.exchangelog.models import Exchange, ExchangeItem
from dataexchange.exchangelog.recorder import (
    PERSISTENCE_CODES,
    exchange_status,
    identifier_of,
    item_row,
    join_codes,
    join_identifiers,
    scrub_row,
)
from dataexchange.exchangelog.triage import failures_resolve_written
from dataexchange.jobs.models import Job, JobChunk
from dataexchange.webhooks import outbox as webhooks_outbox

ItemStatus = ExchangeItem.Status
# The members themselves: an attribute of a Choices class is a slow lookup, paid per item.
PROCESSED, FAILED, ROLLED_BACK = ItemStatus.PROCESSED, ItemStatus.FAILED, ItemStatus.ROLLED_BACK
RESULT_NAMES = {
    PROCESSED: "succeeded",
    FAILED: "failed",
    ROLLED_BACK: "rolled_back",
}


@dataclass(frozen=True, slots=True)
class RefusedItem:
    """An item refused before the engine wrote anything (permission, endpoint gone), shaped
    like the engine's ItemOutcome for the exchange log."""

    path: str
    raw: object
    errors: tuple
    existing: bool = False
    row: None = None
    sent_identifier: object = MISSING
    stored_identifier: None = None
    written: None = field(default=None)


class Entry(NamedTuple):
    """One item of a chunk: its index in the job's body, its outcome and its status. A named
    tuple: a chunk makes one per item, and a frozen dataclass costs three times as much."""

    index: int
    outcome: object  # an engine ItemOutcome or a RefusedItem
    status: str  # ExchangeItem.Status


def result_of(entry):
    """Return the result object `GET /jobs/<id>/results` answers for one item."""
    result = {"index": entry.index, "status": RESULT_NAMES[entry.status]}
    if entry.status == PROCESSED:
        identifier = entry.outcome.stored_identifier
        result["identifier"] = None if identifier is None else identifier
    if entry.outcome.errors:
        result["errors"] = [error.as_item_dict() for error in entry.outcome.errors]
    return result


def result_line(entry):
    """Return the result of one item as its line of the chunk's results (JSON, then LF); a
    stored item's line is formatted directly, the same bytes `orjson` writes for its dict."""
    outcome = entry.outcome
    if entry.status == PROCESSED and not outcome.errors:
        identifier = orjson.dumps(outcome.stored_identifier)
        return b'{"index":%d,"status":"succeeded","identifier":%b}\n' % (entry.index, identifier)
    return orjson.dumps(result_of(entry)) + b"\n"


def chunk_complete(job, chunk, entries):
    """Store the results of `chunk`, mark it done, count its items on the job (finishing it
    with its last chunk) and on the job's exchange; return the job as updated."""
    now = timezone.now()
    lines = b"".join(map(result_line, entries))
    JobChunk.objects.filter(pk=chunk.pk).update(
        status=JobChunk.Status.DONE,
        results=lines.decode(),
        payload="",
        lease_until=None,
        finished_at=now,
    )
    job = Job.objects.select_for_update().get(pk=job.pk)
    statuses = [entry.status for entry in entries]
    succeeded = statuses.count(PROCESSED)
    job.items_done += succeeded
    job.items_failed += len(entries) - succeeded
    job.chunks_done += 1
    finishing = job.chunks_done >= job.chunks_total and not job.is_final
    if finishing:
        job.status, job.finished_at = job.outcome_status(), now
    job.save(update_fields=["items_done", "items_failed", "chunks_done", "status", "finished_at"])
    if finishing:
        webhooks_outbox.job_finished(job)
    if job.exchange_id is None:
        return job
    if job.method == "DELETE":  # logged as a synchronous DELETE: request-level errors
        request_errors_add(job, [error for entry in entries for error in entry.outcome.errors])
    else:
        exchange_add(job, entries, statuses, now)
    return job


def exchange_add(job, entries, statuses, now):
    """Add `entries` (with their `statuses`) to the job's exchange: item rows as the log's
    settings keep them, counts, error codes, identifiers and status."""
    exchange = Exchange.objects.select_for_update().get(pk=job.exchange_id)
    policy = Policy.current()
    kept = (
        entries if log_conf.get("ITEMS") == "all" else [e for e in entries if e.status != PROCESSED]
    )
    codes = dict.fromkeys(exchange.error_code_list)
    rows = []
    for entry in kept:
        for error in entry.outcome.errors:
            codes.setdefault(error.code or "", None)
        identifier = identifier_of(entry.outcome, entry.status, exchange.entity_id)
        row = item_row(exchange, entry.index, entry.outcome, entry.status, identifier, policy)
        scrub_row(row)
        rows.append(row)
    ExchangeItem.objects.bulk_create(rows)
    done = [e for e in entries if e.status == PROCESSED]
    written = [identifier_of(e.outcome, e.status, exchange.entity_id) for e in done]
    keys = [item_business_key(business_key_texts(e.outcome)) for e in done]
    failures_resolve_written(exchange, written, keys)
    exchange.item_count += len(entries)
    exchange.failed_count += statuses.count(FAILED)
    exchange.rolled_back_count += statuses.count(ROLLED_BACK)
    exchange.error_codes = join_codes(code for code in codes if code)
    room = log_conf.get("MAX_IDENTIFIERS_CHARS") - len(exchange.identifiers)
    identifiers = identifiers_within(entries, room, exchange.entity_id)
    exchange.identifiers = identifiers_add(exchange.identifiers, identifiers)
    exchange.status = exchange_status(
        exchange.item_count, exchange.failed_count, bool(job.transactional)
    )
    exchange.duration_ms = round((now - exchange.created_at).total_seconds() * 1000, 3)
    exchange.save(
        update_fields=[
            "item_count", "failed_count", "rolled_back_count", "error_codes", "identifiers",
            "status", "duration_ms",
        ]
    )  # fmt: skip


def identifiers_within(entries, room, url_id):
    """Return the identifiers (and business-key values) of `entries`, in order, up to the first
    that no longer fits in `room` characters (the exchange's identifiers are capped: once full,
    a chunk's million identifiers are not even formatted)."""
    identifiers, size = [], 0
    for entry in entries:
        if size > room:
            break
        identifier = identifier_of(entry.outcome, entry.status, url_id)
        found = [identifier, *business_key_texts(entry.outcome)]
        identifiers.extend(found)
        size += sum(len(text) + 1 for text in found if text)
    return identifiers


def identifiers_add(stored, identifiers):
    """Return the exchange's identifiers text with `identifiers` appended, within its cap."""
    if len(stored) >= log_conf.get("MAX_IDENTIFIERS_CHARS"):
        return stored
    return join_identifiers(stored.split() + identifiers)


def request_errors_add(job, errors):
    """Record a DELETE job's request-level errors on its exchange, as a synchronous DELETE's."""
    if not errors:
        return
    exchange = Exchange.objects.select_for_update().get(pk=job.exchange_id)
    codes = list(dict.fromkeys(str(error.code) for error in errors))
    exchange.errors = [error.as_dict() for error in errors]
    exchange.error_codes = join_codes(codes)
    persisted = PERSISTENCE_CODES.intersection(codes)
    exchange.status = Exchange.Status.FAILED if persisted else Exchange.Status.REJECTED
    exchange.save(update_fields=["errors", "error_codes", "status"])
