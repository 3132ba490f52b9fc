"""Workflows of token issuance: password login and refresh-token rotation."""

from dataclasses import dataclass

from django.contrib.auth import authenticate, get_user_model
from django.db import transaction
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from dataexchange.auth.models import AccessToken, hash_secret


@sensitive_variables("password")
def user_login(*, request, username, password):
    """Return the active user named by username or email with this password, or None.

    Exactly one password check runs whatever the outcome, through Django's authentication
    backends (so failed logins fire `user_login_failed`), and timing does not tell whether
    an email is known.
    """
    user = authenticate(request, username=login_name(username).username, password=password)
    return user if user is not None and user.is_active else None


@dataclass(frozen=True, slots=True)
class LoginName:
    """What a name given at login stands for."""

    username: str  # the username whose password is checked
    account: str  # one key per account however it was named, for throttling failures


def login_name(name):
    """Return the LoginName of `name`: a username, or the email of exactly one active user.

    The account key is the resolved username, case-folded, so `Clerk`, `clerk` and clerk's
    email share one key; a name that resolves to no account is its own key.
    """
    model = get_user_model()
    manager = model._default_manager
    if "@" not in name or manager.filter(**{model.USERNAME_FIELD: name}).exists():
        return LoginName(name, name.strip().casefold())
    email_field = model.get_email_field_name()
    matches = list(
        manager.filter(**{f"{email_field}__iexact": name, "is_active": True}).values_list(
            model.USERNAME_FIELD, flat=True
        )[:2]
    )
    username = matches[0] if len(matches) == 1 else name
    return LoginName(username, username.strip().casefold())


@sensitive_variables("raw_refresh")
def token_refresh(*, raw_refresh):
    """Use a refresh token once: revoke its pair and return a new (token, access, refresh).

    Return None when the refresh token is unknown, expired, revoked or its user inactive. A
    refresh token presented a second time means it leaked, so its whole family is revoked
    (refresh-token rotation with reuse detection, OAuth 2.0 Security BCP 4.14).
    """
    now = timezone.now()
    with transaction.atomic():
        old = (
            AccessToken.objects.select_related("user")
            .filter(refresh_hash=hash_secret(raw_refresh))
            .first()
        )
        if old is None:
            return None
        if old.refreshed_at is not None:
            AccessToken.objects.filter(family=old.family).revoke()
            return None
        if old.revoked_at or old.refresh_expires_at <= now or not old.user.is_active:
            return None
        claimed = AccessToken.objects.filter(
            pk=old.pk, refreshed_at__isnull=True, revoked_at__isnull=True
        ).update(refreshed_at=now, revoked_at=now)
        if not claimed:  # a concurrent request used it first
            return None
        return AccessToken.objects.issue(old.user, family=old.family)
