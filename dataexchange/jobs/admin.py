"""Admin of jobs: a view-only list with progress bars and status filters, links to the failed
items in the exchange log, cancel, and the results as CSV."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, StreamingHttpResponse
from django.urls import path, reverse
from django.utils.html import format_html

from dataexchange.admin.viewonly import ViewOnlyAdmin
from dataexchange.engine.parse.media import CSV
from dataexchange.jobs.models import Job
from dataexchange.jobs.results import results_stream
from dataexchange.jobs.services import jobs_cancel


@admin.register(Job)
class JobAdmin(ViewOnlyAdmin):
    list_display = (
        "created_at",
        "status",
        "method",
        "endpoint",
        "client",
        "progress_bar",
        "items_total",
        "items_done",
        "items_failed",
        "failed_items",
        "results_csv",
    )
    list_filter = ("status", "endpoint", "method", "transactional", "created_at")
    search_fields = ("=id", "client")
    date_hierarchy = "created_at"
    actions = ["cancel"]
    fieldsets = (
        (None, {"fields": ("id", "status", "progress_bar", "errors")}),
        ("Request", {"fields": ("method", "endpoint", "entity_id", "query", "transactional")}),
        ("Caller", {"fields": ("client", "user", "api_key_id")}),
        ("Items", {"fields": ("items_total", "items_done", "items_failed", "failed_items")}),
        ("Chunks", {"fields": ("chunks_total", "chunks_done")}),
        ("Timings", {"fields": ("created_at", "started_at", "finished_at")}),
        ("Log", {"fields": ("exchange_link", "results_csv")}),
    )
    readonly_fields = ("progress_bar", "failed_items", "exchange_link", "results_csv")

    def has_cancel_permission(self, request):
        return request.user.has_perm("jobs.cancel_job")

    @admin.display(description="progress")
    def progress_bar(self, obj):
        percent = round(obj.progress * 100)
        return format_html('<progress value="{}" max="100"></progress> {}%', percent, percent)

    @admin.display(description="failed items")
    def failed_items(self, obj):
        if not obj.items_failed or obj.exchange_id is None:
            return "-"
        url = reverse("admin:exchangelog_exchangeitem_changelist")
        return format_html(
            '<a href="{}?q={}&amp;status__exact=failed">{} failed</a>',
            url,
            obj.exchange_id,
            obj.items_failed,
        )

    @admin.display(description="exchange")
    def exchange_link(self, obj):
        if obj.exchange_id is None:
            return "-"
        url = reverse("admin:exchangelog_exchange_change", args=[obj.exchange_id])
        return format_html('<a href="{}">{}</a>', url, obj.exchange_id)

    @admin.display(description="results")
    def results_csv(self, obj):
        url = reverse("admin:jobs_job_results", args=[obj.pk])
        return format_html('<a href="{}">CSV</a>', url)

    @admin.action(description="Cancel selected jobs", permissions=["cancel"])
    def cancel(self, request, queryset):
        count = jobs_cancel(jobs=queryset)
        self.message_user(request, f"Cancelled {count} job(s).", messages.SUCCESS)

    def get_urls(self):
        results = path(
            "<uuid:job_id>/results.csv",
            self.admin_site.admin_view(self.results_view),
            name="jobs_job_results",
        )
        return [results, *super().get_urls()]

    def results_view(self, request, job_id):
        """Stream the results of one job as CSV."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        job = Job.objects.filter(pk=job_id).first()
        if job is None:
            raise Http404
        response = StreamingHttpResponse(results_stream(job, CSV), content_type=CSV.content_type)
        response["Content-Disposition"] = f'attachment; filename="job-{job.id}.csv"'
        return response
