"""A subscription saved, deleted or given other endpoints bumps the configuration version, so
every process recompiles its routes (`routing`) at its next request."""

from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from dataexchange.models import ConfigurationVersion
from dataexchange.webhooks.models import Subscription


@receiver(post_save, sender=Subscription)
@receiver(post_delete, sender=Subscription)
@receiver(m2m_changed, sender=Subscription.endpoints.through)
def subscriptions_changed(**kwargs):
    if kwargs.get("action", "post_").startswith("post_"):
        ConfigurationVersion.bump()
