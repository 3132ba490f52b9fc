"""Admin of webhooks: subscriptions (secret shown once, rotate, send a test event) and the
view-only delivery log with every attempt (redeliver). Staff who are not superusers see and
manage only the subscriptions they own, and only their deliveries."""

from django import forms
from django.contrib import admin, messages
from django.db import transaction

from dataexchange.admin.viewonly import ViewOnlyAdmin
from dataexchange.webhooks.keys import secret_generate
from dataexchange.webhooks.models import Attempt, Delivery, Event, Subscription
from dataexchange.webhooks.netguard import TargetRefused, target_resolve
from dataexchange.webhooks.outbox import deliveries_redeliver, webhook_test_send


class SubscriptionForm(forms.ModelForm):
    url = forms.URLField(label="target URL", max_length=2000, assume_scheme="https")
    events = forms.MultipleChoiceField(choices=Event.choices, widget=forms.CheckboxSelectMultiple)

    class Meta:
        model = Subscription
        fields = ("name", "url", "endpoints", "events", "is_active", "owner")

    def clean_url(self):
        """Refuse a URL whose host is not public now (the SSRF policy; checked again on every
        delivery, on the address actually connected to)."""
        url = self.cleaned_data["url"]
        try:
            target_resolve(url)
        except TargetRefused as exc:
            raise forms.ValidationError(str(exc)) from None
        return url


def secret_message(request, subscription, secret):
    messages.warning(
        request,
        f"Signing secret of {subscription.name!r}: {secret} — copy it now, it is not shown again.",
    )


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin):
    form = SubscriptionForm
    list_display = ("name", "url", "event_list", "is_active", "owner", "failing_since")
    list_filter = ("is_active",)
    search_fields = ("name", "url")
    filter_horizontal = ("endpoints",)
    readonly_fields = ("created_at", "failing_since", "disabled_at")
    actions = ["rotate_secret", "send_test_event"]

    def get_queryset(self, request):
        return super().get_queryset(request).visible_to(request.user)

    def get_readonly_fields(self, request, obj=None):
        fields = super().get_readonly_fields(request, obj)
        return fields if request.user.is_superuser else (*fields, "owner")

    @admin.display(description="events")
    def event_list(self, obj):
        return ", ".join(obj.events)

    def save_model(self, request, obj, form, change):
        if obj.owner_id is None and not change:
            obj.owner = request.user
        secret = None
        if not change:
            from dataexchange.changes.feed import latest_position

            secret = obj.secret = secret_generate()
            obj.cursor = latest_position()  # entity events from now on, not the history
        super().save_model(request, obj, form, change)
        if secret:
            secret_message(request, obj, secret)

    @admin.action(description="Rotate the signing secret (shown once)")
    def rotate_secret(self, request, queryset):
        for subscription in queryset:
            secret = secret_generate()
            with transaction.atomic():
                Subscription.objects.filter(pk=subscription.pk).update(secret=secret)
            secret_message(request, subscription, secret)

    @admin.action(description="Send a test event")
    def send_test_event(self, request, queryset):
        for subscription in queryset:
            webhook_test_send(subscription)
        self.message_user(request, f"Test event queued for {queryset.count()} subscription(s).")


class AttemptInline(admin.TabularInline):
    model = Attempt
    fields = ("started_at", "status_code", "latency_ms", "error", "response_excerpt", "worker")
    readonly_fields = fields
    extra = 0
    can_delete = False
    ordering = ("id",)

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Delivery)
class DeliveryAdmin(ViewOnlyAdmin):
    list_display = (
        "id", "created_at", "subscription", "event", "endpoint", "entity_key", "status",
        "attempts", "next_attempt_at", "finished_at",
    )  # fmt: skip
    list_filter = ("status", "event", "endpoint", "created_at")
    list_select_related = ("subscription",)
    search_fields = ("=message_id", "entity_key")
    date_hierarchy = "created_at"
    inlines = [AttemptInline]
    actions = ["redeliver"]
    readonly_fields = (
        "subscription", "message_id", "event", "endpoint", "entity_key", "payload", "status",
        "attempts", "created_at", "next_attempt_at", "lease_until", "worker", "finished_at",
    )  # fmt: skip

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(subscription__owner=request.user)

    def has_redeliver_permission(self, request):
        return request.user.has_perm("webhooks.change_subscription")

    @admin.action(description="Redeliver (same webhook-id)", permissions=["redeliver"])
    def redeliver(self, request, queryset):
        count = deliveries_redeliver(queryset)
        self.message_user(request, f"{count} delivery(ies) queued again.", messages.SUCCESS)
