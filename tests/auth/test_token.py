"""`POST /token`: password and refresh grants, exact A8 bodies, hashed storage, expiry."""

import json
from datetime import timedelta
from io import StringIO

from django.contrib.auth import hashers
from django.core.management import call_command
from django.utils import timezone

import pytest

from dataexchange.auth.models import AccessToken, hash_secret
from tests.auth.conftest import PASSWORD

pytestmark = pytest.mark.django_db

BAD_CREDENTIALS = [
    {"status": 400, "code": "invalid_grant", "message": "The user credentials were incorrect."}
]
BAD_REFRESH = [{"status": 400, "code": "invalid_grant", "message": "The refresh token is invalid."}]
UNSUPPORTED = [
    {
        "status": 400,
        "code": "unsupported_grant_type",
        "message": "The authorization grant type is not supported by the authorization server.",
    }
]
INVALID_REQUEST = (
    "The request is missing a required parameter, includes an invalid parameter value, includes "
    "a parameter more than once, or is otherwise malformed."
)


def login(client, username="clerk", password=PASSWORD, as_json=False, **extra):
    data = {"grant_type": "password", "username": username, "password": password, **extra}
    if as_json:
        return client.post("/token", json.dumps(data), content_type="application/json")
    return client.post("/token", data)


def form(client, **data):
    return client.post(
        "/token",
        "&".join(f"{k}={v}" for k, v in data.items()),
        content_type="application/x-www-form-urlencoded",
    )


def test_password_grant_with_form_body_answers_a8_exactly(client, user):
    response = form(client, grant_type="password", username="clerk", password=PASSWORD)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Cache-Control"] == "no-store"
    body = response.json()
    assert list(body) == ["token_type", "expires_in", "access_token", "refresh_token"]
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 28800
    assert body["access_token"] != body["refresh_token"]
    assert len(body["access_token"]) >= 40


def test_password_grant_with_json_body(client, user):
    response = login(client, as_json=True)
    assert response.status_code == 200
    assert response.json()["token_type"] == "Bearer"


def test_login_by_email_ignores_case(client, user):
    response = login(client, username="Clerk@Example.com")
    assert response.status_code == 200
    token = AccessToken.objects.get()
    assert token.user == user


def test_email_shared_by_two_users_logs_nobody_in(client, user, django_user_model):
    django_user_model.objects.create_user("twin", email="clerk@example.com", password=PASSWORD)
    response = login(client, username="clerk@example.com")
    assert response.status_code == 400
    assert response.json() == BAD_CREDENTIALS


def test_robot_spelling_grant_type_is_accepted(client, user):
    response = form(client, grantType="password", username="clerk", password=PASSWORD)
    assert response.status_code == 200


def test_tokens_are_stored_only_as_sha256_digests(client, user):
    body = login(client).json()
    token = AccessToken.objects.get()
    assert token.access_hash == hash_secret(body["access_token"])
    assert token.refresh_hash == hash_secret(body["refresh_token"])
    stored = json.dumps(list(AccessToken.objects.values()), default=str)
    assert body["access_token"] not in stored
    assert body["refresh_token"] not in stored


@pytest.mark.parametrize("username", ["clerk", "nobody", "clerk@example.com", ""])
def test_bad_credentials_answer_invalid_grant(client, user, username):
    response = login(client, username=username or "x", password="wrong")
    assert response.status_code == 400
    assert response.json() == BAD_CREDENTIALS
    assert not AccessToken.objects.exists()


def test_inactive_user_cannot_log_in(client, user):
    user.is_active = False
    user.save()
    response = login(client)
    assert response.status_code == 400
    assert response.json() == BAD_CREDENTIALS


@pytest.mark.parametrize("grant_type", ["client_credentials", "authorization_code", "PASSWORD", ""])
def test_other_grant_types_are_unsupported(client, user, grant_type):
    response = form(client, grant_type=grant_type, username="clerk", password=PASSWORD)
    assert response.status_code == 400
    assert response.json() == UNSUPPORTED


def test_missing_grant_type_is_unsupported(client, user):
    response = client.post("/token", {"username": "clerk", "password": PASSWORD})
    assert response.json() == UNSUPPORTED


@pytest.mark.parametrize("missing", ["username", "password"])
def test_missing_parameter_is_invalid_request(client, user, missing):
    data = {"grant_type": "password", "username": "clerk", "password": PASSWORD}
    del data[missing]
    response = client.post("/token", data)
    assert response.status_code == 400
    assert response.json() == [
        {
            "status": 400,
            "code": "invalid_request",
            "message": f"{INVALID_REQUEST} Check the `{missing}` parameter",
        }
    ]


