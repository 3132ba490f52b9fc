"""The endpoint admin: table picker, field and relation grids, list with links, import/export."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.options import IS_POPUP_VAR
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Max, Q
from django.http import HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, path, reverse
from django.utils.html import format_html

from dataexchange import conf
from dataexchange.admin.forms import (
    EndpointChangeForm,
    EndpointCreateForm,
    EndpointFieldForm,
    EndpointFieldFormSet,
    EndpointRelationForm,
    EndpointRelationFormSet,
    column_choices,
    endpoint_column_choices,
)
from dataexchange.auth.admin import EndpointPermissionInline
from dataexchange.changes.capture import triggers_sync_on_save
from dataexchange.config_io import (
    ConfigFileError,
    dump_entries,
    endpoint_save,
    endpoints_export,
    endpoints_import,
    load_entries,
)
from dataexchange.models import Endpoint, EndpointField, EndpointRelation

DOCS_PATH = "/api/docs/"


def documentation_url(alias):
    """Return the address of an endpoint's documentation (its section when the docs know it)."""
    try:
        from dataexchange.openapi.views import documentation_url as section_url

        return section_url(alias)
    except (ImportError, NoReverseMatch):
        return DOCS_PATH


def specification_url():
    """Return the address that downloads the API description, or None when it is not served."""
    try:
        from dataexchange.openapi.views import specification_url as download_url

        return download_url()
    except (ImportError, NoReverseMatch):
        return None


def api_url(alias):
    """Return the path the endpoint `alias` is served at."""
    return f"/{conf.get('ROUTE_PREFIX').strip('/')}/{alias}"


def live_message(request, endpoint):
    """Return the "live at" message of an active endpoint, linking its rows and its docs."""
    url = request.build_absolute_uri(api_url(endpoint.alias))
    return format_html(
        'Live at <a href="{}" id="live-url">{}</a> (GET it while logged in, or with a token or '
        'an API key granted on it); <a href="{}">try it in the API docs</a>.',
        url,
        url,
        documentation_url(endpoint.alias),
    )


GRID = ("dx-grid",)  # rows wrap into labelled cells inside the box (admin/endpoint.css)


class EndpointFieldInline(admin.TabularInline):
    model = EndpointField
    form = EndpointFieldForm
    formset = EndpointFieldFormSet
    extra = 0
    classes = GRID
    verbose_name = "field"
    verbose_name_plural = "fields (tick Enabled to expose a column)"


class EndpointRelationInline(admin.TabularInline):
    model = EndpointRelation
    form = EndpointRelationForm
    formset = EndpointRelationFormSet
    fk_name = "parent"
    extra = 0
    classes = GRID
    verbose_name = "relation"
    verbose_name_plural = "relations (child rows nested under a name)"


class EndpointGrantInline(EndpointPermissionInline):
    """The endpoint's grants, wrapped into labelled cells like its fields and relations."""

    classes = GRID


MAX_IMPORT_BYTES = 10 * 1024 * 1024


