"""Tokens die for good with the credentials they were issued for: a password change, deactivation
or the loss of staff/superuser rights revokes every token of the user, whatever path changed the
user (database triggers, migration 0004), and nothing revives them."""

from io import StringIO

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.management.commands import changepassword
from django.core.management import call_command
from django.test import Client

import pytest

from dataexchange.auth.models import AccessToken
from tests.auth.conftest import PASSWORD, grant

URL = "/dynamic-entity/things"
INVALID = [{"message": "Invalid access token.", "status": 401, "code": "001"}]
BAD_REFRESH = [{"status": 400, "code": "invalid_grant", "message": "The refresh token is invalid."}]


@pytest.fixture
def pair(things, user):
    """A token pair of `user`, who may view `things`: (access, refresh)."""
    grant(things, "view", user=user)
    _, access, refresh = AccessToken.objects.issue(user)
    return access, refresh


def use(client, access):
    return client.get(URL, HTTP_AUTHORIZATION=f"Bearer {access}")


def refresh_with(client, refresh):
    return client.post("/token", {"grant_type": "refresh_token", "refresh_token": refresh})


def assert_dead(client, access, refresh):
    assert use(client, access).json() == INVALID
    assert refresh_with(client, refresh).json() == BAD_REFRESH


def fresh(user):
    return get_user_model().objects.get(pk=user.pk)


def test_set_password_and_save_revokes_both_tokens(client, user, pair):
    assert use(client, pair[0]).status_code == 200
    user.set_password("a new passphrase")
    user.save()
    assert_dead(client, *pair)


def test_queryset_update_of_the_password_revokes(client, user, pair):
    get_user_model().objects.filter(pk=user.pk).update(password=make_password("another one"))
    assert_dead(client, *pair)


def test_admin_password_form_revokes(client, user, pair, superuser):
    admin = Client()
    admin.force_login(superuser)
    new = "Unguessable-admin-set-9"
    response = admin.post(
        f"/admin/auth/user/{user.pk}/password/",
        {"password1": new, "password2": new, "usable_password": "true"},
    )
    assert response.status_code == 302
    assert fresh(user).check_password(new)
    assert_dead(client, *pair)


def test_changepassword_command_revokes(client, user, pair, monkeypatch):
    monkeypatch.setattr(changepassword.Command, "_get_pass", lambda self, prompt=None: "Cmd-pw-41x")
    call_command("changepassword", "clerk", stdout=StringIO())
    assert_dead(client, *pair)


def test_reactivating_a_user_does_not_revive_their_tokens(client, user, pair):
    user.is_active = False
    user.save()
    assert use(client, pair[0]).json() == INVALID
    get_user_model().objects.filter(pk=user.pk).update(is_active=True)
    assert_dead(client, *pair)
    assert client.post(
        "/token", {"grant_type": "password", "username": "clerk", "password": PASSWORD}
    ).status_code == 200  # fmt: skip


@pytest.mark.parametrize("flag", ["is_staff", "is_superuser"])
def test_losing_staff_or_superuser_rights_revokes(client, things, user, pair, flag):
    setattr(user, flag, True)
    user.save()
    assert use(client, pair[0]).status_code == 200  # gaining a right keeps the tokens
    _, access, refresh = AccessToken.objects.issue(user)
    get_user_model().objects.filter(pk=user.pk).update(**{flag: False})
    assert_dead(client, access, refresh)
    setattr(user, flag, True)
    user.save()
    assert_dead(client, access, refresh)


def test_other_changes_keep_the_tokens(client, user, pair, superuser):
    user.email = "new@example.com"
    user.first_name = "Clara"
    user.save()
    get_user_model().objects.filter(pk=user.pk).update(last_login="2026-01-01T00:00:00Z")
    _, other_access, _ = AccessToken.objects.issue(superuser)
    superuser.set_password("the boss changes only theirs")
    superuser.save()
    assert use(client, pair[0]).status_code == 200
    assert use(client, other_access).json() == INVALID
    assert refresh_with(client, pair[1]).status_code == 200


def test_tokens_issued_after_the_change_work(client, user, pair):
    user.set_password("fresh start")
    user.save()
    response = client.post(
        "/token", {"grant_type": "password", "username": "clerk", "password": "fresh start"}
    )
    assert use(client, response.json()["access_token"]).status_code == 200
    assert AccessToken.objects.filter(user=user, revoked_at__isnull=False).count() == 1
