"""Bump the configuration version whenever an endpoint, field or relation is saved or deleted."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from dataexchange.models import ConfigurationVersion, Endpoint, EndpointField, EndpointRelation


@receiver(post_save, sender=Endpoint)
@receiver(post_save, sender=EndpointField)
@receiver(post_save, sender=EndpointRelation)
@receiver(post_delete, sender=Endpoint)
@receiver(post_delete, sender=EndpointField)
@receiver(post_delete, sender=EndpointRelation)
def bump_configuration_version(**kwargs):
    """Mark compiled endpoints stale on every worker."""
    if kwargs.get("raw"):
        return
    ConfigurationVersion.bump()
