"""The exchange log: one row per API request (Exchange), one per logged item (ExchangeItem),
and the alert rules, maintenance windows and sent notifications that watch them."""

import re
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import models
from django.db.models import Q, Sum
from django.utils import timezone

from dataexchange.errors import CATALOGUE

WRITE_METHODS = ("POST", "PATCH", "PUT", "DELETE")
AUTH_FAILURE_STATUSES = (401, 403)


def configured_alias(alias):
    """Return whether an endpoint is configured with resource name `alias` (active or not)."""
    from dataexchange.models import Endpoint

    return Endpoint.objects.filter(alias=alias).exists()


def split_list(text):
    """Return the non-empty items of a comma-, semicolon- or newline-separated list."""
    return [part.strip() for part in re.split(r"[,;\s]+", text or "") if part.strip()]


class ExchangeQuerySet(models.QuerySet):
    def since(self, moment):
        """Return exchanges received at or after `moment`."""
        return self.filter(created_at__gte=moment)

    def for_endpoint(self, alias):
        """Return exchanges of endpoint `alias`; an empty alias means every endpoint."""
        return self.filter(endpoint=alias) if alias else self

    def writes(self):
        """Return exchanges of write requests, dry runs excluded."""
        return self.filter(method__in=WRITE_METHODS, dry_run=False)

    def with_error_code(self, *codes):
        """Return exchanges where at least one of `codes` occurred."""
        query = Q()
        for code in codes:
            query |= Q(error_codes__contains=f",{code},")
        return self.filter(query) if codes else self.none()

    def auth_failures(self):
        """Return requests refused for missing or bad credentials."""
        return self.filter(status=Exchange.Status.REJECTED, http_status__in=AUTH_FAILURE_STATUSES)

    def item_totals(self):
        """Return (items, failed items) summed over the queryset."""
        totals = self.aggregate(items=Sum("item_count"), failed=Sum("failed_count"))
        return totals["items"] or 0, totals["failed"] or 0


class Exchange(models.Model):
    """One API request: who sent what to which endpoint, and how it went."""

    class Status(models.TextChoices):
        FAILED = "failed", "failed"
        PARTIALLY_FAILED = "partially_failed", "partially failed"
        REJECTED = "rejected", "rejected"
        PROCESSED = "processed", "processed"

    id = models.UUIDField("request id", primary_key=True, default=uuid.uuid4, editable=False)
    created_at = models.DateTimeField("received", default=timezone.now)
    endpoint = models.CharField(max_length=255, blank=True)
    method = models.CharField(max_length=8)
    path = models.CharField(max_length=1000)
    query = models.CharField(max_length=1000, blank=True, help_text="Without credentials.")
    entity_id = models.CharField("entity id in the URL", max_length=255, blank=True)
    client = models.CharField(max_length=255)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    api_key_id = models.PositiveBigIntegerField("API key id", null=True, blank=True)
    remote_addr = models.GenericIPAddressField("remote address", null=True, blank=True)
    transactional = models.BooleanField(null=True)
    dry_run = models.BooleanField(
        default=False, help_text="X-Dry-Run: validated and written, then rolled back."
    )
    http_status = models.PositiveSmallIntegerField("HTTP status")
    duration_ms = models.FloatField("duration (ms)")
    item_count = models.PositiveIntegerField("items", default=0)
    failed_count = models.PositiveIntegerField("failed", default=0)
    rolled_back_count = models.PositiveIntegerField("rolled back", default=0)
    # Distinct codes wrapped in commas (",1307,1309,") so one code matches with `contains`.
    error_codes = models.CharField(max_length=255, blank=True)
    errors = models.JSONField(default=list, blank=True, help_text="Request-level errors.")
    # Identifiers of all items, one per line between newlines, for search.
    identifiers = models.TextField(blank=True)
    status = models.CharField(max_length=16, choices=Status.choices)
    replay_of = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="replays"
    )

    objects = ExchangeQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        permissions = [("replay_exchange", "Can replay failed items")]
        indexes = [
            models.Index(fields=["created_at"], name="exlog_created"),
            models.Index(fields=["status", "created_at"], name="exlog_status"),
            models.Index(fields=["endpoint", "created_at"], name="exlog_endpoint"),
            models.Index(fields=["client", "created_at"], name="exlog_client"),
        ]
        # No index on entity_id, http_status or error_codes: search scans `identifiers` anyway,
        # and auth-failure alerts narrow by (status, created_at) first. Each index costs every
        # API write.

    def __str__(self):
        return f"{self.method} {self.endpoint or self.path} {self.id}"

    @property
    def error_code_list(self):
        """Return the distinct error codes as a list."""
        return [code for code in self.error_codes.split(",") if code]


