"""Record each API request as an Exchange with its items.

The view calls `exchange_start` first thing. A write that reaches the engine is recorded in the
data's own transaction (`exchangelog.durable`), so an acknowledged write always has its record.
Every other request (refused before the engine, or a read when reads are logged) is recorded by
`exchange_record` from `finalize_response`: it answers X-Request-Id and gathers the facts (cheap,
no query), and the rows are written once the server has sent the response, in a transaction of
their own, so their cost stays out of the client's wait. The write is one INSERT for the exchange
and one bulk INSERT for its item rows.
"""

import ipaddress
import logging
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial

from django.db import InterfaceError, OperationalError, connection, transaction
from django.utils import timezone

import orjson

from dataexchange.engine.execute.dryrun import HEADER as DRY_RUN
from dataexchange.engine.plan.write_plan import MISSING
from dataexchange.engine.query.dialects import dialect
from dataexchange.errors import Code
from dataexchange.exchangelog import conf
from dataexchange.exchangelog.business_keys import business_key_texts, item_business_key
from dataexchange.exchangelog.capture import NOTHING, Policy
from dataexchange.exchangelog.models import WRITE_METHODS, Exchange, ExchangeItem
from dataexchange.exchangelog.rows import insert_rows, new_row
from dataexchange.exchangelog.triage import failures_resolve_written, resolving_with
from dataexchange.webhooks import outbox as webhooks_outbox

logger = logging.getLogger(__name__)

HEADER = "X-Request-Id"
DRY_RUN_HEADER = DRY_RUN  # echoed by the HTTP edge on dry runs (SPEC B7, api.request)
MAX_ERRORS = 100  # request-level errors kept per exchange
MAX_ERROR_BODY = 64 * 1024  # larger error bodies are not parsed
# Codes meaning the request was understood but data could not be persisted or found.
PERSISTENCE_CODES = {
    Code.PERSIST_FAILED, Code.ENTITY_NOT_FOUND, Code.DUPLICATE_ENTRY, Code.HAS_CHILDREN,
    Code.SERVER_ERROR,
}  # fmt: skip
OPERATIONS = {"POST": ExchangeItem.Operation.CREATE, "PATCH": ExchangeItem.Operation.UPDATE}
Status = ExchangeItem.Status


@dataclass(slots=True)
class Trace:
    """What the view learns about a request while serving it."""

    id: uuid.UUID
    started: float
    created_at: datetime
    outcomes: tuple | None = None  # ItemOutcomes of a write that reached the engine
    transactional: bool | None = None
    dry_run: bool = False
    finished: float | None = None  # perf_counter when the response was ready
    saved: bool = False  # the exchange was written with the data (exchangelog.durable)
    exchange: object = None  # the saved Exchange, once written with the data


@dataclass(frozen=True, slots=True)
class Client:
    """Who sent a request: a display name and the user and API key behind it."""

    name: str
    user_id: int | None = None
    api_key_id: int | None = None


@dataclass(frozen=True, slots=True)
class Received:
    """The request side of an exchange, independent of HTTP (replays build one too)."""

    method: str
    endpoint: str
    client: Client
    path: str = ""
    query: str = ""
    entity_id: str = ""
    remote_addr: str | None = None
    errors: list = field(default_factory=list)  # request-level errors, as dicts


def exchange_start():
    """Return a fresh Trace: the request id and the start time."""
    return Trace(uuid.uuid4(), time.perf_counter(), timezone.now())


def exchange_record(view, request, response):
    """Answer X-Request-Id; if the request is logged, write its exchange once the response is
    sent. Return the response."""
    trace = getattr(view, "trace", None) or exchange_start()
    response[HEADER] = str(trace.id)
    if trace.saved:
        return response
    if not (conf.get("ENABLED") and (request.method in WRITE_METHODS or conf.get("LOG_READS"))):
        return response
    trace.finished = time.perf_counter()
    trace.dry_run = response.get(DRY_RUN_HEADER) == "true"
    try:
        received = received_from(view, request, response, trace)
    except Exception:
        logger.exception("Could not log request %s", trace.id)
        return response
    after_response(response, partial(save_quietly, trace, received, response.status_code))
    return response


