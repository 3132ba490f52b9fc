"""Move change-log entries into the outbox, subscription by subscription, and wake the
delivery tasks of subscriptions with deliveries due (the periodic task `webhooks.pump`).

Each subscription keeps its own cursor (a change-log position). The entries after it on the
subscription's tracked endpoints become deliveries, and the cursor moves on, in one
transaction, by compare-and-set: two pumps running at once never create the same deliveries
twice, and a pump killed half-way creates none. Entries are taken only up to the lowest
position every endpoint's page reached, so none is skipped when one endpoint has more changes
than a batch."""

import logging

from django.db import transaction
from django.utils import timezone

from dataexchange import registry
from dataexchange.changes.feed import latest_position, read_page, sequence_pending
from dataexchange.changes.rows import feed_items
from dataexchange.errors import ApiException
from dataexchange.models import Endpoint
from dataexchange.webhooks import conf
from dataexchange.webhooks.models import ENTITY_EVENTS, Delivery, Subscription
from dataexchange.webhooks.outbox import deliveries_add, deliveries_kick, iso, payload_dump

logger = logging.getLogger(__name__)

MAX_ROUNDS = 20  # batches per subscription per run: a large backlog does not hold the others

OPERATION_EVENTS = {
    "create": "entity.created",
    "update": "entity.updated",
    "delete": "entity.deleted",
}


def webhooks_pump():
    """Number the committed changes, move them into every subscription's outbox, and enqueue
    the delivery tasks of subscriptions with deliveries due; return deliveries created."""
    sequence_pending()
    created = 0
    for subscription in Subscription.objects.filter(is_active=True).order_by("pk"):
        if not any(subscription.wants(event) for event in ENTITY_EVENTS):
            continue
        for _ in range(MAX_ROUNDS):  # a backlog moves on by PUMP_BATCH a round
            made, caught_up = subscription_pump(subscription)
            created += made
            if caught_up:
                break
    deliveries_kick(due_subscriptions())
    return created


def due_subscriptions():
    """Return the ids of active subscriptions with a delivery due (new, to retry, or held by a
    worker whose lease ran out)."""
    due = Delivery.objects.due(timezone.now()).filter(subscription__is_active=True)
    return sorted(due.values_list("subscription_id", flat=True).distinct())


def subscription_pump(subscription):
    """Move up to PUMP_BATCH change-log entries per endpoint after `subscription`'s cursor
    into its outbox; return (deliveries created, whether the cursor reached the end of the
    log). Another pump that moved the cursor first wins: (0, True)."""
    endpoints = tracked_endpoints(subscription)
    after = subscription.cursor
    try:
        upto, entries = entries_after(endpoints, after)
    except ApiException:  # 1428: changes after the cursor were pruned before being sent
        upto, entries = latest_position(), []
        logger.error("Webhook subscription %s lost changes after %s (pruned)", subscription, after)
    if upto <= after:
        return 0, True
    rows = deliveries_of(subscription, entries)
    with transaction.atomic():
        moved = Subscription.objects.filter(pk=subscription.pk, cursor=after).update(cursor=upto)
        if not moved:
            return 0, True
        deliveries_add(rows)
    subscription.cursor = upto
    return len(rows), upto >= latest_position()


def tracked_endpoints(subscription):
    """Return {table name: alias} of the tracked endpoints the subscription follows (all
    tracked endpoints when it names none)."""
    chosen = subscription.endpoints.all()
    if not chosen.exists():
        chosen = Endpoint.objects.all()
    return dict(chosen.filter(track_changes=True).values_list("table_name", "alias"))


def entries_after(endpoints, after):
    """Return (upto, [(alias, entry), ...]): entries after position `after` of every table
    in `endpoints`, in position order, up to `upto`, the lowest position every page reached."""
    batch = conf.get("PUMP_BATCH")
    upto, found = None, []
    for table, alias in endpoints.items():
        page = read_page(table, after, batch)
        upto = page.next_position if upto is None else min(upto, page.next_position)
        found.extend((alias, entry) for entry in page.entries)
    if upto is None:
        upto = max(latest_position(), after)
    found = [(alias, entry) for alias, entry in found if entry.position <= upto]
    found.sort(key=lambda pair: pair[1].position)
    return upto, found


def deliveries_of(subscription, entries):
    """Return the unsaved Delivery rows of the `(alias, entry)` pairs the subscription wants,
    each with the feed's own item for the entry (the row as its endpoint shows it now)."""
    wanted = [(a, e) for a, e in entries if subscription.wants(OPERATION_EVENTS[e.operation])]
    items = {}
    for alias in dict.fromkeys(alias for alias, _ in wanted):
        mine = [entry for a, entry in wanted if a == alias]
        items.update(zip((e.pk for e in mine), items_of(alias, mine), strict=True))
    return [delivery_of(subscription, alias, entry, items[entry.pk]) for alias, entry in wanted]


def delivery_of(subscription, alias, entry, item):
    """Return the unsaved Delivery of one change: the feed's item plus `type` and `endpoint`."""
    event = OPERATION_EVENTS[entry.operation]
    return Delivery(
        subscription=subscription,
        event=event,
        endpoint=alias,
        entity_key=f"{alias}:{entry.identifier}"[:255],
        payload=payload_dump({"type": event, "endpoint": alias, **item}),
    )


def items_of(alias, entries):
    """Return the feed's items of `entries` of endpoint `alias` (one query for the rows); for
    an endpoint no longer served, the items without rows."""
    endpoint = registry.snapshot().get(alias)
    if endpoint is not None:
        return feed_items(endpoint, entries)
    return [
        {
            "cursor": str(entry.position),
            "operation": entry.operation,
            "identifier": entry.identifier,
            "data": None,
            "changedAt": iso(entry.changed_at),
        }
        for entry in entries
    ]
