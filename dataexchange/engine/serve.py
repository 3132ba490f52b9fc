"""The one entry point: `serve(api_request) -> Result`.

    ApiRequest ─▶ endpoint (007) ─▶ permissions on the endpoint (1404)
      GET  ─▶ query ─▶ permissions on included endpoints ─▶ read plan (once) ─▶ count / page /
              row / stream (on a read replica when one is configured and the caller did not
              write lately, see `replicas`) ─▶ Result
      POST, PATCH, PUT ─▶ body items ─▶ permissions on every endpoint nested rows write ─▶
              plan_write (1401, every A4 error per item) ─▶ run_write ─▶ ItemOutcomes ─▶
              rendered Result ─▶ exchange record ─▶ COMMIT
      DELETE ─▶ query ─▶ run_delete ─▶ Result ─▶ exchange record ─▶ COMMIT

The HTTP view, replay (and later jobs) call it; whoever asked turns the Result into its answer.
A write is committed together with its exchange record when `recording` is given
(`exchangelog.durable`); its errors are then part of the committed Result, not exceptions.
`keep` (an `idempotency.store.Keeper`, for a write sent with an Idempotency-Key) is called with
the final Result inside the same transaction, so the kept answer commits exactly with the data.
"""

from dataclasses import dataclass, field

from django.db import connection, transaction

from dataexchange import registry, replicas
from dataexchange.auth.permissions import has_endpoint_permission
from dataexchange.engine.execute.concurrency import check_precondition_access, if_match, tag_written
from dataexchange.engine.execute.delete import run_delete
from dataexchange.engine.execute.dryrun import dry_run
from dataexchange.engine.execute.flat_write import run_flat_write
from dataexchange.engine.execute.read import read_page, read_row
from dataexchange.engine.execute.write import run_write
from dataexchange.engine.plan.flat_plan import plan_flat
from dataexchange.engine.plan.reach import check_reach, viewable_aliases
from dataexchange.engine.plan.read_plan import plan_read
from dataexchange.engine.plan.write_plan import plan_write
from dataexchange.engine.query.counting import count_headers
from dataexchange.engine.render.result import error_result, json_result
from dataexchange.engine.render.stream import stream_result
from dataexchange.engine.render.written import write_result
from dataexchange.errors import ApiException, Code, fail


@dataclass(frozen=True, slots=True)
class Recording:
    """How a write's exchange is recorded with its data: the request's trace, a function
    returning the Received facts of a Result, and options for `exchange_save`; `save` replaces
    `exchange_save` (a job's chunk adds its items to the job's exchange instead)."""

    trace: object
    received_of: object
    save_options: dict = field(default_factory=dict)
    save: object = None


def serve(api_request, *, recording=None, keep=None):
    """Return the Result of `api_request` (an ApiRequest); raise ApiException for a request
    refused before anything was written (unknown endpoint, permission, parameters). A write
    calls `keep(result)` in its data's transaction (reads ignore it)."""
    snapshot = registry.snapshot(api_request.caller.config_version)
    endpoint = snapshot.get(api_request.alias)
    if endpoint is None:
        fail(Code.NOT_FOUND)
    check_reach(api_request.caller, snapshot, endpoint, api_request.method)
    if api_request.method in ("GET", "HEAD"):
        return serve_read(api_request, snapshot, endpoint)
    result = serve_write(api_request, snapshot, endpoint, recording, keep)
    if not api_request.dry_run and replicas.replica_aliases():
        replicas.note_write(api_request.caller)  # committed: read it back from the primary
    return result


def serve_read(api_request, snapshot, endpoint):
    """Answer a GET or HEAD, its data read on a replica when `replicas.replica_for` gives one
    (and again on the primary if that replica fails before answering)."""
    query = api_request.query
    if query.include:
        check_reach(api_request.caller, snapshot, endpoint, "GET", include=query.include)
    replica = replicas.replica_for(api_request.caller)
    if replica is None:
        return read_result(api_request, snapshot, endpoint)
    try:
        with replicas.reading_on(replica):
            result = read_result(api_request, snapshot, endpoint)
    except replicas.LOST as exc:
        if not replicas.lost(replica, exc):
            raise
        return read_result(api_request, snapshot, endpoint)
    if result.stream is not None:
        result.stream = replicas.streamed_on(replica, result.stream)
    return result


def read_result(api_request, snapshot, endpoint):
    """Plan a read once and answer one row, a page (with its count) or a stream."""
    query = api_request.query
    if api_request.single:
        return row_result(plan_read(snapshot, endpoint, query, paged=False), api_request.entity_id)
    paged = api_request.stream is None or (query.offset is not None and query.limit is not None)
    plan = plan_read(snapshot, endpoint, query, paged=paged)
    headers = count_headers(api_request.preferences, plan)
    if api_request.stream is not None:
        return stream_result(endpoint, plan, api_request.stream, headers)
    return json_result({"data": read_page(plan)}, headers=headers)


def row_result(plan, entity_id, rows=None):
    """Answer one row with its ETag (`rows`: read ahead, see `serve_read_ahead`)."""
    entity = read_row(plan, entity_id, rows=rows)
    return json_result({"data": entity.row}, headers={"ETag": entity.etag})


def serve_read_ahead(api_request, snapshot, endpoint, plan, rows):
    """Answer a GET whose row or page was read in the credential's own statement
    (api.read_ahead), planned by `plan` on `snapshot`, the version that credential read: the
    permission checks of `serve_read` first, then the rows as `read_result` answers them."""
    check_reach(api_request.caller, snapshot, endpoint, api_request.method)
    query = api_request.query
    if query.include:
        check_reach(api_request.caller, snapshot, endpoint, "GET", include=query.include)
    if api_request.single:
        return row_result(plan, api_request.entity_id, rows)
    headers = count_headers(api_request.preferences, plan)
    return json_result({"data": read_page(plan, rows=rows)}, headers=headers)