def after_response(response, task):
    """Run `task` when the server closes `response`, that is after sending it to the client.

    `HttpResponse.close()` runs the response's resource closers (Django's own hook, used by
    FileResponse), and every WSGI or ASGI server and the test client call it once the body is
    sent, before `request_finished` recycles the database connection. Elsewhere: run it now.
    """
    closers = getattr(response, "_resource_closers", None)
    if closers is None:
        task()
    else:
        closers.append(task)


def save_quietly(trace, received, http_status):
    """Write the exchange of a request that stored nothing (refused, failed or rolled back); a
    failing log never fails the API, it is reported in the logs. A connection that broke during
    the request is replaced once."""
    for attempt in (1, 2):
        try:
            exchange_save(trace, received, http_status)
            return
        except (OperationalError, InterfaceError):
            if attempt == 2 or connection.in_atomic_block:
                break
            connection.close()
        except Exception:
            break
    logger.exception("Could not write the exchange log of request %s", trace.id)


def received_from(view, request, response, trace):
    """Return the Received facts of an HTTP request, without credentials."""
    endpoint = getattr(view, "endpoint", None)
    kwargs = getattr(view, "kwargs", {}) or {}
    return Received(
        method=request.method,
        endpoint=(endpoint.alias if endpoint else kwargs.get("alias") or "")[:255],
        client=client_of(request),
        path=request.path[:1000],
        query=Policy.current().safe_query(request.META.get("QUERY_STRING", "")),
        entity_id=str(kwargs.get("entity_id") or "")[:255],
        remote_addr=ip_or_none(request.META.get("REMOTE_ADDR")),
        # Items carry their own errors; only a request refused as a whole needs the body's.
        errors=response_errors(response)
        if response.status_code >= 400 and not trace.outcomes
        else [],
    )


def client_of(request):
    """Return the Client of a DRF request from what authentication found (never re-running it)."""
    found = vars(request)
    user, auth = found.get("_user"), found.get("_auth")
    user_id = user.pk if user is not None and user.is_authenticated else None
    meta = getattr(auth, "_meta", None)
    if meta is not None and meta.model_name == "apikey":
        return Client(f"API key {auth} (#{auth.pk})"[:255], user_id, auth.pk)
    if user_id is not None:
        return Client(user.get_username()[:255], user_id)
    return Client("anonymous")


def ip_or_none(value):
    """Return `value` if it is an IP address, else None."""
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


def response_errors(response):
    """Return the error dicts of an A7 error body (parsed only when small)."""
    if getattr(response, "streaming", False) or len(response.content) > MAX_ERROR_BODY:
        return []
    try:
        body = orjson.loads(response.content)
    except orjson.JSONDecodeError:
        return []
    if isinstance(body, dict):
        body = body.get("errors") or []
    if not isinstance(body, list):
        return []
    return [e for e in body[:MAX_ERRORS] if isinstance(e, dict)]