class ExchangeItem(models.Model):
    """One item of a write request, with what was received, how it went and what was answered."""

    class Status(models.TextChoices):
        FAILED = "failed", "failed"
        ROLLED_BACK = "rolled_back", "rolled back"
        PROCESSED = "processed", "processed"

    class Operation(models.TextChoices):
        CREATE = "create", "create"
        UPDATE = "update", "update"
        UPSERT = "upsert", "create or update"

    class Triage(models.IntegerChoices):
        """Where a failure stands. Numbers, so that ordering by (triage, created_at) lists open
        failures first with the help of an index; items that did not fail sort last."""

        OPEN = 1, "open"
        RESOLVED = 2, "resolved"
        IGNORED = 3, "ignored"
        NONE = 9, "not a failure"

    # No index of its own: the unique (exchange, index) constraint serves lookups by exchange.
    exchange = models.ForeignKey(
        Exchange, on_delete=models.CASCADE, related_name="items", db_index=False
    )
    created_at = models.DateTimeField("received", default=timezone.now)
    index = models.PositiveIntegerField()
    identifier = models.CharField(max_length=255, blank=True)
    # The item's business-key values (exchangelog/business_keys.py), one key per line.
    business_key = models.CharField("business key", max_length=255, blank=True)
    operation = models.CharField(max_length=8, choices=Operation.choices)
    status = models.CharField(max_length=16, choices=Status.choices)
    error_code = models.CharField(max_length=16, blank=True)
    path = models.CharField(max_length=255, blank=True)
    message = models.TextField(blank=True)
    errors = models.JSONField(default=list, blank=True)
    request_data = models.TextField("received data", blank=True)
    data_complete = models.BooleanField(
        default=False, help_text="The received data is stored whole: not capped nor redacted."
    )
    response_data = models.TextField("written row", blank=True)
    # Retention unlinks it before deleting (see retention.py); without a database constraint
    # or an on_delete rule, items can be deleted in bulk without loading them.
    replayed_as = models.ForeignKey(
        "self",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="replay_of",
    )
    triage = models.PositiveSmallIntegerField(choices=Triage.choices, default=Triage.NONE)
    triage_note = models.TextField("note", blank=True)
    triaged_at = models.DateTimeField(null=True, blank=True)
    triaged_by = models.CharField(
        max_length=255, blank=True, help_text="Who resolved, ignored or reopened it last."
    )

    class Meta:
        ordering = ["-created_at", "exchange_id", "index"]
        permissions = [("triage_exchangeitem", "Can resolve, ignore and reopen failures")]
        constraints = [
            models.UniqueConstraint(fields=["exchange", "index"], name="exlog_item_uniq"),
        ]
        indexes = [
            models.Index(fields=["created_at"], name="exlog_item_created"),
            models.Index(fields=["status", "created_at"], name="exlog_item_status"),
            models.Index(fields=["identifier"], name="exlog_item_identifier"),
            models.Index(fields=["business_key"], name="exlog_item_business_key"),
            models.Index(fields=["error_code"], name="exlog_item_code"),
            models.Index(fields=["triage", "created_at"], name="exlog_item_triage"),
        ]

    def __str__(self):
        return f"{self.path or self.index} {self.status}"

    @property
    def is_replayable(self):
        """Return whether re-submitting the item is safe and possible (see replay.py)."""
        return (
            self.status != self.Status.PROCESSED
            and self.data_complete
            and not self.exchange.dry_run
            and self.exchange.method in ("POST", "PATCH", "PUT")
            and (self.replayed_as_id is None or self.replayed_as.status != self.Status.PROCESSED)
        )


