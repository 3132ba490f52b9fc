"""Admin of alerting: rules with recipients and cooldowns, maintenance windows, sent mails."""

from django import forms
from django.contrib import admin, messages
from django.utils import timezone
from django.utils.html import format_html
from django.utils.timesince import timesince

from dataexchange.admin.viewonly import ViewOnlyAdmin
from dataexchange.exchangelog.alerts import evaluation_staleness, rule_evaluate
from dataexchange.exchangelog.models import AlertNotification, AlertRule, MaintenanceWindow
from dataexchange.models import Endpoint

MAILING_ACTIONS = {AlertNotification.Kind.FIRED, AlertNotification.Kind.REMINDER}
MAILING_ACTIONS |= {AlertNotification.Kind.RECOVERED}
NOT_RUNNING = (
    "Alert rules are evaluated every minute by the task engine: `manage.py "
    "dataexchange_scheduler` and a task worker (`manage.py db_worker`) must run (`make serve` "
    "starts both; see docs/jobs.md). "
)


class AlertRuleForm(forms.ModelForm):
    """The rule, with its endpoint chosen from the configured ones (a typo cannot save)."""

    endpoint = forms.ChoiceField(
        required=False, help_text="Endpoint to watch; empty: all endpoints."
    )

    class Meta:
        model = AlertRule
        fields = (
            "name", "is_active", "kind", "endpoint", "threshold", "min_items", "error_codes",
            "window_minutes", "recipients", "cooldown_minutes", "send_recovery",
        )  # fmt: skip

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        aliases = list(Endpoint.objects.order_by("alias").values_list("alias", flat=True))
        current = self.initial.get("endpoint")
        if current and current not in aliases:  # configured once, since removed: keep it visible
            aliases.append(current)
        self.fields["endpoint"].choices = [("", "All endpoints")] + [(a, a) for a in aliases]


@admin.register(AlertRule)
class AlertRuleAdmin(admin.ModelAdmin):
    form = AlertRuleForm
    list_display = (
        "name",
        "state",
        "kind",
        "endpoint",
        "threshold",
        "window_minutes",
        "cooldown_minutes",
        "evaluated_at",
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

    @admin.display(description="state", ordering="is_firing")
    def state(self, obj):
        """Firing in red, quiet in green, inactive in grey (a firing rule is not a ✓)."""
        if not obj.is_active:
            return format_html('<span style="color:{}">{}</span>', "#767676", "inactive")
        if obj.is_firing:
            return format_html('<strong style="color:{}">{}</strong>', "#ba2121", "● firing")
        return format_html('<span style="color:{}">{}</span>', "#2e7d32", "quiet")

    def changelist_view(self, request, extra_context=None):
        """Say when the rules were last evaluated, and warn when that is too long ago."""
        last, stale = evaluation_staleness(timezone.now())
        if stale:
            when = f"last {timesince(last)} ago" if last else "never"
            self.message_user(
                request, f"{NOT_RUNNING}Active rules were evaluated {when}.", messages.WARNING
            )
        elif last is not None:
            self.message_user(
                request, f"Rules last evaluated {timesince(last)} ago.", messages.INFO
            )
        return super().changelist_view(request, extra_context)

    @admin.action(
        description="Evaluate selected rules now (mails recipients when due)",
        permissions=["change"],
    )
    def evaluate(self, request, queryset):
        now = timezone.now()
        for rule in queryset:
            outcome = rule_evaluate(rule, now)
            detail = f": {outcome.finding.summary}" if outcome.finding else ""
            mailed = ""
            if outcome.action in MAILING_ACTIONS and rule.recipient_list():
                mailed = f" A {outcome.action} mail was sent to {', '.join(rule.recipient_list())}."
            self.message_user(
                request, f"{rule.name}: {outcome.action}{detail}.{mailed}", messages.INFO
            )


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
class AlertNotificationAdmin(ViewOnlyAdmin):
    list_display = ("sent_at", "kind", "rule", "subject", "recipients")
    list_filter = ("kind", "rule", "sent_at")
    list_select_related = ("rule",)
    date_hierarchy = "sent_at"
    fields = ("sent_at", "kind", "rule", "recipients", "subject", "body")