def exchange_save(trace, received, http_status, *, replay_of=None, all_items=False):
    """Insert the Exchange of a finished request and its item rows; return the exchange."""
    exchange = new_row(
        Exchange,
        id=trace.id,
        created_at=trace.created_at,
        endpoint=received.endpoint,
        method=received.method,
        path=received.path,
        query=received.query,
        entity_id=received.entity_id,
        client=received.client.name,
        user_id=received.client.user_id,
        api_key_id=received.client.api_key_id,
        remote_addr=received.remote_addr,
        transactional=trace.transactional,
        dry_run=trace.dry_run,
        http_status=http_status,
        duration_ms=round(((trace.finished or time.perf_counter()) - trace.started) * 1000, 3),
        replay_of_id=replay_of.pk if replay_of is not None else None,
    )
    items, written, written_keys = [], (), ()
    if trace.outcomes is not None:
        items, written, written_keys = summarize_items(
            exchange, trace, all_items or conf.get("ITEMS") == "all"
        )
    else:
        summarize_request(exchange, received.errors)
    if http_status >= 500:
        exchange.status = Exchange.Status.FAILED
    for row in (exchange, *items):
        scrub_row(row)
    outermost = not connection.in_atomic_block
    # Inside the data's transaction no savepoint is needed: the record fails with the data.
    with transaction.atomic(savepoint=False):
        if outermost:
            relax_durability()
        # Resolving the failures the write fixed rides on the exchange's INSERT where it can.
        resolving = resolving_with(exchange, written, written_keys)
        insert_rows(Exchange, [exchange], before=resolving)
        insert_rows(ExchangeItem, items)
        if exchange.status == Exchange.Status.FAILED:
            webhooks_outbox.exchange_failed(exchange)
        if resolving is None:
            failures_resolve_written(exchange, written, written_keys)
    return exchange


def scrub_row(row):
    """Replace NUL characters in a log row's text and JSON values (PostgreSQL's text and jsonb
    refuse them; a client may send them in an identifier or a value), so that recording a
    request never fails on what the request carried."""
    for model_field in row._meta.concrete_fields:
        value = getattr(row, model_field.attname)
        if isinstance(value, str | list | dict):
            setattr(row, model_field.attname, scrub(value))


def scrub(value):
    """Return `value` (text, or JSON-shaped lists and dicts) with NUL replaced by U+FFFD."""
    if isinstance(value, str):
        return value.replace("\x00", "\ufffd") if "\x00" in value else value
    if isinstance(value, list):
        return [scrub(item) for item in value]
    if isinstance(value, dict):
        return {scrub(key): scrub(item) for key, item in value.items()}
    return value


def relax_durability():
    """On PostgreSQL, let the log's own transaction commit without waiting for the disk.

    A synchronous commit waits for a WAL flush, which alone can cost more than the log's
    budget of 2 ms per request. With `synchronous_commit = off` for this transaction only, a
    database crash may lose the last fraction of a second of log rows, never data and never
    half an exchange. Only for the outermost transaction: inside another one (ATOMIC_REQUESTS)
    it would relax that one's commit too. EXCHANGE_LOG["ASYNC_COMMIT"] = False turns it off.
    """
    statement = dialect().relax_durability_sql
    if statement and conf.get("ASYNC_COMMIT"):
        with connection.cursor() as cursor:
            cursor.execute(statement)


def summarize_request(exchange, errors):
    """Fill counts, codes and status of a request that never reached item processing."""
    codes = list(dict.fromkeys(str(e.get("code")) for e in errors if e.get("code") is not None))
    exchange.errors = errors
    exchange.error_codes = join_codes(codes)
    if exchange.http_status < 400:
        exchange.status = Exchange.Status.PROCESSED
    elif PERSISTENCE_CODES.intersection(codes):
        exchange.status = Exchange.Status.FAILED
    else:
        exchange.status = Exchange.Status.REJECTED


