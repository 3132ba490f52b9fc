"""Throttles for the API and `/token`, counted in Django's cache so that every worker process
sharing it (CACHE_URL=redis://…) enforces the same limits.

Counting uses fixed windows and the cache's atomic `add` + `incr`, not DRF's read-modify-write
request history, so concurrent requests cannot slip past a limit. Rates come from
`REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]`, read at request time; a missing or empty rate means
no limit. Scopes:

  dataexchange.user            API requests per user (bearer token or session)
  dataexchange.api_key         API requests per API key (a key's own `rate` overrides it)
  dataexchange.token_ip        `POST /token` requests per client IP
  dataexchange.token_username  failed `POST /token` logins per username
"""

import hashlib
import math
import time

from django.core.cache import cache

from rest_framework.settings import api_settings
from rest_framework.throttling import BaseThrottle

from dataexchange.auth.models import ApiKey

PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_rate(rate):
    """Return (requests, seconds) of a DRF-style rate such as `100/min`, or None for no limit."""
    if not rate:
        return None
    count, period = rate.split("/")
    return int(count), PERIODS[period[0].lower()]


class CounterThrottle(BaseThrottle):
    """Allow `requests` per `seconds` window for each identity returned by `get_ident_key`."""

    scope = None

    def get_rate(self, request):
        """Return the rate string that applies to `request`."""
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)

    def get_ident_key(self, request):
        """Return what the limit is counted per, or None to leave `request` unthrottled."""
        raise NotImplementedError

    def window(self, request):
        """Return (cache key, allowed, seconds) for `request`'s current window, or None."""
        rate = parse_rate(self.get_rate(request))
        ident = self.get_ident_key(request) if rate else None
        if ident is None:
            return None
        allowed, seconds = rate
        now = time.time()
        start = int(now // seconds)
        self.wait_seconds = max(1, math.ceil((start + 1) * seconds - now))
        return f"dx:throttle:{self.scope}:{ident}:{start}", allowed, seconds

    def allow_request(self, request, view):
        window = self.window(request)
        if window is None:
            return True
        key, allowed, seconds = window
        return increment(key, seconds) <= allowed

    def wait(self):
        return getattr(self, "wait_seconds", None)


def increment(key, seconds):
    """Atomically add one to the counter `key`, creating it for `seconds`; return the count."""
    cache.add(key, 0, timeout=seconds + 1)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=seconds + 1)
        return 1


class UserRateThrottle(CounterThrottle):
    """Limit API requests per authenticated user (not when an API key authenticated)."""

    scope = "dataexchange.user"

    def get_ident_key(self, request):
        user = getattr(request, "user", None)
        if isinstance(request.auth, ApiKey) or not (user and user.is_authenticated):
            return None
        return user.pk


class ApiKeyRateThrottle(CounterThrottle):
    """Limit API requests per API key, at the key's own rate or the scope's default."""

    scope = "dataexchange.api_key"

    def get_rate(self, request):
        key = getattr(request, "auth", None)
        if isinstance(key, ApiKey) and key.rate:
            return key.rate
        return super().get_rate(request)

    def get_ident_key(self, request):
        key = getattr(request, "auth", None)
        return key.pk if isinstance(key, ApiKey) else None


class TokenIpThrottle(CounterThrottle):
    """Limit `POST /token` requests per client address (NUM_PROXIES decides which one)."""

    scope = "dataexchange.token_ip"

    def get_ident_key(self, request):
        return self.get_ident(request)


class TokenUsernameThrottle(CounterThrottle):
    """Limit failed logins per username: checked before, counted by the view after a failure,
    so a user who logs in correctly is never slowed down by their own successes."""

    scope = "dataexchange.token_username"

    def get_ident_key(self, request):
        username = request.data.get("username") if hasattr(request.data, "get") else None
        if not isinstance(username, str) or not username:
            return None
        return hash_ident(username.strip().lower())

    def allow_request(self, request, view):
        window = self.window(request)
        if window is None:
            return True
        key, allowed, _ = window
        return (cache.get(key) or 0) < allowed

    def record_failure(self, request):
        """Count one failed login for the username of `request`."""
        window = self.window(request)
        if window is not None:
            key, _, seconds = window
            increment(key, seconds)


def hash_ident(text):
    """Return a short digest of `text`, keeping cache keys short, safe and free of user input."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:32]
