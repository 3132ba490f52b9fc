"""Replay: re-submit failed items through the same engine, as new exchanges linked to the originals.

Safe to repeat are PATCH and PUT items (they converge on the same row) and POST items that were
not persisted: a failed or rolled-back POST item never was, unless a replay of it succeeded since,
which `ExchangeItem.is_replayable` rules out. Items whose data was not captured whole (capture
policy, size cap or a redacted secret) cannot be replayed.

A replay takes the API's own path: `check_reach` refuses it wherever the API would refuse the
same items from the same user (nested children included), and `write_with_record` commits the
data with its exchange record.
"""

from collections import defaultdict
from dataclasses import replace
from types import SimpleNamespace

import orjson

from dataexchange import registry
from dataexchange.api.reach import check_reach
from dataexchange.engine.render import error_response
from dataexchange.engine.respond import write_response
from dataexchange.engine.write import run_write
from dataexchange.errors import fail
from dataexchange.exchangelog.durable import write_with_record
from dataexchange.exchangelog.models import ExchangeItem
from dataexchange.exchangelog.recorder import Client, Received, exchange_start, response_errors


def items_replay(*, items, user):
    """Replay the replayable ones of `items`, one new exchange per original; return them."""
    groups = defaultdict(list)
    for item in items.select_related("exchange", "replayed_as").order_by("exchange_id", "index"):
        if item.is_replayable:
            groups[item.exchange].append(item)
    return [exchange_replay(original=ex, items=group, user=user) for ex, group in groups.items()]


def exchange_replay(*, original, items, user):
    """Re-submit `items` of exchange `original` as `user`; return the new exchange."""
    trace = exchange_start()
    trace.transactional = original.transactional is not False
    received = Received(
        method=original.method,
        endpoint=original.endpoint,
        client=Client(user.get_username(), user.pk),
        path=original.path,
        entity_id=original.entity_id,
    )
    caller = SimpleNamespace(user=user, auth=None)

    def run():
        trace.roots = submit(original, items, caller, trace.transactional)
        return write_response(
            trace.roots,
            method=original.method,
            single=bool(original.entity_id),
            transactional=trace.transactional,
        )

    def received_of(response):
        refused = response.status_code >= 400 and trace.roots is None
        return replace(received, errors=response_errors(response) if refused else [])

    write_with_record(
        trace,
        run,
        received_of,
        render_error=lambda exc: error_response(exc.errors, exc.status),
        replay_of=original,
        all_items=True,
    )
    link_replays(trace.exchange, items)
    return trace.exchange


def submit(original, items, caller, transactional):
    """Run the items through the API's permission check and `run_write`, with the original
    request's endpoint and mode."""
    snapshot = registry.snapshot()
    endpoint = snapshot.get(original.endpoint)
    if endpoint is None:
        fail("007")
    bodies = [orjson.loads(item.request_data) for item in items]
    check_reach(caller, snapshot, endpoint, original.method, items=bodies)
    return run_write(
        snapshot,
        endpoint,
        bodies,
        method=original.method,
        url_id=original.entity_id or None,
        transactional=transactional,
    )


def link_replays(exchange, items):
    """Point each original item at the item that replayed it (same position in the batch)."""
    replayed = {item.index: item for item in exchange.items.all()}
    for position, item in enumerate(items):
        item.replayed_as = replayed.get(position)
    ExchangeItem.objects.bulk_update(items, ["replayed_as"])