def summarize_items(exchange, trace, all_items):
    """Fill counts, codes, identifiers and status from the item outcomes; return the item rows
    to keep, and the identifiers and the business keys of the items written."""
    outcomes = trace.outcomes
    # A dry run rolls back like a failed batch: its valid items were written, then undone.
    batch_failed = trace.dry_run or (bool(trace.transactional) and any(r.errors for r in outcomes))
    policy = Policy.current()
    items, identifiers, codes, written, written_keys = [], [], {}, [], []
    for index, outcome in enumerate(outcomes):
        status = Status.FAILED if outcome.errors else Status.PROCESSED
        if status == Status.PROCESSED and batch_failed:
            status = Status.ROLLED_BACK
        for error in outcome.errors:
            codes.setdefault(error.code, None)
        identifier = identifier_of(outcome, status, exchange.entity_id)
        keys = business_key_texts(outcome)
        identifiers.append(identifier)
        identifiers.extend(keys)
        if status == Status.PROCESSED:
            written.append(identifier)
            if keys:
                written_keys.append(item_business_key(keys))
        if all_items or status != Status.PROCESSED:
            items.append(item_row(exchange, index, outcome, status, identifier, policy, keys))
    failed = sum(1 for outcome in outcomes if outcome.errors)
    exchange.item_count, exchange.failed_count = len(outcomes), failed
    exchange.rolled_back_count = len(outcomes) - failed if batch_failed else 0
    exchange.error_codes = join_codes(code for code in codes if code)
    exchange.identifiers = join_identifiers(identifiers)
    exchange.status = exchange_status(len(outcomes), failed, bool(trace.transactional))
    return items, written, written_keys


def exchange_status(total, failed, transactional):
    """Return the status of a write from its item counts (a dry run as its real run would)."""
    if not failed:
        return Exchange.Status.PROCESSED
    if transactional or failed == total:
        return Exchange.Status.FAILED
    return Exchange.Status.PARTIALLY_FAILED


def item_row(exchange, index, outcome, status, identifier, policy, keys=None):
    """Return the unsaved ExchangeItem of one item outcome (`keys`: its business-key texts,
    if already known)."""
    first = outcome.errors[0] if outcome.errors else None
    keep = policy.mode == "all" or (policy.mode == "errors" and status != Status.PROCESSED)
    received = policy.capture(outcome.raw) if keep else NOTHING
    written = NOTHING
    if policy.mode == "all" and status == Status.PROCESSED and outcome.row is not None:
        written = policy.capture(outcome.written)
    return ExchangeItem(
        exchange=exchange,
        created_at=exchange.created_at,
        index=index,
        identifier=identifier[:255],
        business_key=item_business_key(business_key_texts(outcome) if keys is None else keys),
        operation=operation_of(exchange.method, outcome, status),
        status=status,
        error_code=(first.code or "") if first else "",
        path=outcome.path[:255],
        message=first.message if first else "",
        errors=[error.as_dict() for error in outcome.errors],
        request_data=received.text,
        data_complete=received.complete,
        response_data=written.text,
        triage=ExchangeItem.Triage.OPEN if status == Status.FAILED else ExchangeItem.Triage.NONE,
    )


def operation_of(method, outcome, status):
    """Return create/update, or create-or-update for a PUT item never matched against the table."""
    if method in OPERATIONS:
        return OPERATIONS[method]
    if outcome.existing:
        return ExchangeItem.Operation.UPDATE
    if status == Status.FAILED:
        return ExchangeItem.Operation.UPSERT
    return ExchangeItem.Operation.CREATE


def identifier_of(outcome, status, url_id):
    """Return the item's identifier: the stored one if written, else the one sent."""
    if status == Status.PROCESSED:
        value = outcome.stored_identifier  # None when not written (or written without one)
        if value is not None:
            return str(value)
        if outcome.row is not None:
            return ""
    if url_id:
        return url_id
    value = outcome.sent_identifier
    return "" if value is MISSING else str(value)


def join_codes(codes):
    """Return distinct codes wrapped in commas, fitting the column."""
    text = ",".join(codes)
    return f",{text[:250]}," if text else ""


def join_identifiers(identifiers):
    """Return identifiers one per line between newlines, capped at MAX_IDENTIFIERS_CHARS."""
    limit = conf.get("MAX_IDENTIFIERS_CHARS")
    kept, size = [], 1
    for identifier in identifiers:
        if not identifier:
            continue
        size += len(identifier) + 1
        if size > limit:
            break
        kept.append(identifier)
    return "\n" + "\n".join(kept) + "\n" if kept else ""
