"""Credentials and configuration under attack: bad tokens on writes, an endpoint smuggled onto
a disallowed table, the admin's CSRF protection, no stack traces, and no secret in any log."""

import logging
from datetime import timedelta

from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.utils import timezone

import pytest

from dataexchange.auth.models import AccessToken, ApiKey, hash_secret
from tests.auth.conftest import PASSWORD, bearer, grant, make_key, thing_rows

URL = "/dynamic-entity/things"
INVALID = [{"message": "Invalid access token.", "status": 401, "code": "001"}]
NOT_FOUND = [{"message": "Not found", "status": 404, "code": "007"}]
SERVER_ERROR = [{"message": "Internal server error.", "status": 500, "code": "500"}]
WRITE = {"data": [{"name": "intruder", "qty": 1}]}


class TestBadTokensOnWrites:
    def forged_headers(self, superuser):
        _, access, refresh = AccessToken.objects.issue(superuser)
        token = AccessToken.objects.get()
        return {
            "random": "Bearer " + "A" * 43,
            "hash_as_token": f"Bearer {token.access_hash}",
            "refresh_as_access": f"Bearer {refresh}",
            "truncated": f"Bearer {access[:-1]}",
            "jwt_none_alg": "Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIiwic2NvcGVzIjpbInVzZXIiXX0.",
            "sql": "Bearer 'OR'1'='1'--",
        }

    @pytest.mark.parametrize("method", ["post", "patch", "put", "delete"])
    def test_forged_tokens_change_nothing(self, client, things, superuser, method):
        before = thing_rows()
        for header in self.forged_headers(superuser).values():
            response = getattr(client, method)(URL, WRITE, format="json", HTTP_AUTHORIZATION=header)
            assert response.status_code == 401, header
            assert response.json() == INVALID
        assert thing_rows() == before

    @pytest.mark.parametrize("state", ["expired", "revoked"])
    def test_expired_and_revoked_tokens_change_nothing(self, client, things, superuser, state):
        headers = bearer(superuser)
        if state == "expired":
            AccessToken.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
        else:
            AccessToken.objects.all().revoke()
        before = thing_rows()
        response = client.post(URL, WRITE, format="json", **headers)
        assert response.status_code == 401
        assert response.json() == INVALID
        assert thing_rows() == before

    def test_expired_key_changes_nothing(self, client, things, user):
        key, raw = make_key(user, valid_to=timezone.now() - timedelta(seconds=1))
        grant(things, "create", api_key=key)
        before = thing_rows()
        response = client.post(URL, WRITE, format="json", HTTP_X_API_KEY=raw)
        assert response.status_code == 403
        assert response.json() == [
            {"message": "Unauthorized request.", "status": 403, "code": None}
        ]
        assert thing_rows() == before


class TestDisallowedTable:
    """An endpoint written straight into the configuration tables, past the admin's checks."""

    def point_at(self, table, identifier, columns):
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE dataexchange_endpoint SET table_name = %s, identifier = %s"
                " WHERE alias = %s",
                [table, identifier, "things"],
            )
            for old, new in columns.items():
                cursor.execute(
                    "UPDATE dataexchange_endpointfield SET column_name = %s WHERE column_name = %s",
                    [new, old],
                )

    @pytest.mark.parametrize(
        "table, identifier, columns",
        [
            ("auth_user", "id", {"id_thing": "id", "name": "username", "qty": "password"}),
            (
                "dataexchange_auth_apikey",
                "id",
                {"id_thing": "id", "name": "name", "qty": "key_hash"},
            ),
            ("django_session", "session_key", {"id_thing": "session_key", "name": "session_data"}),
        ],
    )
    def test_refused_at_request_time(self, client, things, superuser, table, identifier, columns):
        headers = bearer(superuser)
        make_key(superuser)
        assert client.get(URL, **headers).status_code == 200  # compiled while still allowed
        self.point_at(table, identifier, columns)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT COUNT(*) FROM {table}")
            rows_before = cursor.fetchone()[0]
        for method, body in (("get", None), ("post", {"data": [{"name": "x"}]})):
            response = getattr(client, method)(URL, body, format="json", **headers)
            assert response.status_code == 404
            assert response.json() == NOT_FOUND
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT COUNT(*) FROM {table}")
            assert cursor.fetchone()[0] == rows_before


