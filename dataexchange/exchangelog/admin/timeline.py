"""The timeline of one entity (endpoint + identifier): every exchange that touched it, and for
each logged write of it what changed, as a before/after diff of the written rows.

The diff compares each written row with the previous written row of the same entity, both as
the log captured them (`EXCHANGE_LOG["CAPTURE"] = "all"` and `["ITEMS"] = "all"` keep them);
where the previous one was not captured, the fields sent are shown as "after" only.
"""

import json
from dataclasses import dataclass, field

from dataexchange.exchangelog.models import ExchangeItem
from dataexchange.exchangelog.triage import entity_timeline

MAX_EXCHANGES = 200


@dataclass
class Change:
    """One field of a write: its value before (None: unknown) and after."""

    name: str
    before: str | None
    after: str


@dataclass
class Step:
    """One exchange that touched the entity, with its item of the entity if logged."""

    exchange: object
    item: object = None
    changes: list = field(default_factory=list)


def loaded(text):
    """Return stored JSON text as a dict, or None when absent, capped or not an object."""
    try:
        value = json.loads(text) if text else None
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def shown(value):
    """Return a JSON value as it reads in the diff."""
    return json.dumps(value, ensure_ascii=False)


def row_diff(before, after):
    """Return the Changes from row `before` (a dict, or None: unknown) to row `after`."""
    changes = []
    for name, value in after.items():
        if before is None:
            changes.append(Change(name, None, shown(value)))
        elif name not in before or before[name] != value:
            previous = shown(before[name]) if name in before else None
            changes.append(Change(name, previous, shown(value)))
    return changes


def timeline(endpoint, identifier):
    """Return the Steps of the entity, newest first, each processed write with its diff."""
    exchanges = list(entity_timeline(endpoint, identifier).order_by("-created_at")[:MAX_EXCHANGES])
    items = ExchangeItem.objects.filter(exchange__in=exchanges, identifier=identifier)
    by_exchange = {item.exchange_id: item for item in items.order_by("-index")}
    steps = [Step(exchange, by_exchange.get(exchange.pk)) for exchange in exchanges]
    previous = None
    for step in reversed(steps):  # oldest first: each row is compared with the one before
        item = step.item
        if item is None or item.status != ExchangeItem.Status.PROCESSED:
            continue
        written = loaded(item.response_data)
        sent = loaded(item.request_data)
        if written is not None:
            step.changes = row_diff(previous, written)
            previous = written
        elif sent is not None:
            step.changes = row_diff(None, sent)
            previous = None
    return steps
