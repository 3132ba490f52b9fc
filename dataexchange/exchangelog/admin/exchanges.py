"""View-only admin of exchanges and items: filters, search, detail logs, CSV export, replay."""

import json

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from dataexchange.exchangelog.admin.dashboard import dashboard_context
from dataexchange.exchangelog.admin.filters import (
    ErrorCodeFilter,
    ItemErrorCodeFilter,
    search_exchanges,
    search_items,
)
from dataexchange.exchangelog.csvexport import csv_response
from dataexchange.exchangelog.models import Exchange, ExchangeItem
from dataexchange.exchangelog.replay import items_replay

DETAIL_ITEMS = 200  # items shown on an exchange's page; the rest are in the item list


def pretty(text):
    """Return stored JSON text indented for reading (capped text as it is)."""
    if not text:
        return ""
    try:
        return json.dumps(json.loads(text), indent=2, ensure_ascii=False)
    except ValueError:
        return text


def item_logs(items):
    """Return (item, received JSON, written JSON) triples for the item_log template."""
    return [(item, pretty(item.request_data), pretty(item.response_data)) for item in items]


def exchange_detail(exchange):
    """Return the detail page's context: item logs, request errors, what is not shown."""
    logged = exchange.items.count()
    items = exchange.items.select_related("replayed_as")[:DETAIL_ITEMS]
    return {
        "items": item_logs(items),
        "more_items": logged > DETAIL_ITEMS,
        "unlogged_items": exchange.item_count - logged,
        "request_errors": exchange.errors,
    }


class ViewOnlyAdmin(admin.ModelAdmin):
    """The log is written by the API only: nobody adds, edits or deletes rows here."""

    show_full_result_count = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_replay_permission(self, request):
        return request.user.has_perm("exchangelog.replay_exchange")

    @admin.action(description="Export selected as CSV", permissions=["view"])
    def export_csv(self, request, queryset):
        return csv_response(queryset)

    def export_view(self, request):
        """Stream every row matching the change list's current filters and search as CSV."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        changelist = self.get_changelist_instance(request)
        return csv_response(changelist.get_queryset(request))

    def export_url(self):
        name = f"{self.opts.app_label}_{self.opts.model_name}_export"
        return path("export/", self.admin_site.admin_view(self.export_view), name=name)

    def replay_and_report(self, request, items):
        """Replay `items` and tell the user what happened."""
        replays = items_replay(items=items, user=request.user)
        if not replays:
            self.message_user(request, "No replayable items selected.", messages.WARNING)
        for replay in replays:
            url = reverse("admin:exchangelog_exchange_change", args=[replay.pk])
            self.message_user(
                request,
                format_html(
                    'Replayed {} items of {} as <a href="{}">{}</a>: {}.',
                    replay.item_count,
                    replay.replay_of_id,
                    url,
                    replay.pk,
                    replay.get_status_display(),
                ),
                messages.SUCCESS if replay.status == "processed" else messages.WARNING,
            )


@admin.register(Exchange)
class ExchangeAdmin(ViewOnlyAdmin):
    list_display = (
        "created_at",
        "status",
        "method",
        "endpoint",
        "client",
        "http_status",
        "item_count",
        "failed_count",
        "codes",
        "duration_ms",
        "id",
    )
    list_filter = ("status", "endpoint", "client", ErrorCodeFilter, "transactional", "created_at")
    search_fields = ("entity_id",)
    search_help_text = "A request id (X-Request-Id) or an entity identifier."
    date_hierarchy = "created_at"
    actions = ["export_csv", "replay"]
    change_list_template = "admin/exchangelog/exchange/change_list.html"
    change_form_template = "admin/exchangelog/exchange/change_form.html"
    fieldsets = (
        (None, {"fields": ("id", "created_at", "status", "http_status", "duration_ms")}),
        ("Request", {"fields": ("method", "endpoint", "path", "query", "entity_id")}),
        ("Client", {"fields": ("client", "user", "api_key_id", "remote_addr")}),
        (
            "Items",
            {
                "fields": (
                    "transactional",
                    "item_count",
                    "failed_count",
                    "rolled_back_count",
                    "codes",
                )
            },
        ),
        ("Replay", {"fields": ("replay_of", "replay_list")}),
    )

    @admin.display(description="error codes")
    def codes(self, obj):
        return " ".join(obj.error_code_list)

    @admin.display(description="replays")
    def replay_list(self, obj):
        return ", ".join(str(pk) for pk in obj.replays.values_list("pk", flat=True)) or "-"

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        return (search_exchanges(queryset, term) if term else queryset), False

    @admin.action(description="Replay failed items of selected exchanges", permissions=["replay"])
    def replay(self, request, queryset):
        self.replay_and_report(request, ExchangeItem.objects.filter(exchange__in=queryset))

    def get_urls(self):
        dashboard = path(
            "dashboard/",
            self.admin_site.admin_view(self.dashboard_view),
            name="exchangelog_exchange_dashboard",
        )
        return [dashboard, self.export_url(), *super().get_urls()]

    def dashboard_view(self, request):
        """Show counts by status for the last 24 hours and 7 days, linked to filtered lists."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            **dashboard_context(),
            "opts": self.opts,
        }
        return TemplateResponse(request, "admin/exchangelog/dashboard.html", context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        exchange = self.get_object(request, object_id)
        extra = exchange_detail(exchange) if exchange is not None else {}
        return super().change_view(request, object_id, form_url, {**extra, **(extra_context or {})})


@admin.register(ExchangeItem)
class ExchangeItemAdmin(ViewOnlyAdmin):
    list_display = (
        "created_at",
        "status",
        "endpoint",
        "method",
        "index",
        "identifier",
        "operation",
        "error_code",
        "message",
        "exchange_link",
    )
    list_filter = ("status", "exchange__endpoint", ItemErrorCodeFilter, "operation", "created_at")
    list_select_related = ("exchange",)
    search_fields = ("identifier",)
    search_help_text = "An entity identifier or a request id (X-Request-Id)."
    date_hierarchy = "created_at"
    actions = ["export_csv", "replay"]
    change_list_template = "admin/exchangelog/exchangeitem/change_list.html"
    change_form_template = "admin/exchangelog/exchangeitem/change_form.html"
    fields = (
        "exchange_link",
        "created_at",
        "index",
        "identifier",
        "operation",
        "status",
        "error_code",
        "path",
        "message",
        "data_complete",
        "replayed_as",
    )

    @admin.display(description="endpoint", ordering="exchange__endpoint")
    def endpoint(self, obj):
        return obj.exchange.endpoint

    @admin.display(description="method", ordering="exchange__method")
    def method(self, obj):
        return obj.exchange.method

    @admin.display(description="request id")
    def exchange_link(self, obj):
        url = reverse("admin:exchangelog_exchange_change", args=[obj.exchange_id])
        return format_html('<a href="{}">{}</a>', url, obj.exchange_id)

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        return (search_items(queryset, term) if term else queryset), False

    @admin.action(description="Replay selected items", permissions=["replay"])
    def replay(self, request, queryset):
        self.replay_and_report(request, queryset)

    def get_urls(self):
        return [self.export_url(), *super().get_urls()]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        item = self.get_object(request, object_id)
        extra = {"items": item_logs([item])} if item is not None else {}
        return super().change_view(request, object_id, form_url, {**extra, **(extra_context or {})})
