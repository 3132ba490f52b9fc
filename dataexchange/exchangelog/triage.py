"""Triage of failures: a failed item is open until someone resolves or ignores it, or until the
same entity is written successfully later, which resolves it automatically.

The same entity means the same endpoint and either the same identifier or the same business-key
values (`ExchangeItem.business_key`): a failed create has no identifier, only the SKU or ISO code
it sent. The automatic resolution runs where the successful write is recorded
(`recorder.exchange_save`, inside the data's transaction, and a job's chunk record):

- on a database whose statements may begin with a data-modifying WITH (PostgreSQL), as part of
  the exchange's own INSERT (`resolving_with`): no extra round trip on any write;
- elsewhere, one precompiled SELECT of the open failures (through the identifier and business-key
  indexes; usually it finds none) per 5,000 written entities, and an UPDATE of those it found.

So no periodic task has to scan the log.
"""

import functools

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Q
from django.utils import timezone

from dataexchange.engine.query.cursor import db_cursor
from dataexchange.engine.query.dialects import dialect
from dataexchange.exchangelog.models import Exchange, ExchangeItem

Triage = ExchangeItem.Triage
# Identifiers and keys per SELECT (capped by the database's parameter limit): one statement for
# a batch of a few thousand.
CHUNK = 5000


@functools.cache
def columns():
    """Return the quoted table and column names the statements below use."""
    quote = connections[DEFAULT_DB_ALIAS].ops.quote_name
    item, exchange = ExchangeItem._meta, Exchange._meta
    names = {
        f"item_{name}": quote(item.get_field(name).column)
        for name in ("id", "triage", "created_at", "exchange", "identifier", "business_key")
    }
    names.update(triaged_at=quote("triaged_at"), triaged_by=quote("triaged_by"))
    names.update(exchange_id=quote(exchange.pk.column), endpoint=quote("endpoint"))
    return {**names, "items": quote(item.db_table), "exchanges": quote(exchange.db_table)}


def open_failures_sql(matching):
    """Return the SELECT of the ids of open failures of one endpoint, logged before a given
    exchange by another one, that are the same entity as a written one: `matching` is the
    condition on `i.identifier` and `i.business_key`."""
    c = columns()
    return (
        f"SELECT i.{c['item_id']} FROM {c['items']} i"
        f" JOIN {c['exchanges']} e ON e.{c['exchange_id']} = i.{c['item_exchange']}"
        f" WHERE i.{c['item_triage']} = %s AND e.{c['endpoint']} = %s"
        f" AND i.{c['item_created_at']} <= %s AND i.{c['item_exchange']} <> %s AND ({matching})"
    )


def resolution_note(exchange):
    return f"automatically: written successfully by request {exchange.pk}"


def written_entities(exchange, identifiers, keys):
    """Return (identifiers, keys): the distinct non-empty ones, or two empty lists when
    `exchange` resolves nothing (a dry run, no endpoint)."""
    if not exchange.endpoint or exchange.dry_run:
        return [], []
    return distinct(identifiers), distinct(keys)


def distinct(values):
    """Return the distinct non-empty `values`, in order."""
    return list(dict.fromkeys(value for value in values if value))


def fixed_params(exchange, db):
    """Return the parameters of `open_failures_sql` before its matching condition."""
    return [
        Triage.OPEN,
        exchange.endpoint,
        ExchangeItem._meta.get_field("created_at").get_db_prep_value(exchange.created_at, db),
        Exchange._meta.pk.get_db_prep_value(exchange.pk, db),
    ]


def resolving_with(exchange, identifiers, keys=()):
    """Return (SQL, params) of a `WITH … AS (UPDATE …)` clause that resolves the open failures
    the written `identifiers` and business `keys` fix, for the exchange's INSERT to begin with;
    or None when there is nothing to look for or the database cannot (see the module)."""
    if not dialect().modifying_with:
        return None
    identifiers, keys = written_entities(exchange, identifiers, keys)
    if not identifiers and not keys:
        return None
    db = connections[DEFAULT_DB_ALIAS]
    at = ExchangeItem._meta.get_field("triaged_at").get_db_prep_value(exchange.created_at, db)
    params = [Triage.RESOLVED, at, resolution_note(exchange), *fixed_params(exchange, db)]
    return resolving_with_sql(), [*params, identifiers, keys]


@functools.cache
def resolving_with_sql():
    """Return the clause of `resolving_with`, written once."""
    c = columns()
    matching = f"i.{c['item_identifier']} = ANY(%s) OR i.{c['item_business_key']} = ANY(%s)"
    return (
        f"WITH resolved AS (UPDATE {c['items']} SET {c['item_triage']} = %s,"
        f" {c['triaged_at']} = %s, {c['triaged_by']} = %s"
        f" WHERE {c['item_id']} IN ({open_failures_sql(matching)})) "
    )


def failures_resolve_written(exchange, identifiers, keys=()):
    """Resolve the open failures of `exchange`'s endpoint whose identifier is one of
    `identifiers` or whose business key is one of `keys` (the entities the exchange wrote
    successfully) with a SELECT and an UPDATE; return how many."""
    identifiers, keys = written_entities(exchange, identifiers, keys)
    if not identifiers and not keys:
        return 0
    engine = dialect()
    db = connections[DEFAULT_DB_ALIAS]
    fixed = fixed_params(exchange, db)
    chunk = min(CHUNK, engine.max_params - len(fixed))
    c = columns()
    wanted = [(c["item_identifier"], value) for value in identifiers]
    wanted += [(c["item_business_key"], value) for value in keys]
    found = []
    # A SELECT (usually finding nothing, and locking nothing), then an UPDATE by key only
    # when there is something to resolve.
    with db_cursor() as cursor:
        for start in range(0, len(wanted), chunk):
            part = wanted[start : start + chunk]
            by_column = {}
            for column, value in part:
                by_column.setdefault(column, []).append(value)
            matching = " OR ".join(
                f"i.{column} IN ({', '.join(['%s'] * len(values))})"
                for column, values in by_column.items()
            )
            params = [value for values in by_column.values() for value in values]
            cursor.execute(open_failures_sql(matching), [*fixed, *params])
            found.extend(row[0] for row in cursor.fetchall())
    if not found:
        return 0
    return ExchangeItem.objects.filter(pk__in=found, triage=Triage.OPEN).update(
        triage=Triage.RESOLVED, triaged_at=exchange.created_at, triaged_by=resolution_note(exchange)
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