class ImportForm(forms.Form):
    file = forms.FileField(help_text="A JSON configuration file, as exported here.")
    update = forms.BooleanField(
        required=False, help_text="Replace endpoints whose resource name is already configured."
    )
    dry_run = forms.BooleanField(
        required=False, label="Dry run", help_text="Check and report, but save nothing."
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_IMPORT_BYTES:
            raise forms.ValidationError("The file is larger than 10 MB; no configuration is.")
        return upload


@admin.register(Endpoint)
class EndpointAdmin(admin.ModelAdmin):
    list_display = (
        "alias",
        "table_name",
        "is_active",
        "is_deletable",
        "track_changes",
        "field_count",
        "api_link",
        "docs_link",
    )
    list_filter = ("is_active", "is_deletable")
    search_fields = ("alias", "table_name")
    readonly_fields = ("table_name",)
    actions = ("export_selected",)
    inlines = (EndpointFieldInline, EndpointRelationInline, EndpointGrantInline)

    def get_queryset(self, request):
        enabled = Count("fields", filter=Q(fields__is_enabled=True), distinct=True)
        return super().get_queryset(request).annotate(enabled_fields=enabled)

    def get_form(self, request, obj=None, change=False, **kwargs):
        kwargs["form"] = EndpointChangeForm if obj else EndpointCreateForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ("table_name", "alias")
        return ("table_name", *EndpointChangeForm.Meta.fields)

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields if obj else ()

    def get_inlines(self, request, obj):
        return self.inlines if obj else ()

    def get_formset_kwargs(self, request, obj, inline, prefix):
        kwargs = super().get_formset_kwargs(request, obj, inline, prefix)
        if isinstance(inline, EndpointFieldInline | EndpointRelationInline):
            kwargs["form_kwargs"] = {"columns": column_choices(obj.table_name if obj else "")}
        if isinstance(inline, EndpointRelationInline):
            kwargs["form_kwargs"]["child_columns"] = endpoint_column_choices()
        return kwargs

    @admin.display(description="fields", ordering="enabled_fields")
    def field_count(self, obj):
        return obj.enabled_fields

    @admin.display(description="API")
    def api_link(self, obj):
        url = api_url(obj.alias)
        return format_html('<a href="{}">{}</a>', url, url) if obj.is_active else "inactive"

    @admin.display(description="docs")
    def docs_link(self, obj):
        return format_html('<a href="{}">Docs</a>', documentation_url(obj.alias))

    def changelist_view(self, request, extra_context=None):
        extra_context = {"specification_url": specification_url(), **(extra_context or {})}
        return super().changelist_view(request, extra_context)

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
        else:
            endpoint_save(form.spec, endpoint=obj)

    def save_related(self, request, form, formsets, change):
        """Save the fields and relations, then make the change-capture triggers match."""
        super().save_related(request, form, formsets, change)
        triggers_sync_on_save()

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        triggers_sync_on_save()

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        triggers_sync_on_save()

    def save_formset(self, request, form, formset, change):
        """Append new fields after the existing ones (rows are ordered by position)."""
        instances = formset.save(commit=False)
        if formset.model is EndpointField:
            last = form.instance.fields.aggregate(last=Max("position"))["last"]
            position = -1 if last is None else last
            for row in instances:
                if row.pk is None:
                    position += 1
                    row.position = position
        for row in formset.deleted_objects:
            row.delete()
        for row in instances:
            row.save()
        formset.save_m2m()

    def response_add(self, request, obj, post_url_continue=None):
        if IS_POPUP_VAR in request.POST:
            return super().response_add(request, obj, post_url_continue)
        self.message_user(
            request,
            f"Endpoint “{obj.alias}” created for table {obj.table_name}, inactive. Tick the "
            "fields to expose, adjust their validation, then make it active.",
            messages.SUCCESS,
        )
        return HttpResponseRedirect(reverse("admin:dataexchange_endpoint_change", args=[obj.pk]))

    def response_change(self, request, obj):
        """After a save, say where the endpoint is served and link to try it, or that it is
        not served yet."""
        if IS_POPUP_VAR not in request.POST:
            if obj.is_active:
                self.message_user(request, live_message(request, obj), messages.INFO)
            else:
                self.message_user(
                    request,
                    f"“{obj.alias}” is inactive: tick Active and save to serve it.",
                    messages.WARNING,
                )
        return super().response_change(request, obj)

    @admin.action(description="Export selected endpoints as a JSON file", permissions=("view",))
    def export_selected(self, request, queryset):
        text = dump_entries(endpoints_export(endpoints=queryset.order_by("alias")))
        response = HttpResponse(text, content_type="application/json")
        response["Content-Disposition"] = 'attachment; filename="endpoints.json"'
        return response

    def get_urls(self):
        view = self.admin_site.admin_view(self.import_view)
        return [path("import/", view, name="dataexchange_endpoint_import"), *super().get_urls()]

    def import_view(self, request):
        """Import a configuration file with the same checks and report as `import_endpoints`."""
        if not (self.has_add_permission(request) and self.has_change_permission(request)):
            raise PermissionDenied
        form = ImportForm(request.POST or None, request.FILES or None)
        problems, report = [], None
        if request.method == "POST" and form.is_valid():
            problems, report = self._import(form.cleaned_data)
            if report and not report.dry_run:
                for line in report.lines():
                    self.message_user(request, line, messages.SUCCESS)
                return HttpResponseRedirect(reverse("admin:dataexchange_endpoint_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "Import endpoint configuration",
            "form": form,
            "problems": problems,
            "report": report.lines() if report else [],
        }
        return TemplateResponse(request, "admin/dataexchange/endpoint/import.html", context)

    @staticmethod
    def _import(data):
        """Return (problems, report) of importing an uploaded file."""
        try:
            entries = load_entries(data["file"].read())
            report = endpoints_import(
                entries=entries, update=data["update"], dry_run=data["dry_run"]
            )
        except ValueError as exc:
            return [str(exc)], None
        except ConfigFileError as exc:
            return exc.problems, None
        return [], report
