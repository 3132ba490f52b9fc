"""Admin for API access: keys shown once, tokens revoked, grants edited per endpoint and key."""

import re

from django.contrib.admin.models import LogEntry
from django.contrib.admin.sites import site
from django.test import Client

import pytest

from dataexchange.auth.admin import EndpointPermissionInline
from dataexchange.auth.models import AccessToken, ApiKey, EndpointPermission, hash_secret
from tests.auth.conftest import bearer, grant, make_key

SECRET_ON_PAGE = re.compile(r'<code class="api-key-secret">([^<]+)</code>')


def shown_secrets(response):
    """Return the secrets a response's page shows, asserting nothing else carries them."""
    page = response.content.decode()
    found = SECRET_ON_PAGE.findall(page)
    for raw in found:
        assert page.count(raw) == 1
        assert raw not in response.cookies.output()
        assert raw not in str(response.headers)
    assert "no-store" in response["Cache-Control"]
    return found


@pytest.fixture
def admin(superuser):
    client = Client()
    client.force_login(superuser)
    return client


def inline_management(prefix, total=0):
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": "0",
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def test_new_api_key_is_shown_once_and_stored_hashed(admin, things, user):
    data = {
        "name": "erp import",
        "owner": user.pk,
        "is_active": "on",
        "rate": "",
        **inline_management("permissions", 1),
        "permissions-0-endpoint": things.pk,
        "permissions-0-can_view": "on",
        "permissions-0-can_create": "on",
    }
    response = admin.post("/admin/dataexchange_auth/apikey/add/", data)
    assert response.status_code == 200  # the page itself, not a redirect carrying a message
    (raw,) = shown_secrets(response)
    key = ApiKey.objects.get()
    assert key.key_hash == hash_secret(raw)
    assert raw not in str(list(ApiKey.objects.values()))
    assert raw not in str(list(LogEntry.objects.values()))
    assert key.permissions.get().actions == ("view", "create")
    for url in (
        f"/admin/dataexchange_auth/apikey/{key.pk}/change/",
        "/admin/dataexchange_auth/apikey/",
    ):
        second = admin.get(url)
        assert raw not in second.content.decode()
        assert raw not in str([str(m) for m in second.context["messages"]])
    assert raw not in str(admin.session.items())
    assert Client().get("/dynamic-entity/things", HTTP_X_API_KEY=raw).status_code == 200


def test_new_secret_never_travels_in_the_messages_cookie(admin, user, settings):
    settings.MESSAGE_STORAGE = "django.contrib.messages.storage.cookie.CookieStorage"
    data = {"name": "cookie check", "owner": user.pk, **inline_management("permissions")}
    for button in ("_save", "_continue", "_addanother"):
        response = admin.post("/admin/dataexchange_auth/apikey/add/", {**data, button: "1"})
        (raw,) = shown_secrets(response)
        assert raw not in str(admin.cookies)
        data["name"] += "+"


def test_invalid_rate_is_refused_by_the_form(admin, user):
    data = {"name": "x", "owner": user.pk, "rate": "fast", **inline_management("permissions")}
    response = admin.post("/admin/dataexchange_auth/apikey/add/", data)
    assert response.status_code == 200
    assert not ApiKey.objects.exists()


def test_regenerate_replaces_the_secret(admin, things, user):
    key, old = make_key(user)
    other, _ = make_key(user, name="second")
    response = admin.post(
        "/admin/dataexchange_auth/apikey/",
        {"action": "regenerate_keys", "_selected_action": [key.pk, other.pk]},
    )
    assert response.status_code == 200
    raw, other_raw = shown_secrets(response)
    key.refresh_from_db()
    other.refresh_from_db()
    assert {key.key_hash, other.key_hash} == {hash_secret(raw), hash_secret(other_raw)}
    assert hash_secret(old) not in {key.key_hash, other.key_hash}
    assert raw not in str(admin.cookies)
    assert raw not in admin.get("/admin/dataexchange_auth/apikey/").content.decode()


def test_deactivate_action(admin, user):
    key, _ = make_key(user)
    admin.post(
        "/admin/dataexchange_auth/apikey/",
        {"action": "deactivate_keys", "_selected_action": [key.pk]},
    )
    key.refresh_from_db()
    assert key.is_active is False


def test_token_list_filters_by_state_and_revokes(admin, things, user, superuser):
    headers = bearer(user)
    bearer(superuser)
    AccessToken.objects.filter(user=superuser).revoke()
    active = admin.get("/admin/dataexchange_auth/accesstoken/?state=active")
    assert list(active.context["cl"].queryset) == [AccessToken.objects.get(user=user)]
    revoked = admin.get("/admin/dataexchange_auth/accesstoken/?state=revoked")
    assert [t.user for t in revoked.context["cl"].queryset] == [superuser]
    token = AccessToken.objects.get(user=user)
    response = admin.post(
        "/admin/dataexchange_auth/accesstoken/",
        {"action": "revoke_tokens", "_selected_action": [token.pk]},
        follow=True,
    )
    assert "Revoked 1 token(s)." in response.content.decode()
    token.refresh_from_db()
    assert token.state == AccessToken.State.REVOKED
    grant(things, "view", user=user)
    assert Client().get("/dynamic-entity/things", **headers).status_code == 401


def test_tokens_cannot_be_added_in_the_admin(admin):
    assert admin.get("/admin/dataexchange_auth/accesstoken/add/").status_code == 403


def test_token_page_shows_no_secret_digest(admin, user):
    bearer(user)
    token = AccessToken.objects.get()
    page = admin.get(f"/admin/dataexchange_auth/accesstoken/{token.pk}/change/")
    assert page.status_code == 200
    assert token.access_hash not in page.content.decode()


def test_permission_changelist_and_form(admin, things, user):
    grant(things, "view", user=user)
    response = admin.get("/admin/dataexchange_auth/endpointpermission/?to=user")
    assert response.status_code == 200
    assert len(response.context["cl"].queryset) == 1
    data = {"endpoint": things.pk, "can_view": "on"}
    response = admin.post("/admin/dataexchange_auth/endpointpermission/add/", data)
    assert b"exactly one of user, group or API key" in response.content
    assert EndpointPermission.objects.count() == 1


def test_inline_for_the_endpoint_admin_is_declared(things):
    inline = EndpointPermissionInline(things.__class__, site)
    assert inline.fk_name == "endpoint"
    assert inline.model is EndpointPermission


def test_revoke_every_token_of_a_user(admin, user, superuser):
    bearer(user)
    bearer(user)
    bearer(superuser)
    one = AccessToken.objects.filter(user=user).first()
    admin.post(
        "/admin/dataexchange_auth/accesstoken/",
        {"action": "revoke_users_tokens", "_selected_action": [one.pk]},
    )
    assert {t.state for t in AccessToken.objects.filter(user=user)} == {AccessToken.State.REVOKED}
    assert AccessToken.objects.get(user=superuser).state == AccessToken.State.ACTIVE