class TestAdminCsrf:
    @pytest.fixture
    def admin(self, superuser):
        client = Client(enforce_csrf_checks=True)
        client.force_login(superuser)
        return client

    @pytest.mark.parametrize(
        "path, data",
        [
            ("/admin/dataexchange_auth/apikey/add/", {"name": "stolen", "is_active": "on"}),
            ("/admin/dataexchange/endpoint/add/", {"alias": "stolen", "table_name": "auth_user"}),
            ("/admin/auth/user/add/", {"username": "mallory", "password1": "x", "password2": "x"}),
        ],
    )
    def test_posts_without_the_token_are_refused(self, admin, superuser, path, data):
        counts = (ApiKey.objects.count(), get_user_model().objects.count())
        response = admin.post(path, {**data, "owner": superuser.pk})
        assert response.status_code == 403
        assert b"CSRF" in response.content
        assert (ApiKey.objects.count(), get_user_model().objects.count()) == counts

    def test_post_with_the_token_works(self, admin, superuser):
        page = admin.get("/admin/dataexchange_auth/apikey/add/")
        token = page.context["csrf_token"]
        data = {
            "csrfmiddlewaretoken": token,
            "name": "legit",
            "owner": superuser.pk,
            "is_active": "on",
            "permissions-TOTAL_FORMS": "0",
            "permissions-INITIAL_FORMS": "0",
        }
        response = admin.post("/admin/dataexchange_auth/apikey/add/", data)
        assert response.status_code == 200  # the page showing the new key's secret, once
        assert b"api-key-secret" in response.content
        assert ApiKey.objects.filter(name="legit").exists()

    def test_login_form_needs_the_token(self, superuser):
        client = Client(enforce_csrf_checks=True)
        response = client.post("/admin/login/", {"username": "boss", "password": PASSWORD})
        assert response.status_code == 403


class TestNoStackTraces:
    @pytest.fixture
    def quiet_client(self, settings):
        settings.DEBUG = False
        return Client(raise_request_exception=False)

    def test_api_fault(self, quiet_client, things, superuser, monkeypatch):
        def explode(*args, **kwargs):
            raise RuntimeError("SELECT secret FROM internals")

        monkeypatch.setattr("dataexchange.engine.serve.read_page", explode)
        response = quiet_client.get(URL, **bearer(superuser))
        assert response.status_code == 500
        assert response.json() == SERVER_ERROR
        assert b"Traceback" not in response.content and b"internals" not in response.content

    def test_token_fault(self, quiet_client, user, monkeypatch):
        def explode(**kwargs):
            raise RuntimeError("database password is hunter2")

        monkeypatch.setattr("dataexchange.auth.views.user_login", explode)
        data = {"grant_type": "password", "username": "clerk", "password": PASSWORD}
        response = quiet_client.post("/token", data)
        assert response.status_code == 500
        assert response.json() == SERVER_ERROR
        assert b"hunter2" not in response.content and PASSWORD.encode() not in response.content


class TestSecretsStayOutOfLogs:
    def test_logs_exchange_log_and_error_bodies(self, client, things, user, superuser, caplog):
        caplog.set_level(logging.DEBUG)
        login = client.post("/token", {"grant_type": "password", "username": "boss",
                                       "password": PASSWORD}).json()  # fmt: skip
        access, refresh = login["access_token"], login["refresh_token"]
        key, raw_key = make_key(user)
        grant(things, "view", api_key=key)
        bodies = [
            client.post(
                "/token",
                {"grant_type": "password", "username": "boss", "password": "wrong-" + PASSWORD},
            ),  # fmt: skip
            client.post(
                "/token", {"grant_type": "refresh_token", "refresh_token": "bad-" + refresh}
            ),
            client.post(URL, WRITE, format="json", HTTP_AUTHORIZATION=f"Bearer {access}"),
            client.post(
                URL,
                {"data": [{"name": None}]},
                format="json",
                HTTP_AUTHORIZATION=f"Bearer {access}",
            ),  # fmt: skip
            client.get(URL, HTTP_AUTHORIZATION=f"Bearer x{access}"),
            client.get(f"{URL}?api_key={raw_key}&filter[things.name]=alpha"),
            client.post(f"{URL}?api_key={raw_key}", WRITE, format="json"),
            client.get(f"/dynamic-entity/nope?api_key={raw_key}"),
        ]
        secrets = {access, refresh, raw_key, PASSWORD, hash_secret(raw_key)}
        texts = [caplog.text] + [response.content.decode() for response in bodies]
        texts += [str(list(model.objects.values())) for model in exchange_log_models()]
        for text in texts:
            for secret in secrets:
                assert secret not in text


def exchange_log_models():
    """Return the exchange log's models (empty when that app is not installed)."""
    if not apps.is_installed("dataexchange.exchangelog"):
        return []
    return list(apps.get_app_config("exchangelog").get_models())
