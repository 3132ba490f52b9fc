"""Webhook subscriptions, the outbox of deliveries (one row per event and subscription) and
the log of every attempt to send one."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


def new_message_id():
    """Return a fresh `webhook-id`: unique per event, kept across its retries."""
    return f"msg_{uuid.uuid4().hex}"


class Event(models.TextChoices):
    """What a subscription may ask for; the values are the `type` of a payload."""

    CREATED = "entity.created", "entity created"
    UPDATED = "entity.updated", "entity updated"
    DELETED = "entity.deleted", "entity deleted"
    JOB_FINISHED = "job.finished", "job finished"
    EXCHANGE_FAILED = "exchange.failed", "exchange failed"
    ALERT = "alert", "alert fired, still failing or recovered (Slack/Teams-compatible)"


ENTITY_EVENTS = (Event.CREATED, Event.UPDATED, Event.DELETED)
TEST_EVENT = "webhook.test"


class SubscriptionQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Return the subscriptions `user` may see in the admin: their own, or all for a
        superuser."""
        return self if user.is_superuser else self.filter(owner=user)


class Subscription(models.Model):
    """Where to send which events, signed with which secret, and how delivery is going."""

    name = models.CharField(max_length=255)
    url = models.URLField("target URL", max_length=2000)
    endpoints = models.ManyToManyField(
        "dataexchange.Endpoint",
        blank=True,
        related_name="+",
        help_text="Endpoints whose changes (and failed exchanges) are sent.",
    )
    events = models.JSONField(default=list, help_text="Event types, e.g. entity.created.")
    is_active = models.BooleanField("active", default=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Standard Webhooks needs the secret itself to sign (HMAC); shown once, never again.
    secret = models.CharField(max_length=100, editable=False)
    # Position in the change log up to which entity events were moved into the outbox.
    cursor = models.BigIntegerField(default=0, editable=False)
    failing_since = models.DateTimeField(null=True, blank=True, editable=False)
    disabled_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = SubscriptionQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        indexes = [models.Index(fields=["is_active"], name="webhook_sub_active")]

    def __str__(self):
        return self.name

    def wants(self, event):
        return event in self.events


class DeliveryQuerySet(models.QuerySet):
    def open(self):
        """Return deliveries not delivered nor dead-lettered yet."""
        return self.filter(status__in=Delivery.OPEN)

    def due(self, now):
        """Return open deliveries whose time has come and that no live worker holds."""
        return self.open().filter(
            Q(lease_until__isnull=True) | Q(lease_until__lt=now), next_attempt_at__lte=now
        )


class Delivery(models.Model):
    """One event for one subscription: its signed body, and where its delivery stands.

    The auto-increment id orders deliveries: for one entity on one subscription, a delivery is
    not attempted while an earlier open one exists (ordered per entity)."""

    class Status(models.TextChoices):
        PENDING = "pending", "pending"
        RETRYING = "retrying", "retrying"
        DELIVERED = "delivered", "delivered"
        DEAD = "dead", "dead-lettered"

    OPEN = (Status.PENDING, Status.RETRYING)

    subscription = models.ForeignKey(
        Subscription, on_delete=models.CASCADE, related_name="deliveries"
    )
    # The `webhook-id` header: the same for every attempt, so receivers can deduplicate.
    message_id = models.CharField(max_length=64, default=new_message_id, editable=False)
    event = models.CharField(max_length=32)
    endpoint = models.CharField(max_length=255, blank=True)
    # The entity the event is about (`<alias>:<identifier>`); deliveries of one key go in order.
    entity_key = models.CharField(max_length=255, blank=True)
    payload = models.TextField(help_text="The JSON body, exactly as signed and sent.")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    lease_until = models.DateTimeField(null=True, blank=True)
    worker = models.CharField(max_length=255, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = DeliveryQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        verbose_name_plural = "deliveries"
        indexes = [
            models.Index(fields=["subscription", "status", "id"], name="wh_claim"),
            models.Index(fields=["subscription", "entity_key", "status"], name="wh_entity"),
            models.Index(fields=["status", "next_attempt_at"], name="wh_status"),
            models.Index(fields=["finished_at"], name="wh_finished"),
            models.Index(fields=["created_at"], name="wh_created"),
        ]

    def __str__(self):
        return f"{self.event} #{self.pk} → {self.subscription_id}"


class Attempt(models.Model):
    """One try to send a delivery: what the receiver answered, or why nothing came back."""

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="log")
    started_at = models.DateTimeField(default=timezone.now)
    status_code = models.PositiveIntegerField(null=True, blank=True)
    latency_ms = models.FloatField(null=True, blank=True)
    response_excerpt = models.TextField(blank=True)
    error = models.CharField(max_length=1000, blank=True)
    worker = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["started_at"], name="wh_attempt_started")]

    def __str__(self):
        return f"{self.delivery_id} @ {self.started_at:%Y-%m-%d %H:%M:%S}"

    @property
    def succeeded(self):
        return self.status_code is not None and 200 <= self.status_code < 300
