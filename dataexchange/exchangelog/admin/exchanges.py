"""View-only admin of exchanges and items: filters, search, detail logs, CSV export, replay."""

import json
from urllib.parse import urlencode

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.core.exceptions import PermissionDenied
from django.db.models import OuterRef, Subquery
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.views.decorators.http import require_POST

from dataexchange.admin.viewonly import ViewOnlyAdmin
from dataexchange.exchangelog.admin.dashboard import dashboard_context
from dataexchange.exchangelog.admin.display import cut, seconds, status_label, triage_label
from dataexchange.exchangelog.admin.filters import (
    ErrorCodeFilter,
    ItemErrorCodeFilter,
    search_exchanges,
    search_items,
)
from dataexchange.exchangelog.admin.timeline import timeline
from dataexchange.exchangelog.csvexport import csv_response
from dataexchange.exchangelog.models import Exchange, ExchangeItem
from dataexchange.exchangelog.replay import items_replay
from dataexchange.exchangelog.triage import items_triage

DETAIL_ITEMS = 200
FOLDED = {
    "classes": ("collapse",)
}  # items shown on an exchange's page; the rest are in the item list


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
    """Return the detail page's context: item logs (failed ones first, the reason one opens
    the page), request errors, what is not shown."""
    logged = exchange.items.count()
    items = exchange.items.select_related("replayed_as").order_by("triage", "index")
    items = items[:DETAIL_ITEMS]
    return {
        "items": item_logs(items),
        "more_items": logged > DETAIL_ITEMS,
        "unlogged_items": exchange.item_count - logged,
        "request_errors": exchange.errors,
    }


class ExchangeLogAdmin(ViewOnlyAdmin):
    """The exchange log's lists: written by the API only; exported as CSV, replayed."""

    @admin.display(description="received", ordering="created_at")
    def received(self, obj):
        return seconds(obj.created_at)

    @admin.display(description="status", ordering="status")
    def status_label(self, obj):
        return status_label(obj)

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
        """Replay `items`, tell the user what happened (linking each new exchange); return the
        new exchanges."""
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
        return replays


