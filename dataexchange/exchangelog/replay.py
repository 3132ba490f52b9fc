"""Replay: re-submit failed items through the same engine, as new exchanges linked to the originals.

Safe to repeat are PATCH and PUT items (they converge on the same row) and POST items that were
not persisted: a failed or rolled-back POST item never was, unless a replay of it succeeded since,
which `ExchangeItem.is_replayable` rules out. Items whose data was not captured whole (capture
policy, size cap or a redacted secret) cannot be replayed.

A replay takes the API's own path, `engine.serve`: it is refused wherever the API would refuse
the same items from the same user (nested children included), and its data commits with its
exchange record.
"""

from collections import defaultdict
from dataclasses import replace

import orjson

from dataexchange.engine.parse.request import ApiRequest, Caller, ItemSource
from dataexchange.engine.serve import Recording, serve
from dataexchange.errors import ApiException
from dataexchange.exchangelog.models import ExchangeItem
from dataexchange.exchangelog.recorder import (
    Client,
    Received,
    exchange_save,
    exchange_start,
    response_errors,
)


def items_replay(*, items, user):
    """Replay the replayable ones of `items`, one new exchange per original; return them."""
    groups = defaultdict(list)
    for item in items.select_related("exchange", "replayed_as").order_by("exchange_id", "index"):
        if item.is_replayable:
            groups[item.exchange].append(item)
    return [exchange_replay(original=ex, items=group, user=user) for ex, group in groups.items()]


def exchange_replay(*, original, items, user):
    """Re-submit `items` of exchange `original` as `user` through `serve`; return the new
    exchange."""
    trace = exchange_start()
    received = Received(
        method=original.method,
        endpoint=original.endpoint,
        client=Client(user.get_username(), user.pk),
        path=original.path,
        entity_id=original.entity_id,
    )

    def received_of(result):
        refused = result.status_code >= 400 and trace.outcomes is None
        return replace(received, errors=response_errors(result) if refused else [])

    request = ApiRequest(
        method=original.method,
        alias=original.endpoint,
        caller=Caller(user),
        entity_id=original.entity_id or None,
        body=ItemSource.of(orjson.loads(item.request_data) for item in items),
        transactional=original.transactional is not False,
    )
    recording = Recording(trace, received_of, {"replay_of": original, "all_items": True})
    try:
        serve(request, recording=recording)
    except ApiException as exc:  # refused before the write: unknown endpoint, permission
        trace.exchange = exchange_save(
            trace, replace(received, errors=[e.as_dict() for e in exc.errors]), exc.status,
            replay_of=original, all_items=True,
        )  # fmt: skip
    link_replays(trace.exchange, items)
    return trace.exchange


def link_replays(exchange, items):
    """Point each original item at the item that replayed it (same position in the batch)."""
    replayed = {item.index: item for item in exchange.items.all()}
    for position, item in enumerate(items):
        item.replayed_as = replayed.get(position)
        if replayed_fine(item) and item.triage == ExchangeItem.Triage.OPEN:
            item.triage, item.triaged_at = ExchangeItem.Triage.RESOLVED, exchange.created_at
            item.triaged_by = f"automatically: replayed successfully by request {exchange.pk}"
    ExchangeItem.objects.bulk_update(items, ["replayed_as", "triage", "triaged_at", "triaged_by"])


def replayed_fine(item):
    """Return whether `item` was replayed and its replay was written."""
    return item.replayed_as is not None and item.replayed_as.status == ExchangeItem.Status.PROCESSED