def serve_write(api_request, snapshot, endpoint, recording, keep=None):
    """Run a POST, PATCH, PUT or DELETE, committed with its exchange record when recorded and
    with its kept answer when `keep` is given."""
    run = write_runner if api_request.method != "DELETE" else delete_runner
    execute = run(api_request, snapshot, endpoint, recording)
    if keep is not None:
        execute = keeping(execute, keep)
    if recording is None:
        if keep is None:
            return execute()
        with transaction.atomic():
            result = execute()
    else:
        from dataexchange.exchangelog.durable import write_with_record

        trace = recording.trace
        trace.dry_run = api_request.dry_run
        result = write_with_record(
            trace,
            execute,
            recording.received_of,
            render_error=lambda exc: error_result(exc.errors, exc.status, exc.headers),
            save=recording.save,
            **recording.save_options,
        )
    if keep is not None and not keep.kept:
        with transaction.atomic():  # the write failed and rolled back: its answer, on its own
            keep(result)
    return result


def keeping(execute, keep):
    """Return `execute` followed by `keep(result)` in the same transaction; an error the write
    reports is its answer, kept like any other. A lone item that failed without a savepoint
    (engine.execute.write: write_alone) leaves the transaction to roll back: its answer is kept
    after it (serve_write)."""

    def run():
        # A write run again after losing a lock conflict (exchangelog.conflicts) starts with
        # nothing kept: the first run's keep rolled back with it.
        keep.kept = False
        try:
            result = execute()
        except ApiException as exc:
            result = error_result(exc.errors, exc.status, exc.headers)
        if not connection.needs_rollback:
            keep(result)
        return result

    return run


def write_runner(api_request, snapshot, endpoint, recording):
    """Plan and check a POST, PATCH or PUT (refusing it as a whole before anything is written);
    return the function that executes it and renders its Result."""
    trace = recording.trace if recording else None
    items = api_request.body.all(endpoint)
    reached = check_reach(api_request.caller, snapshot, endpoint, api_request.method, items=items)
    flat = flat_plan_of(api_request, snapshot, endpoint, items)
    plan = None if flat is not None else row_plan(api_request, snapshot, endpoint, items)
    viewable = viewable_aliases(api_request.caller, reached)
    may_view = endpoint.alias in viewable
    check_precondition_access(api_request.if_match, endpoint, may_view)
    if trace is not None:
        trace.transactional = api_request.transactional

    def execute():
        with dry_run(api_request.dry_run), if_match(*guard(api_request, endpoint)):
            outcomes = None
            if flat is not None:
                outcomes = run_flat_write(
                    flat, transactional=api_request.transactional, full_rows=log_keeps_rows()
                )
            if outcomes is None:  # planned row by row, or refused by the database in bulk
                row_wise = plan or row_plan(api_request, snapshot, endpoint, items)
                outcomes = run_write(row_wise, transactional=api_request.transactional)
            if trace is not None:
                trace.outcomes = outcomes
        if api_request.outcomes_only:
            return outcomes_result(outcomes, api_request.transactional)
        result = write_result(
            outcomes,
            method=api_request.method,
            single=api_request.single,
            transactional=api_request.transactional,
            viewable=viewable,
        )
        if not may_view:  # an ETag is a hash of the whole stored row
            return result
        return tag_written(result, endpoint, outcomes, api_request.entity_id)

    return execute


def row_plan(api_request, snapshot, endpoint, items):
    """Return the row-wise WritePlan of the request's items (1401 past the batch limit)."""
    return plan_write(
        snapshot,
        endpoint,
        items,
        method=api_request.method,
        url_id=api_request.entity_id,
        start=api_request.body.start,
    )


def flat_plan_of(api_request, snapshot, endpoint, items):
    """Return the columnar FlatPlan of a job's POST of flat items (`engine.plan.flat_plan`),
    or None to plan it row by row: another method, one row, a dry run or a precondition, or a
    synchronous request (its response renders nodes the columnar path does not build)."""
    if not api_request.outcomes_only or api_request.method != "POST" or api_request.single:
        return None
    if api_request.dry_run or api_request.if_match is not None:
        return None
    return plan_flat(snapshot, endpoint, items, start=api_request.body.start)


def log_keeps_rows():
    """Return whether the exchange log keeps written rows (every item, captured in full), so
    that a write must return whole stored rows, not only their identifiers."""
    from dataexchange.exchangelog import conf as log_conf
    from dataexchange.exchangelog.capture import Policy

    return log_conf.get("ITEMS") == "all" and Policy.current().mode == "all"


def outcomes_result(outcomes, transactional):
    """Return the bodiless Result of a write whose caller reads its outcomes (a job): only the
    status, 400 for a transactional batch that failed, says how it went."""
    failed = transactional and any(outcome.errors for outcome in outcomes)
    return json_result(None, status=400 if failed else 200)


def delete_runner(api_request, snapshot, endpoint, recording):
    """Check a DELETE's parameters and preconditions; return the function that executes it."""
    query = api_request.query
    may_view = has_endpoint_permission(api_request.caller, endpoint.alias, "view")
    check_precondition_access(api_request.if_match, endpoint, may_view)

    def execute():
        with dry_run(api_request.dry_run), if_match(*guard(api_request, endpoint)):
            run_delete(snapshot, endpoint, query, url_id=api_request.entity_id, may_view=may_view)
        return json_result(None, status=204)

    return execute


def guard(api_request, endpoint):
    """Return the arguments of `if_match` for `api_request`."""
    return api_request.method, api_request.if_match, endpoint, api_request.entity_id
