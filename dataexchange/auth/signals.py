"""Make cached endpoint grants stale whenever grants, group membership or aliases change."""

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from dataexchange.auth.models import EndpointPermission
from dataexchange.auth.permissions import bump_generation
from dataexchange.models import Endpoint


@receiver(post_save, sender=EndpointPermission)
@receiver(post_delete, sender=EndpointPermission)
@receiver(post_save, sender=Endpoint)
@receiver(post_delete, sender=Endpoint)
def grants_changed(**kwargs):
    """Bump the grants generation now and again once the change is committed, so a reader that
    cached the old state in between is corrected too."""
    if not kwargs.get("raw"):
        bump_now_and_on_commit()


@receiver(m2m_changed, sender=get_user_model().groups.through)
def membership_changed(action, **kwargs):
    """Bump the grants generation when a user joins or leaves a group."""
    if action in {"post_add", "post_remove", "post_clear"}:
        bump_now_and_on_commit()


def bump_now_and_on_commit():
    """Bump the generation for this transaction's own reads and for everyone after commit."""
    bump_generation()
    transaction.on_commit(bump_generation)
