"""List filters and search of the exchange-log admin."""

import re
import uuid

from django.contrib import admin
from django.db.models import Q

from dataexchange.errors import CATALOGUE
from dataexchange.exchangelog.models import ExchangeItem

ERROR_CODES = sorted({code.split("-")[0] for code in CATALOGUE}, key=lambda c: (len(c), c))
PLACEHOLDER = re.compile(r"%\w+%")
MEANING_CHARS = 60
# Part of a request id: hexadecimal digits (and hyphens), at least this many.
PARTIAL_ID = re.compile(r"[0-9a-fA-F-]{6,35}")


def meaning(code):
    """Return the catalogue's message of `code`, placeholders as "…", cut to MEANING_CHARS."""
    text = PLACEHOLDER.sub("…", CATALOGUE[code][1])
    return text if len(text) <= MEANING_CHARS else text[: MEANING_CHARS - 1].rstrip() + "…"


class ErrorCodeFilter(admin.SimpleListFilter):
    """Exchanges in which a code occurred; each code is listed with what it means."""

    title = "error code"
    parameter_name = "error_code"

    def lookups(self, request, model_admin):
        return [(code, f"{code} {meaning(code)}") for code in ERROR_CODES]

    def queryset(self, request, queryset):
        code = self.value()
        return queryset.with_error_code(code) if code else queryset


class ItemErrorCodeFilter(ErrorCodeFilter):
    """Items whose (first) error has the code; only the codes that occur are offered (one
    DISTINCT over the error-code index), so the list is short and each choice finds items."""

    def lookups(self, request, model_admin):
        present = ExchangeItem.objects.exclude(error_code="").values_list("error_code", flat=True)
        codes = sorted(set(present.distinct().order_by()), key=lambda c: (len(c), c))
        return [(code, f"{code} {meaning(code)}" if code in CATALOGUE else code) for code in codes]

    def queryset(self, request, queryset):
        code = self.value()
        return queryset.filter(error_code=code) if code else queryset


def as_uuid(term):
    """Return `term` as a UUID, or None."""
    try:
        return uuid.UUID(term)
    except ValueError:
        return None


def sent(term):
    """Return the condition on items that `term` is their identifier or among what was sent
    (the captured data: a failed create has no identifier, but its values are there)."""
    return Q(identifier=term) | Q(request_data__icontains=term)


def search_exchanges(queryset, term):
    """Return exchanges whose request id is `term` or starts/contains it, whose URL entity id
    or an item identifier is `term`, or one of whose logged items was sent with `term`."""
    request_id = as_uuid(term)
    if request_id is not None:
        return queryset.filter(pk=request_id)
    found = Q(entity_id=term) | Q(identifiers__contains=f"\n{term}\n")
    found |= Q(pk__in=ExchangeItem.objects.filter(sent(term)).values("exchange_id"))
    if PARTIAL_ID.fullmatch(term):
        found |= Q(id__icontains=term)
    return queryset.filter(found)


def search_items(queryset, term):
    """Return items of request id `term` (or part of one), or whose identifier, business key
    (a composite key as `v1/v2`; an item carrying several keys matches any of them) or sent data
    holds `term`."""
    request_id = as_uuid(term)
    if request_id is not None:
        return queryset.filter(exchange_id=request_id)
    found = (
        sent(term)
        | Q(business_key=term)
        | Q(business_key__startswith=f"{term}\n")
        | Q(business_key__endswith=f"\n{term}")
        | Q(business_key__contains=f"\n{term}\n")
    )
    if PARTIAL_ID.fullmatch(term):
        found |= Q(exchange__id__icontains=term)
    return queryset.filter(found)
