"""Throttles: API rates per user and per key, `/token` per IP and per (IP, account) failures."""

from types import SimpleNamespace

import pytest

from dataexchange.auth.throttling import UserRateThrottle, Window, increment, parse_rate
from tests.auth.conftest import PASSWORD, bearer, grant, make_key

URL = "/dynamic-entity/things"


@pytest.fixture
def rates(settings):
    """Return a function setting throttle rates for this test (unset scopes: unlimited)."""

    def set_rates(**scopes):
        settings.REST_FRAMEWORK = {
            **settings.REST_FRAMEWORK,
            "DEFAULT_THROTTLE_RATES": {f"dataexchange.{k}": v for k, v in scopes.items()},
        }

    return set_rates


def assert_throttled(response, keys=("message", "status", "code")):
    assert response.status_code == 429
    (error,) = response.json()
    assert list(error) == list(keys)
    assert error["code"] == "1409" and error["status"] == 429
    wait = int(response["Retry-After"])
    assert 1 <= wait <= 2 * 3600
    assert error["message"] == f"Too many requests. Try again in {wait} seconds."


def login(client, username="clerk", password=PASSWORD, **extra):
    data = {"grant_type": "password", "username": username, "password": password}
    return client.post("/token", data, **extra)


class TestApi:
    def test_user_rate(self, client, things, superuser, user, rates):
        rates(user="2/hour")
        headers = bearer(superuser)
        assert [client.get(URL, **headers).status_code for _ in range(2)] == [200, 200]
        assert_throttled(client.get(URL, **headers))
        assert client.get(URL, **bearer(user)).status_code == 403  # another user's own budget

    def test_user_limit_holds_across_that_users_tokens(self, client, things, superuser, rates):
        rates(user="1/hour")
        assert client.get(URL, **bearer(superuser)).status_code == 200
        assert_throttled(client.get(URL, **bearer(superuser)))

    def test_key_rate_from_settings(self, client, things, user, rates):
        rates(api_key="1/hour", user="100/hour")
        key, raw = make_key(user)
        grant(things, "view", api_key=key)
        assert client.get(URL, HTTP_X_API_KEY=raw).status_code == 200
        assert_throttled(client.get(URL, HTTP_X_API_KEY=raw))

    def test_key_own_rate_overrides_the_default(self, client, things, user, rates):
        rates(api_key="1/hour")
        key, raw = make_key(user, rate="3/hour")
        grant(things, "view", api_key=key)
        statuses = [client.get(URL, HTTP_X_API_KEY=raw).status_code for _ in range(4)]
        assert statuses == [200, 200, 200, 429]

    def test_key_and_owner_have_separate_budgets(self, client, things, superuser, rates):
        rates(api_key="1/hour", user="1/hour")
        key, raw = make_key(superuser)
        grant(things, "view", api_key=key)
        assert client.get(URL, HTTP_X_API_KEY=raw).status_code == 200
        assert client.get(URL, **bearer(superuser)).status_code == 200

    def test_no_rate_means_no_limit(self, client, things, superuser, rates):
        rates()
        headers = bearer(superuser)
        assert {client.get(URL, **headers).status_code for _ in range(20)} == {200}


