"""List filters and search of the exchange-log admin."""

import uuid

from django.contrib import admin
from django.db.models import Q

from dataexchange.errors import CATALOGUE

ERROR_CODES = sorted({code.split("-")[0] for code in CATALOGUE}, key=lambda c: (len(c), c))


class ErrorCodeFilter(admin.SimpleListFilter):
    """Exchanges in which a code occurred."""

    title = "error code"
    parameter_name = "error_code"

    def lookups(self, request, model_admin):
        return [(code, code) for code in ERROR_CODES]

    def queryset(self, request, queryset):
        code = self.value()
        return queryset.with_error_code(code) if code else queryset


class ItemErrorCodeFilter(ErrorCodeFilter):
    """Items whose (first) error has the code."""

    def queryset(self, request, queryset):
        code = self.value()
        return queryset.filter(error_code=code) if code else queryset


def as_uuid(term):
    """Return `term` as a UUID, or None."""
    try:
        return uuid.UUID(term)
    except ValueError:
        return None


def search_exchanges(queryset, term):
    """Return exchanges whose request id, URL entity id or an item identifier is `term`."""
    request_id = as_uuid(term)
    if request_id is not None:
        return queryset.filter(pk=request_id)
    return queryset.filter(Q(entity_id=term) | Q(identifiers__contains=f"\n{term}\n"))


def search_items(queryset, term):
    """Return items of request id `term`, or whose identifier or business key is `term` (a
    composite key as `v1/v2`; an item carrying several keys matches any of them)."""
    request_id = as_uuid(term)
    if request_id is not None:
        return queryset.filter(exchange_id=request_id)
    return queryset.filter(
        Q(identifier=term)
        | Q(business_key=term)
        | Q(business_key__startswith=f"{term}\n")
        | Q(business_key__endswith=f"\n{term}")
        | Q(business_key__contains=f"\n{term}\n")
    )
