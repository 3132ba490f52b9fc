"""Admin of alerting: rules with recipients and cooldowns, maintenance windows, sent mails."""

from django.contrib import admin, messages
from django.utils import timezone

from dataexchange.exchangelog.alerts import rule_evaluate
from dataexchange.exchangelog.models import AlertNotification, AlertRule, MaintenanceWindow


@admin.register(AlertRule)
class AlertRuleAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "kind",
        "endpoint",
        "threshold",
        "window_minutes",
        "cooldown_minutes",
        "is_active",
        "is_firing",
        "notified_at",
    )
    list_filter = ("kind", "is_active", "is_firing")
    search_fields = ("name", "endpoint", "recipients")
    readonly_fields = ("is_firing", "fired_at", "notified_at", "evaluated_at")
    actions = ["evaluate"]
    fieldsets = (
        (None, {"fields": ("name", "is_active", "kind", "endpoint")}),
        (
            "Condition",
            {"fields": ("threshold", "min_items", "error_codes", "window_minutes")},
        ),
        ("Mail", {"fields": ("recipients", "cooldown_minutes", "send_recovery")}),
        ("State", {"fields": readonly_fields}),
    )

    @admin.action(description="Evaluate selected rules now", permissions=["change"])
    def evaluate(self, request, queryset):
        now = timezone.now()
        for rule in queryset:
            outcome = rule_evaluate(rule, now)
            detail = f": {outcome.finding.summary}" if outcome.finding else ""
            self.message_user(request, f"{rule.name}: {outcome.action}{detail}", messages.INFO)


@admin.register(MaintenanceWindow)
class MaintenanceWindowAdmin(admin.ModelAdmin):
    list_display = ("name", "starts_at", "ends_at", "scope")
    list_filter = ("starts_at",)
    search_fields = ("name",)
    filter_horizontal = ("rules",)
    date_hierarchy = "starts_at"

    @admin.display(description="rules")
    def scope(self, obj):
        return ", ".join(rule.name for rule in obj.rules.all()) or "all rules"

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("rules")


@admin.register(AlertNotification)
class AlertNotificationAdmin(admin.ModelAdmin):
    list_display = ("sent_at", "kind", "rule", "subject", "recipients")
    list_filter = ("kind", "rule", "sent_at")
    list_select_related = ("rule",)
    date_hierarchy = "sent_at"
    fields = ("sent_at", "kind", "rule", "recipients", "subject", "body")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