@admin.register(Exchange)
class ExchangeAdmin(ExchangeLogAdmin):
    list_display = (
        "received",
        "status_label",
        "method",
        "endpoint",
        "item_count",
        "failed_count",
        "codes",
        "message",
        "client",
        "http_status",
        "duration_ms",
        "short_id",
    )
    list_display_links = ("received",)
    list_filter = ("status", "endpoint", "client", ErrorCodeFilter, "transactional", "created_at")
    search_fields = ("entity_id",)
    search_help_text = (
        "A request id (X-Request-Id) or part of one, an entity identifier, or a value sent in a "
        "logged item (e.g. DEU)."
    )
    date_hierarchy = "created_at"
    actions = ["export_csv", "replay"]
    change_list_template = "admin/exchangelog/exchange/change_list.html"
    change_form_template = "admin/exchangelog/exchange/change_form.html"
    # What one opens an exchange for is its failed items: the template puts them first and
    # the metadata, but for its summary, stays folded.
    fieldsets = (
        (None, {"fields": ("id", "received", "status", "http_status", "duration_ms")}),
        (
            "Request",
            {"fields": ("method", "endpoint", "path", "query", "entity_id"), **FOLDED},
        ),
        ("Client", {"fields": ("client", "user", "api_key_id", "remote_addr"), **FOLDED}),
        (
            "Items",
            {
                "fields": (
                    "transactional",
                    "item_count",
                    "failed_count",
                    "rolled_back_count",
                    "codes",
                ),
                **FOLDED,
            },
        ),
        ("Replay", {"fields": ("replay_of", "replay_list"), **FOLDED}),
    )

    @admin.display(description="request id")
    def short_id(self, obj):
        return format_html('<code title="{}">{}</code>', obj.pk, str(obj.pk)[:8])

    @admin.display(description="message")
    def message(self, obj):
        """The first failed item's message, or the first request-level error's."""
        text = obj.first_message or (obj.errors[0].get("message") if obj.errors else "")
        return cut(str(text or ""))

    def get_queryset(self, request):
        first = ExchangeItem.objects.filter(
            exchange=OuterRef("pk"), status=ExchangeItem.Status.FAILED
        ).order_by("index")
        return (
            super()
            .get_queryset(request)
            .annotate(first_message=Subquery(first.values("message")[:1]))
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
        replay = path(
            "<path:object_id>/replay/",
            self.admin_site.admin_view(require_POST(self.replay_view)),
            name="exchangelog_exchange_replay",
        )
        return [dashboard, self.export_url(), replay, *super().get_urls()]

    def replay_view(self, request, object_id):
        """The exchange page's Replay button: replay its failed items, then open the new
        exchange (or come back here when nothing was replayable)."""
        if not self.has_replay_permission(request):
            raise PermissionDenied
        exchange = get_object_or_404(Exchange, pk=object_id)
        replays = self.replay_and_report(request, exchange.items.all())
        target = replays[0].pk if replays else exchange.pk
        return HttpResponseRedirect(reverse("admin:exchangelog_exchange_change", args=[target]))

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
        extra["can_replay"] = exchange is not None and self.has_replay_permission(request)
        extra["replayable"] = exchange is not None and any(
            item.is_replayable for item, _, _ in extra.get("items", [])
        )
        return super().change_view(request, object_id, form_url, {**extra, **(extra_context or {})})


class TriageActionForm(ActionForm):
    """The item list's action bar, with a note the triage actions add to each item."""

    note = forms.CharField(
        required=False,
        label="Note:",
        widget=forms.TextInput(attrs={"placeholder": "note for resolve / ignore / reopen"}),
    )


TRIAGE_ACTIONS = {
    "resolve": ExchangeItem.Triage.RESOLVED,
    "ignore": ExchangeItem.Triage.IGNORED,
    "reopen": ExchangeItem.Triage.OPEN,
}


def timeline_url(endpoint, identifier):
    """Return the admin URL of the timeline of entity `identifier` of `endpoint`."""
    query = urlencode({"endpoint": endpoint, "identifier": identifier})
    return f"{reverse('admin:exchangelog_exchangeitem_timeline')}?{query}"


@admin.register(ExchangeItem)
class ExchangeItemAdmin(ExchangeLogAdmin):
    list_display = (
        "received",
        "status_label",
        "triage_label",
        "endpoint",
        "entity",
        "error_code",
        "message_cut",
        "operation",
        "exchange_link",
    )
    list_display_links = ("received",)
    list_filter = (
        "triage",
        "status",
        "exchange__endpoint",
        ItemErrorCodeFilter,
        "operation",
        "created_at",
    )
    list_select_related = ("exchange",)
    # Open failures first (the (triage, created_at) index serves it), newest first within.
    ordering = ("triage", "-created_at")
    search_fields = ("identifier",)
    search_help_text = (
        "An entity identifier, a value sent (e.g. DEU), or a request id (X-Request-Id) or part "
        "of one."
    )
    date_hierarchy = "created_at"
    action_form = TriageActionForm
    actions = ["resolve", "ignore", "reopen", "export_csv", "replay"]
    change_list_template = "admin/exchangelog/exchangeitem/change_list.html"
    change_form_template = "admin/exchangelog/exchangeitem/change_form.html"
    fields = (
        "exchange_link",
        "received",
        "index",
        "entity",
        "operation",
        "status",
        "error_code",
        "path",
        "message",
        "data_complete",
        "replayed_as",
        "triage",
        "triage_note",
        "triaged_at",
        "triaged_by",
    )

    @admin.display(description="triage", ordering="triage")
    def triage_label(self, obj):
        return triage_label(obj)

    @admin.display(description="message")
    def message_cut(self, obj):
        return cut(obj.message)

    @admin.display(description="endpoint", ordering="exchange__endpoint")
    def endpoint(self, obj):
        return obj.exchange.endpoint

    @admin.display(description="identifier", ordering="identifier")
    def entity(self, obj):
        """The identifier, linked to the entity's timeline."""
        if not obj.identifier:
            return "-"
        url = timeline_url(obj.exchange.endpoint, obj.identifier)
        return format_html('<a href="{}" title="timeline">{}</a>', url, obj.identifier)

    @admin.display(description="request id")
    def exchange_link(self, obj):
        url = reverse("admin:exchangelog_exchange_change", args=[obj.exchange_id])
        return format_html(
            '<a href="{}" title="{}">{}</a>', url, obj.exchange_id, str(obj.exchange_id)[:8]
        )

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        return (search_items(queryset, term) if term else queryset), False

    def has_triage_permission(self, request):
        return request.user.has_perm("exchangelog.triage_exchangeitem")

    def triage_and_report(self, request, queryset, action):
        """Mark the failures of `queryset` as `action` ("resolve", "ignore" or "reopen") says,
        with the note typed beside the buttons; tell the user how many changed."""
        state = TRIAGE_ACTIONS[action]
        note = request.POST.get("note", "").strip()
        changed = items_triage(queryset, state, request.user.get_username(), note)
        label = ExchangeItem.Triage(state).label
        self.message_user(request, f"{changed} failure{'s' if changed != 1 else ''} {label}.")

    @admin.action(description="Resolve selected failures", permissions=["triage"])
    def resolve(self, request, queryset):
        self.triage_and_report(request, queryset, "resolve")

    @admin.action(description="Ignore selected failures", permissions=["triage"])
    def ignore(self, request, queryset):
        self.triage_and_report(request, queryset, "ignore")

    @admin.action(description="Reopen selected failures", permissions=["triage"])
    def reopen(self, request, queryset):
        self.triage_and_report(request, queryset, "reopen")

    @admin.action(description="Replay selected items", permissions=["replay"])
    def replay(self, request, queryset):
        self.replay_and_report(request, queryset)

    def get_urls(self):
        triage = path(
            "<path:object_id>/triage/",
            self.admin_site.admin_view(require_POST(self.triage_view)),
            name="exchangelog_exchangeitem_triage",
        )
        entity = path(
            "timeline/",
            self.admin_site.admin_view(self.timeline_view),
            name="exchangelog_exchangeitem_timeline",
        )
        return [self.export_url(), entity, triage, *super().get_urls()]

    def triage_view(self, request, object_id):
        """The item page's Resolve / Ignore / Reopen buttons, with the note typed beside them."""
        if not self.has_triage_permission(request):
            raise PermissionDenied
        action = request.POST.get("triage")
        if action not in TRIAGE_ACTIONS:
            self.message_user(request, "Choose resolve, ignore or reopen.", messages.ERROR)
        else:
            items = ExchangeItem.objects.filter(pk=object_id)
            self.triage_and_report(request, items, action)
        change = reverse("admin:exchangelog_exchangeitem_change", args=[object_id])
        return HttpResponseRedirect(change)

    def timeline_view(self, request):
        """Every exchange that touched one entity, with what each write changed."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        endpoint = request.GET.get("endpoint", "")
        identifier = request.GET.get("identifier", "")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"Timeline of {endpoint} {identifier}",
            "endpoint": endpoint,
            "identifier": identifier,
            "steps": timeline(endpoint, identifier) if endpoint and identifier else [],
        }
        return TemplateResponse(request, "admin/exchangelog/timeline.html", context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        item = self.get_object(request, object_id)
        extra = {"items": item_logs([item])} if item is not None else {}
        if item is not None:
            extra["can_triage"] = (
                item.status == ExchangeItem.Status.FAILED and self.has_triage_permission(request)
            )
            if item.identifier:
                extra["timeline_url"] = timeline_url(item.exchange.endpoint, item.identifier)
        return super().change_view(request, object_id, form_url, {**extra, **(extra_context or {})})
