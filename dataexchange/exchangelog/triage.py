"""Triage of failures: a failed item is open until someone resolves or ignores it, or until the
same entity is written successfully later, which resolves it automatically.

The automatic resolution runs where the successful write is recorded (`recorder.exchange_save`,
inside the data's transaction): one SELECT of the open failures of that endpoint whose
identifier is one of the written ones (through the identifier index; usually it finds none),
and an UPDATE of those it found. Only one statement per 500 written items is added to a write,
so no periodic task has to scan the log.
"""

from django.db.models import Q
from django.utils import timezone

from dataexchange.engine.query.dialects import dialect
from dataexchange.exchangelog.models import Exchange, ExchangeItem

Triage = ExchangeItem.Triage
# Identifiers per UPDATE, far below every database's parameter limit.
CHUNK = 500


def failures_resolve_written(exchange, identifiers):
    """Resolve the open failures of `exchange`'s endpoint whose identifier is one of
    `identifiers` (the entities the exchange wrote successfully); return how many."""
    written = list(dict.fromkeys(i for i in identifiers if i))
    if not written or not exchange.endpoint or exchange.dry_run:
        return 0
    chunk = min(CHUNK, dialect().max_params - 10)
    note = f"automatically: written successfully by request {exchange.pk}"
    resolved = 0
    for start in range(0, len(written), chunk):
        # A SELECT first (usually empty, and locking nothing), then an UPDATE by key only when
        # there is something to resolve: the same statements on every database (MySQL would
        # run a joined UPDATE as a SELECT and an UPDATE anyway).
        found = list(
            ExchangeItem.objects.filter(
                triage=Triage.OPEN,
                identifier__in=written[start : start + chunk],
                exchange__endpoint=exchange.endpoint,
                created_at__lte=exchange.created_at,
            )
            .exclude(exchange_id=exchange.pk)
            .values_list("pk", flat=True)
        )
        if found:
            resolved += ExchangeItem.objects.filter(pk__in=found, triage=Triage.OPEN).update(
                triage=Triage.RESOLVED, triaged_at=exchange.created_at, triaged_by=note
            )
    return resolved


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
