"""Per-endpoint permissions (SPEC B1) for users, groups and API keys; the cached hot path."""

from types import SimpleNamespace

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

import pytest

from dataexchange.auth.models import AccessToken, EndpointPermission
from dataexchange.auth.permissions import has_endpoint_permission
from tests.auth.conftest import (
    OTHER_TABLE,
    bearer,
    grant,
    group_with,
    make_endpoint,
    make_key,
    thing_id,
    thing_rows,
)

URL = "/dynamic-entity/things"
CALLS = {  # action → (method, row name or None for the collection, body, success status)
    "view": ("get", None, None, 200),
    "create": ("post", None, {"data": [{"name": "gamma", "qty": 3}]}, 201),
    "update": ("patch", "alpha", {"data": {"qty": 9}}, 200),
    "delete": ("delete", "beta", None, 204),
}


def call(client, action, **headers):
    method, row, body, _ = CALLS[action]
    url = f"{URL}/{thing_id(row)}" if row else URL
    return getattr(client, method)(url, body, format="json", **headers)


def denied(action):
    return [
        {"message": f"Permission denied: `{action}` on `things`.", "status": 403, "code": "1404"}
    ]


def test_new_endpoint_is_usable_only_by_superusers(client, things, user, superuser):
    before = thing_rows()
    for action in CALLS:
        response = call(client, action, **bearer(user))
        assert response.status_code == 403
        assert response.json() == denied(action)
    assert thing_rows() == before
    for action in CALLS:
        assert call(client, action, **bearer(superuser)).status_code == CALLS[action][3]


@pytest.mark.parametrize("granted", list(CALLS))
def test_user_grant_allows_exactly_its_action(client, things, user, granted):
    grant(things, granted, user=user)
    for action in CALLS:
        response = call(client, action, **bearer(user))
        if action == granted:
            assert response.status_code == CALLS[action][3], response.content
        else:
            assert response.status_code == 403
            assert response.json() == denied(action)


@pytest.mark.parametrize("granted", list(CALLS))
def test_group_grant_allows_exactly_its_action(client, things, user, granted):
    grant(things, granted, group=group_with(user))
    for action in CALLS:
        status = call(client, action, **bearer(user)).status_code
        assert status == (CALLS[action][3] if action == granted else 403)


@pytest.mark.parametrize("granted", list(CALLS))
def test_key_grant_allows_exactly_its_action(client, things, user, granted):
    key, raw = make_key(user)
    grant(things, granted, api_key=key)
    for action in CALLS:
        status = call(client, action, HTTP_X_API_KEY=raw).status_code
        assert status == (CALLS[action][3] if action == granted else 403)


def test_put_needs_update_and_create(client, things, user):
    body = {"data": {"name": "alpha", "qty": 5}}
    url = f"{URL}/{thing_id('alpha')}"
    grant(things, "update", user=user)
    response = client.put(url, body, format="json", **bearer(user))
    assert response.json() == denied("create")
    EndpointPermission.objects.filter(user=user).update(can_create=True)  # no signal: triggers
    assert client.put(url, body, format="json", **bearer(user)).status_code == 200


def test_user_and_group_grants_add_up(client, things, user):
    grant(things, "view", user=user)
    grant(things, "create", group=group_with(user))
    assert call(client, "view", **bearer(user)).status_code == 200
    assert call(client, "create", **bearer(user)).status_code == 201
    assert call(client, "delete", **bearer(user)).status_code == 403


def test_key_has_only_its_own_grants_even_for_a_superuser_owner(client, things, superuser):
    key, raw = make_key(superuser)
    assert call(client, "view", HTTP_X_API_KEY=raw).json() == denied("view")
    grant(things, "view", api_key=key)
    assert call(client, "view", HTTP_X_API_KEY=raw).status_code == 200
    assert call(client, "delete", HTTP_X_API_KEY=raw).json() == denied("delete")


def test_owner_grants_do_not_reach_their_keys(client, things, user):
    grant(things, "view", user=user)
    _, raw = make_key(user)
    assert call(client, "view", HTTP_X_API_KEY=raw).status_code == 403


def test_grants_are_per_endpoint(client, things, user):
    other = make_endpoint(alias="others", table=OTHER_TABLE)
    grant(other, "view", "create", "update", "delete", user=user)
    assert call(client, "view", **bearer(user)).json() == denied("view")
    assert client.get("/dynamic-entity/others", **bearer(user)).status_code == 200