class AlertRule(models.Model):
    """A condition on the log that mails its recipients when it starts and stops holding."""

    class Kind(models.TextChoices):
        FAILED_ITEMS = "failed_items", "at least N failed items in the window"
        FAILURE_RATE = "failure_rate", "failure rate of items in the window at least N %"
        NO_SUCCESS = "no_success", "no successful write during the window"
        ERROR_CODES = "error_codes", "at least N requests with one of the error codes"
        AUTH_FAILURES = "auth_failures", "at least N authentication failures in the window"

    name = models.CharField(max_length=255, unique=True)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    is_active = models.BooleanField("active", default=True)
    endpoint = models.CharField(
        max_length=255, blank=True, help_text="Resource name to watch; empty: all endpoints."
    )
    threshold = models.PositiveIntegerField(
        "N", default=1, help_text="Count, or percent for the failure rate."
    )
    min_items = models.PositiveIntegerField(
        default=10, help_text="Failure rate only: fewer items in the window never alert."
    )
    error_codes = models.CharField(
        max_length=255, blank=True, help_text="Error codes only: e.g. 1302, 1309."
    )
    window_minutes = models.PositiveIntegerField("window (minutes)", default=60)
    recipients = models.TextField(
        blank=True,
        help_text=(
            "Email addresses, separated by commas or lines. Empty: no mail; the rule then "
            "only reaches webhook subscriptions of `alert` events (Slack, Teams)."
        ),
    )
    cooldown_minutes = models.PositiveIntegerField(
        "cooldown (minutes)",
        default=60,
        help_text="While the condition holds, at most one mail per cooldown.",
    )
    send_recovery = models.BooleanField("send recovery mail", default=True)
    is_firing = models.BooleanField("firing", default=False, editable=False)
    fired_at = models.DateTimeField(null=True, blank=True, editable=False)
    notified_at = models.DateTimeField(null=True, blank=True, editable=False)
    evaluated_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["name"]
        indexes = [models.Index(fields=["is_active"], name="exlog_rule_active")]

    def __str__(self):
        return self.name

    def clean(self):
        for address in self.recipient_list():
            try:
                validate_email(address)
            except ValidationError:
                raise ValidationError(
                    {"recipients": f"{address!r} is not an email address."}
                ) from None
        if self.kind == self.Kind.ERROR_CODES and not self.code_list():
            raise ValidationError({"error_codes": "Give at least one error code."})
        unknown = [code for code in self.code_list() if code not in CATALOGUE]
        if unknown:
            raise ValidationError(
                {"error_codes": f"Not an error code of the catalogue: {', '.join(unknown)}."}
            )
        if self.endpoint and not configured_alias(self.endpoint):
            raise ValidationError(
                {"endpoint": f"No endpoint is configured with the resource name {self.endpoint!r}."}
            )
        if self.kind == self.Kind.FAILURE_RATE and not 0 < self.threshold <= 100:
            raise ValidationError({"threshold": "Give a percentage between 1 and 100."})

    def recipient_list(self):
        """Return the recipients' addresses."""
        return split_list(self.recipients)

    def code_list(self):
        """Return the watched error codes."""
        return split_list(self.error_codes)


class MaintenanceWindowQuerySet(models.QuerySet):
    def covering(self, rule, moment):
        """Return windows that silence `rule` at `moment` (windows without rules cover all)."""
        return self.filter(starts_at__lte=moment, ends_at__gt=moment).filter(
            Q(rules=rule) | Q(rules__isnull=True)
        )


class MaintenanceWindow(models.Model):
    """A period in which alert rules stay silent: no alert and no recovery mail."""

    name = models.CharField(max_length=255)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    rules = models.ManyToManyField(
        AlertRule, blank=True, related_name="maintenance_windows", help_text="Empty: all rules."
    )

    objects = MaintenanceWindowQuerySet.as_manager()

    class Meta:
        ordering = ["-starts_at"]
        indexes = [models.Index(fields=["starts_at", "ends_at"], name="exlog_window_period")]

    def __str__(self):
        return self.name

    def clean(self):
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise ValidationError({"ends_at": "The window must end after it starts."})


class AlertNotification(models.Model):
    """A mail sent for an alert rule."""

    class Kind(models.TextChoices):
        FIRED = "fired", "fired"
        REMINDER = "reminder", "still failing"
        RECOVERED = "recovered", "recovered"

    rule = models.ForeignKey(AlertRule, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    sent_at = models.DateTimeField(default=timezone.now)
    recipients = models.TextField()
    subject = models.CharField(max_length=255)
    body = models.TextField()

    class Meta:
        ordering = ["-sent_at"]
        indexes = [models.Index(fields=["sent_at"], name="exlog_notif_sent")]

    def __str__(self):
        return self.subject
