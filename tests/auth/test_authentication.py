"""Bearer tokens, API keys and sessions on the API, with every A8 error body exact."""

from datetime import timedelta

from django.utils import timezone

import pytest
from rest_framework.request import Request
from rest_framework.test import APIClient, APIRequestFactory

from dataexchange.auth.authentication import ApiKeyAuthentication
from dataexchange.auth.models import AccessToken, ApiKey
from tests.auth.conftest import bearer, grant, make_key, thing_id

URL = "/dynamic-entity/things"
MISSING = [{"message": "Missing access token.", "status": 401, "code": "002"}]
INVALID = [{"message": "Invalid access token.", "status": 401, "code": "001"}]
UNAUTHORIZED = [{"message": "Unauthorized request.", "status": 403, "code": None}]


def names(response):
    return [row["name"] for row in response.json()["data"]]


class TestBearer:
    def test_valid_token_authenticates(self, client, things, superuser):
        response = client.get(URL, **bearer(superuser))
        assert response.status_code == 200
        assert names(response) == ["alpha", "beta"]

    def test_scheme_is_case_insensitive_and_whitespace_tolerant(self, client, things, superuser):
        raw = bearer(superuser)["HTTP_AUTHORIZATION"].split()[1]
        response = client.get(URL, HTTP_AUTHORIZATION=f"bearer \t {raw}")
        assert response.status_code == 200

    @pytest.mark.parametrize("header", ["", "Bearer", "Bearer a b", "tokenonly", "   "])
    def test_malformed_header_is_401_002(self, client, things, superuser, header):
        response = client.get(URL, HTTP_AUTHORIZATION=header)
        assert response.status_code == 401
        assert response.json() == MISSING
        assert response["WWW-Authenticate"].startswith("Bearer")

    @pytest.mark.parametrize(
        "header",
        [
            "Bearer not-a-token",
            "Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0.",
            "Basic Ym9zczpjb3JyZWN0",
            "Token abcdef",
        ],
    )
    def test_unknown_or_forged_token_is_401_001(self, client, things, superuser, header):
        response = client.get(URL, HTTP_AUTHORIZATION=header)
        assert response.status_code == 401
        assert response.json() == INVALID

    def test_stored_hash_is_not_a_token(self, client, things, superuser):
        bearer(superuser)
        digest = AccessToken.objects.get().access_hash
        response = client.get(URL, HTTP_AUTHORIZATION=f"Bearer {digest}")
        assert response.json() == INVALID

    def test_expired_token_is_401_001(self, client, things, superuser):
        headers = bearer(superuser)
        AccessToken.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
        response = client.get(URL, **headers)
        assert response.status_code == 401
        assert response.json() == INVALID

    def test_revoked_token_is_401_001(self, client, things, superuser):
        headers = bearer(superuser)
        assert client.get(URL, **headers).status_code == 200
        AccessToken.objects.all().revoke()
        response = client.get(URL, **headers)
        assert response.status_code == 401
        assert response.json() == INVALID

    def test_token_of_deactivated_user_is_401_001(self, client, things, superuser):
        headers = bearer(superuser)
        superuser.is_active = False
        superuser.save()
        assert client.get(URL, **headers).json() == INVALID

    def test_no_credentials_is_403_unauthorized(self, client, things):
        response = client.get(URL)
        assert response.status_code == 403
        assert response.json() == UNAUTHORIZED
        assert "WWW-Authenticate" not in response

    @pytest.mark.parametrize("method", ["post", "patch", "put", "delete"])
    def test_no_credentials_on_writes_is_403_unauthorized(self, client, things, method):
        response = getattr(client, method)(URL, {"data": [{"name": "x"}]}, format="json")
        assert response.status_code == 403
        assert response.json() == UNAUTHORIZED