def test_changes_take_effect_at_once(client, things, user):
    headers = bearer(user)
    assert call(client, "view", **headers).status_code == 403
    permission = grant(things, "view", user=user)
    assert call(client, "view", **headers).status_code == 200
    permission.delete()
    assert call(client, "view", **headers).status_code == 403


def test_leaving_a_group_takes_effect_at_once(client, things, user):
    group = group_with(user)
    grant(things, "view", group=group)
    headers = bearer(user)
    assert call(client, "view", **headers).status_code == 200
    user.groups.remove(group)
    assert call(client, "view", **headers).status_code == 403


def test_renaming_an_endpoint_moves_its_grants(client, things, user):
    grant(things, "view", user=user)
    things.alias = "stuff"
    things.save()
    assert client.get("/dynamic-entity/stuff", **bearer(user)).status_code == 200


def fake_request(user=None, auth=None):
    return SimpleNamespace(user=user or AnonymousUser(), auth=auth)


class TestHotPath:
    def test_cached_check_costs_no_query(self, things, user, django_assert_num_queries):
        grant(things, "view", user=user)
        _, access, _ = AccessToken.objects.issue(user)
        token = AccessToken.objects.find_access(access)  # reads both versions along
        with django_assert_num_queries(1):
            assert has_endpoint_permission(fake_request(token.user, token), "things", "view")
        with django_assert_num_queries(0):
            assert has_endpoint_permission(fake_request(token.user, token), "things", "view")
            assert not has_endpoint_permission(fake_request(token.user, token), "things", "delete")

    def test_without_a_credential_lookup_one_query_reads_the_versions(
        self, things, user, django_assert_num_queries
    ):
        grant(things, "view", user=user)
        assert has_endpoint_permission(fake_request(user), "things", "view")
        with django_assert_num_queries(1):
            assert has_endpoint_permission(fake_request(user), "things", "view")

    def test_superuser_check_costs_no_query(self, superuser, django_assert_num_queries):
        with django_assert_num_queries(0):
            assert has_endpoint_permission(fake_request(superuser), "anything", "delete")

    def test_one_request_reads_the_cache_once(self, things, user):
        request = fake_request(user)
        has_endpoint_permission(request, "things", "view")
        assert request._dx_endpoint_grants == {}

    def test_anonymous_and_inactive_callers_have_nothing(self, things, user):
        grant(things, "view", user=user)
        assert not has_endpoint_permission(fake_request(), "things", "view")
        user.is_active = False
        assert not has_endpoint_permission(fake_request(user), "things", "view")

    def test_unknown_action_is_a_programming_error(self, user):
        with pytest.raises(ValueError):
            has_endpoint_permission(fake_request(user), "things", "drop")

    def test_key_principal(self, things, user):
        key, _ = make_key(user)
        grant(things, "update", api_key=key)
        request = fake_request(user, auth=key)
        assert has_endpoint_permission(request, "things", "update")
        assert not has_endpoint_permission(request, "things", "view")


class TestConstraints:
    def test_exactly_one_principal_is_validated(self, things, user):
        key, _ = make_key(user)
        for principals in ({}, {"user": user, "api_key": key}):
            permission = EndpointPermission(endpoint=things, can_view=True, **principals)
            with pytest.raises(ValidationError, match="exactly one of user, group or API key"):
                permission.full_clean()

    def test_exactly_one_principal_is_enforced_by_the_database(self, things, user):
        with pytest.raises(IntegrityError), transaction.atomic():
            EndpointPermission.objects.create(endpoint=things, can_view=True)

    def test_one_row_per_endpoint_and_principal(self, things, user):
        grant(things, "view", user=user)
        with pytest.raises(IntegrityError), transaction.atomic():
            grant(things, "create", user=user)

    def test_str_names_principal_and_actions(self, things, user):
        assert str(grant(things, "view", "delete", user=user)) == "clerk: view, delete on things"


def test_everything_works_without_a_real_cache(client, things, user, settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"dataexchange.user": "1/hour"},
    }
    grant(things, "view", user=user)
    headers = bearer(user)
    assert {call(client, "view", **headers).status_code for _ in range(3)} == {200}


def test_grants_version_row_comes_back_after_it_was_removed(things, user):
    """A flush or a restore may remove the version row; the next change of grants brings it
    back (an upsert in the triggers), and meanwhile grants are read, never served stale."""
    from dataexchange.auth.models import GrantsVersion

    GrantsVersion.objects.all().delete()
    grant(things, "view", user=user)
    assert GrantsVersion.objects.get(pk=1).version == 2