@pytest.mark.parametrize(
    "body", ['{"grant_type": "password", "username": ', "[1, 2]", '"password"', "null"]
)
def test_broken_or_non_object_json_is_refused_cleanly(client, user, body):
    response = client.post("/token", body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()[0]["code"] in {"invalid_request", "unsupported_grant_type"}


def test_non_string_json_values_are_invalid_request(client, user):
    body = {"grant_type": "password", "username": ["clerk"], "password": PASSWORD}
    response = client.post("/token", json.dumps(body), content_type="application/json")
    assert response.status_code == 400
    assert response.json()[0]["code"] == "invalid_request"


@pytest.mark.parametrize("method", ["get", "put", "patch", "delete", "options"])
def test_other_methods_are_not_allowed(client, method):
    response = getattr(client, method)("/token")
    assert response.status_code == 405
    assert response.json() == [
        {
            "status": 405,
            "code": "method_not_allowed",
            "message": f'Method "{method.upper()}" not allowed.',
        }
    ]


def test_answer_is_json_whatever_accept_says(client, user):
    response = client.post(
        "/token",
        {"grant_type": "password", "username": "clerk", "password": PASSWORD},
        HTTP_ACCEPT="text/html",
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"


def test_access_token_authenticates_and_expires_after_the_setting(client, superuser, settings):
    settings.DATA_EXCHANGE_AUTH = {"ACCESS_TOKEN_LIFETIME": 60}
    body = login(client, username="boss").json()
    assert body["expires_in"] == 60
    token = AccessToken.objects.get()
    assert timedelta(seconds=55) < token.expires_at - timezone.now() <= timedelta(seconds=60)
    assert AccessToken.objects.find_access(body["access_token"]).id == token.id
    AccessToken.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert AccessToken.objects.find_access(body["access_token"]) is None


class TestRefreshGrant:
    def refresh(self, client, raw):
        return form(client, grant_type="refresh_token", refresh_token=raw)

    def test_refresh_issues_a_new_pair_and_revokes_the_old(self, client, user):
        first = login(client).json()
        response = self.refresh(client, first["refresh_token"])
        assert response.status_code == 200
        second = response.json()
        assert list(second) == ["token_type", "expires_in", "access_token", "refresh_token"]
        assert second["access_token"] != first["access_token"]
        assert AccessToken.objects.find_access(first["access_token"]) is None
        assert AccessToken.objects.find_access(second["access_token"]).user == user
        new = AccessToken.objects.get(access_hash=hash_secret(second["access_token"]))
        old = AccessToken.objects.get(refresh_hash=hash_secret(first["refresh_token"]))
        assert old.family == new.family and old.refreshed_at is not None

    def test_refresh_token_is_single_use_and_reuse_revokes_the_family(self, client, user):
        first = login(client).json()
        second = self.refresh(client, first["refresh_token"]).json()
        response = self.refresh(client, first["refresh_token"])
        assert response.status_code == 400
        assert response.json() == BAD_REFRESH
        assert AccessToken.objects.find_access(second["access_token"]) is None
        assert self.refresh(client, second["refresh_token"]).json() == BAD_REFRESH

    @pytest.mark.parametrize("raw", ["nonsense", "x" * 43, ""])
    def test_unknown_refresh_token_is_invalid_grant(self, client, user, raw):
        if not raw:
            response = self.refresh(client, raw)
            assert response.json()[0]["code"] == "invalid_request"
            return
        response = self.refresh(client, raw)
        assert response.status_code == 400
        assert response.json() == BAD_REFRESH

    def test_access_token_is_not_a_refresh_token(self, client, user):
        first = login(client).json()
        assert self.refresh(client, first["access_token"]).json() == BAD_REFRESH

    def test_expired_refresh_token_is_invalid_grant(self, client, user):
        first = login(client).json()
        AccessToken.objects.update(refresh_expires_at=timezone.now() - timedelta(seconds=1))
        assert self.refresh(client, first["refresh_token"]).json() == BAD_REFRESH

    def test_revoked_pair_cannot_be_refreshed(self, client, user):
        first = login(client).json()
        AccessToken.objects.all().revoke()
        assert self.refresh(client, first["refresh_token"]).json() == BAD_REFRESH

    def test_inactive_user_cannot_refresh(self, client, user):
        first = login(client).json()
        user.is_active = False
        user.save()
        assert self.refresh(client, first["refresh_token"]).json() == BAD_REFRESH

    def test_json_refresh_with_camel_case_key(self, client, user):
        first = login(client).json()
        body = {"grant_type": "refresh_token", "refreshToken": first["refresh_token"]}
        response = client.post("/token", json.dumps(body), content_type="application/json")
        assert response.status_code == 200


def test_prune_tokens_deletes_only_dead_pairs(user):
    live, _, _ = AccessToken.objects.issue(user)
    dead, _, _ = AccessToken.objects.issue(user)
    AccessToken.objects.filter(pk=dead.pk).update(refresh_expires_at=timezone.now())
    out = StringIO()
    call_command("prune_tokens", stdout=out)
    assert list(AccessToken.objects.all()) == [live]
    assert out.getvalue().strip() == "Deleted 1 expired token pair(s)."


def test_email_login_runs_exactly_one_password_check(client, user, monkeypatch):
    calls = []
    original = hashers.MD5PasswordHasher.verify
    monkeypatch.setattr(
        hashers.MD5PasswordHasher,
        "verify",
        lambda self, *args: calls.append(1) or original(self, *args),
    )
    login(client, username="clerk@example.com", password="wrong")
    login(client, username="clerk@example.com")
    assert len(calls) == 2