class TestApiKey:
    def test_header_authenticates(self, client, things, user):
        key, raw = make_key(user)
        grant(things, "view", api_key=key)
        response = client.get(URL, HTTP_X_API_KEY=raw)
        assert response.status_code == 200
        assert names(response) == ["alpha", "beta"]

    def test_query_parameter_authenticates(self, client, things, user):
        key, raw = make_key(user)
        grant(things, "view", api_key=key)
        response = client.get(URL, {"api_key": raw, "filter[things.name]": "beta"})
        assert response.status_code == 200
        assert names(response) == ["beta"]

    def test_header_wins_over_query(self, client, things, user):
        key, raw = make_key(user)
        grant(things, "view", api_key=key)
        assert client.get(URL, {"api_key": "wrong"}, HTTP_X_API_KEY=raw).status_code == 200
        response = client.get(URL, {"api_key": raw}, HTTP_X_API_KEY="wrong")
        assert response.status_code == 403
        assert response.json() == UNAUTHORIZED

    def test_key_wins_over_a_broken_authorization_header(self, client, things, user):
        key, raw = make_key(user)
        grant(things, "view", api_key=key)
        response = client.get(URL, HTTP_X_API_KEY=raw, HTTP_AUTHORIZATION="Bearer")
        assert response.status_code == 200

    def test_unknown_key_falls_through_to_a_bearer_token(self, client, things, superuser):
        response = client.get(URL, HTTP_X_API_KEY="wrong", **bearer(superuser))
        assert response.status_code == 200

    @pytest.mark.parametrize(
        "state",
        [
            {"valid_to": timezone.now() - timedelta(minutes=1)},
            {"is_active": False},
        ],
    )
    def test_expired_or_inactive_key_is_403_unauthorized(self, client, things, user, state):
        key, raw = make_key(user, **state)
        grant(things, "view", api_key=key)
        response = client.get(URL, HTTP_X_API_KEY=raw)
        assert response.status_code == 403
        assert response.json() == UNAUTHORIZED

    def test_key_valid_until_later_works(self, client, things, user):
        key, raw = make_key(user, valid_to=timezone.now() + timedelta(days=1))
        grant(things, "view", api_key=key)
        assert client.get(URL, HTTP_X_API_KEY=raw).status_code == 200

    def test_key_of_deactivated_owner_is_refused(self, client, things, user):
        key, raw = make_key(user)
        grant(things, "view", api_key=key)
        user.is_active = False
        user.save()
        assert client.get(URL, HTTP_X_API_KEY=raw).json() == UNAUTHORIZED

    def test_last_use_is_recorded_at_most_once_per_interval(self, client, things, user):
        key, raw = make_key(user)
        grant(things, "view", api_key=key)
        assert key.last_used_at is None
        client.get(URL, HTTP_X_API_KEY=raw)
        key.refresh_from_db()
        first = key.last_used_at
        assert first is not None and timezone.now() - first < timedelta(seconds=10)
        client.get(URL, HTTP_X_API_KEY=raw)
        key.refresh_from_db()
        assert key.last_used_at == first
        ApiKey.objects.update(last_used_at=first - timedelta(minutes=5))
        client.get(URL, HTTP_X_API_KEY=raw)
        key.refresh_from_db()
        assert key.last_used_at > first

    def test_key_hash_matches_spryker_so_migrated_keys_work(self, client, things, user):
        # robot's dummy_api_key and dummy_key_hash from spryker/api-key (reference §6.2)
        key = ApiKey.objects.create(
            name="migrated",
            owner=user,
            key_hash="f683f48de788d57cd396fc212ef33fd146e1ff0b51cde37ecb4ddd77eeed1706",
        )
        grant(things, "view", api_key=key)
        response = client.get(URL, HTTP_X_API_KEY="eba8110c9f9bf5685e8b5f4eba9b17c2")
        assert response.status_code == 200

    def test_request_auth_is_the_key_and_user_its_owner(self, things, user):
        key, raw = make_key(user)
        request = Request(APIRequestFactory().get(URL, {"api_key": raw, "page[limit]": "5"}))
        found_user, auth = ApiKeyAuthentication().authenticate(request)
        assert found_user == user and auth == key

    def test_query_key_is_removed_from_the_request(self, things, user):
        _, raw = make_key(user)
        django_request = APIRequestFactory().get(URL, {"api_key": raw, "page[limit]": "5"})
        request = Request(django_request)
        ApiKeyAuthentication().authenticate(request)
        assert "api_key" not in request.query_params
        assert request.query_params["page[limit]"] == "5"
        assert raw not in django_request.get_full_path()


class TestSession:
    def test_admin_session_browses_the_api(self, things, superuser):
        client = APIClient()
        client.force_login(superuser)
        assert client.get(URL).status_code == 200

    def test_session_writes_need_the_csrf_token(self, things, superuser):
        client = APIClient(enforce_csrf_checks=True)
        client.force_login(superuser)
        response = client.post(URL, {"data": [{"name": "gamma"}]}, format="json")
        assert response.status_code == 403
        assert response.json() == UNAUTHORIZED

    def test_a_bearer_token_wins_over_a_session_and_needs_no_csrf_token(
        self, things, superuser, user
    ):
        """With a bearer token the session is not even loaded (api.middleware): the token's
        user acts, and a write needs no CSRF token, as for any token client."""
        client = APIClient(enforce_csrf_checks=True)
        client.force_login(superuser)
        grant(things, "view", "create", user=user)
        headers = bearer(user)
        response = client.post(URL, {"data": [{"name": "gamma"}]}, format="json", **headers)
        assert response.status_code == 201, response.content
        assert "Set-Cookie" not in response.headers and "Cookie" not in response.get("Vary", "")
        assert client.delete(f"{URL}/{thing_id('alpha')}", **headers).status_code == 403

    def test_a_session_still_browses_next_to_an_unusable_api_key(self, things, superuser):
        client = APIClient()
        client.force_login(superuser)
        assert client.get(URL, HTTP_X_API_KEY="no-such-key").status_code == 200
