"""Triage of failures: a failed item is open until someone resolves or ignores it, or until the
same entity is written successfully later, which resolves it automatically.

The automatic resolution runs where the successful write is recorded (`recorder.exchange_save`,
inside the data's transaction): one precompiled SELECT of the open failures of that endpoint
whose identifier is one of the written ones (through the identifier index; usually it finds
none), and an UPDATE of those it found. Only one statement per 500 written items is added to a
write, so no periodic task has to scan the log.
"""

import functools

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Q
from django.utils import timezone

from dataexchange.engine.query.cursor import db_cursor
from dataexchange.engine.query.dialects import dialect
from dataexchange.exchangelog.models import Exchange, ExchangeItem

Triage = ExchangeItem.Triage
# Identifiers per SELECT (capped by the database's parameter limit): one statement for a
# batch of a few thousand.
CHUNK = 5000


@functools.cache
def open_failures_sql(engine):
    """Return the SELECT of open failures of one endpoint with given identifiers, up to an
    IN list (appended per call), for the database of dialect `engine`: written once, so a
    write pays the database's work only, not the ORM's compilation (which cost more)."""
    quote = connections[DEFAULT_DB_ALIAS].ops.quote_name
    item, exchange = ExchangeItem._meta, Exchange._meta

    def column(meta, name):
        return quote(meta.get_field(name).column)

    joined = f"e.{column(exchange, 'id')} = i.{column(item, 'exchange')}"
    return (
        f"SELECT i.{column(item, 'id')} FROM {quote(item.db_table)} i"
        f" JOIN {quote(exchange.db_table)} e ON {joined}"
        f" WHERE i.{column(item, 'triage')} = %s AND e.{column(exchange, 'endpoint')} = %s"
        f" AND i.{column(item, 'created_at')} <= %s AND i.{column(item, 'exchange')} <> %s"
        f" AND i.{column(item, 'identifier')} IN "
    )


def failures_resolve_written(exchange, identifiers):
    """Resolve the open failures of `exchange`'s endpoint whose identifier is one of
    `identifiers` (the entities the exchange wrote successfully); return how many."""
    written = list(dict.fromkeys(i for i in identifiers if i))
    if not written or not exchange.endpoint or exchange.dry_run:
        return 0
    engine = dialect()
    db = connections[DEFAULT_DB_ALIAS]
    fixed = [
        Triage.OPEN,
        exchange.endpoint,
        ExchangeItem._meta.get_field("created_at").get_db_prep_value(exchange.created_at, db),
        Exchange._meta.pk.get_db_prep_value(exchange.pk, db),
    ]
    chunk = min(CHUNK, engine.max_params - len(fixed))
    found = []
    # A SELECT (usually finding nothing, and locking nothing), then an UPDATE by key only
    # when there is something to resolve.
    with db_cursor() as cursor:
        for start in range(0, len(written), chunk):
            part = written[start : start + chunk]
            places = "(" + ", ".join(["%s"] * len(part)) + ")"
            cursor.execute(open_failures_sql(engine) + places, [*fixed, *part])
            found.extend(row[0] for row in cursor.fetchall())
    if not found:
        return 0
    note = f"automatically: written successfully by request {exchange.pk}"
    return ExchangeItem.objects.filter(pk__in=found, triage=Triage.OPEN).update(
        triage=Triage.RESOLVED, triaged_at=exchange.created_at, triaged_by=note
    )


def items_triage(queryset, state, who, note=""):
    """Set the triage `state` of the failed items among `queryset`, by user name `who`, adding
    `note` (if any) to their notes; return how many changed. One UPDATE without a note."""
    now = timezone.now()
    failures = queryset.filter(status=ExchangeItem.Status.FAILED).exclude(triage=state)
    if not note:
        return ExchangeItem.objects.filter(
            pk__in=list(failures.values_list("pk", flat=True))
        ).update(triage=state, triaged_at=now, triaged_by=who)
    changed = 0
    for item in failures:
        item.triage, item.triaged_at, item.triaged_by = state, now, who
        item.triage_note = f"{item.triage_note}\n{note}".strip()
        item.save(update_fields=["triage", "triaged_at", "triaged_by", "triage_note"])
        changed += 1
    return changed


def entity_timeline(endpoint, identifier):
    """Return the exchanges that touched entity `identifier` of `endpoint`, newest first: those
    that name it in the URL or among their items' identifiers."""
    return Exchange.objects.filter(endpoint=endpoint).filter(
        Q(entity_id=identifier) | Q(identifiers__contains=f"\n{identifier}\n")
    )