class TestToken:
    def test_per_ip(self, client, user, rates):
        rates(token_ip="2/hour")
        assert login(client).status_code == 200
        assert login(client, password="wrong").status_code == 400
        response = login(client)
        assert_throttled(response, keys=("status", "code", "message"))
        assert login(client, REMOTE_ADDR="10.0.0.9").status_code == 200

    def test_forged_forwarded_for_does_not_dodge_the_ip_limit(self, client, user, rates):
        rates(token_ip="1/hour")
        assert login(client, HTTP_X_FORWARDED_FOR="1.1.1.1").status_code == 200
        assert login(client, HTTP_X_FORWARDED_FOR="2.2.2.2").status_code == 429

    def test_trusted_proxy_uses_forwarded_for(self, client, user, rates, settings):
        rates(token_ip="1/hour")
        settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
        assert login(client, HTTP_X_FORWARDED_FOR="1.1.1.1").status_code == 200
        assert login(client, HTTP_X_FORWARDED_FOR="2.2.2.2").status_code == 200
        assert login(client, HTTP_X_FORWARDED_FOR="2.2.2.2").status_code == 429

    def test_failed_logins_per_username(self, client, user, rates, django_user_model):
        django_user_model.objects.create_user("other", password=PASSWORD)
        rates(token_username="2/hour")
        assert login(client, password="wrong").status_code == 400
        assert login(client, username="CLERK", password="wrong").status_code == 400
        assert_throttled(login(client), keys=("status", "code", "message"))
        assert login(client, username="other", REMOTE_ADDR="10.0.0.2").status_code == 200

    def test_failures_from_elsewhere_do_not_lock_the_user_out(self, client, user, rates):
        rates(token_username="2/hour")
        attacker = {"REMOTE_ADDR": "10.6.6.6"}
        assert {login(client, password="wrong", **attacker).status_code for _ in range(2)} == {400}
        assert_throttled(login(client, **attacker), keys=("status", "code", "message"))
        assert login(client).status_code == 200  # the real user, from their own address

    def test_username_and_email_share_one_counter(self, client, user, rates):
        rates(token_username="2/hour")
        assert login(client, password="wrong").status_code == 400
        assert login(client, username="Clerk@Example.com", password="wrong").status_code == 400
        assert login(client, username="clerk@example.com").status_code == 429
        assert login(client).status_code == 429

    def test_unknown_names_have_their_own_counter(self, client, user, rates):
        rates(token_username="1/hour")
        assert login(client, username="ghost", password="wrong").status_code == 400
        assert login(client, username="ghost@example.com", password="wrong").status_code == 400
        assert login(client, username="ghost").status_code == 429
        assert login(client, password="wrong").status_code == 400
        assert login(client, username="clerk@example.com").status_code == 429

    def test_successful_logins_do_not_count_against_the_username(self, client, user, rates):
        rates(token_username="1/hour")
        assert {login(client).status_code for _ in range(5)} == {200}


def test_parse_rate():
    assert parse_rate("100/min") == (100, 60)
    assert parse_rate("5/s") == (5, 1)
    assert parse_rate("7/h") == (7, 3600)
    assert parse_rate("1/day") == (1, 86400)
    assert parse_rate("") is None and parse_rate(None) is None


def test_counter_is_atomic_and_starts_at_one():
    assert [increment("dx:test:counter", 60) for _ in range(3)] == [1, 2, 3]


class TestSlidingWindow:
    def test_window_position(self):
        window = Window.at("k", 10, 60, now=150.0)
        assert (window.key, window.previous_key, window.elapsed) == ("k:2", "k:1", 0.5)

    def test_previous_window_is_weighted_by_its_overlap(self):
        window = Window("k:2", "k:1", 10, 100, 0.5)
        assert window.estimate(current=3, previous=10) == 8

    def test_wait_within_the_window_when_the_previous_one_weighs(self):
        window = Window("k:2", "k:1", 10, 100, 0.5)
        assert window.wait(current=3, previous=20) == 20  # at 0.7: 20 * 0.3 + 3 + 1 == 10

    def test_wait_into_the_next_window_when_the_current_one_is_full(self):
        window = Window("k:2", "k:1", 2, 100, 0.25)
        assert window.wait(current=2, previous=0) == 125  # then 2 * 0.5 + 1 == 2

    def test_no_fresh_budget_right_after_a_window_edge(self, monkeypatch, rates, superuser):
        rates(user="3/min")
        request = SimpleNamespace(user=superuser, auth=None)
        clock = iter([119.0, 119.5, 119.9, 120.1, 120.2])
        monkeypatch.setattr(UserRateThrottle, "timer", staticmethod(lambda: next(clock)))
        allowed = [UserRateThrottle().allow_request(request, None) for _ in range(5)]
        assert allowed == [True, True, True, False, False]

    def test_refused_requests_do_not_count(self, monkeypatch, rates, superuser):
        rates(user="2/min")
        request = SimpleNamespace(user=superuser, auth=None)
        clock = iter([0.0, 1.0, 2.0, 3.0, 4.0, 90.0])
        monkeypatch.setattr(UserRateThrottle, "timer", staticmethod(lambda: next(clock)))
        allowed = [UserRateThrottle().allow_request(request, None) for _ in range(6)]
        # at 90 s the previous window's 2 weigh 2 * 0.5 = 1, so one more fits
        assert allowed == [True, True, False, False, False, True]
