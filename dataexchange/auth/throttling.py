"""Throttles for the API and `/token`, counted in Django's cache so that every worker process
sharing it (CACHE_URL=redis://…) enforces the same limits.

Each limit is a sliding window: the count of the current fixed window plus the previous
window's count weighted by the part of it still inside the last `period`. Counts change only by
the cache's atomic `incr`/`decr` (not DRF's read-modify-write request history), so concurrent
requests cannot slip past a limit, and there is no burst of twice the rate at window edges.
Refused requests do not count. Rates come from `REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]`,
read at request time; a missing or empty rate means no limit. Scopes:

  dataexchange.user            API requests per user (bearer token or session)
  dataexchange.api_key         API requests per API key (a key's own `rate` overrides it)
  dataexchange.token_ip        `POST /token` requests per client IP
  dataexchange.token_username  failed `POST /token` logins per client IP and account (a
                               username and its email are one account), so nobody elsewhere
                               can lock a user out, nor guess twice by naming them twice
"""

import hashlib
import math
import time
from abc import ABCMeta, abstractmethod
from dataclasses import dataclass

from django.core.cache import cache

from rest_framework.settings import api_settings
from rest_framework.throttling import BaseThrottle

from dataexchange.auth.models import ApiKey
from dataexchange.auth.services import login_name

PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_rate(rate):
    """Return (requests, seconds) of a DRF-style rate such as `100/min`, or None for no limit."""
    if not rate:
        return None
    count, period = rate.split("/")
    return int(count), PERIODS[period[0].lower()]


@dataclass(frozen=True, slots=True)
class Window:
    """Where one identity's counts live right now, and how far the current fixed window has run."""

    key: str
    previous_key: str
    allowed: int
    seconds: int
    elapsed: float  # fraction of the current fixed window gone, in [0, 1)

    @classmethod
    def at(cls, prefix, allowed, seconds, now):
        """Return the window of counter `prefix` at time `now`."""
        index, rest = divmod(now, seconds)
        return cls(
            f"{prefix}:{int(index)}", f"{prefix}:{int(index) - 1}", allowed, seconds, rest / seconds
        )

    def estimate(self, current, previous):
        """Return the count over the last `seconds`, assuming the previous window was even."""
        return previous * (1 - self.elapsed) + current

    def wait(self, current, previous):
        """Return whole seconds until one more request fits, if no other is counted meanwhile."""
        room = self.allowed - 1 - current
        if room >= 0 and previous > room:
            fraction = 1 - room / previous - self.elapsed  # later in this window
        else:
            next_window = max(0.0, 1 - (self.allowed - 1) / current) if current else 0.0
            fraction = 1 - self.elapsed + next_window
        return max(1, math.ceil(fraction * self.seconds))


class CounterThrottle(BaseThrottle, metaclass=ABCMeta):
    """Allow `requests` per `period` for each identity returned by `get_ident_key`."""

    scope = None
    timer = staticmethod(time.time)

    def get_rate(self, request):
        """Return the rate string that applies to `request`."""
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)

    @abstractmethod
    def get_ident_key(self, request):
        """Return what the limit is counted per, or None to leave `request` unthrottled."""

    def window(self, request):
        """Return the Window counting `request`, or None when no limit applies."""
        rate = parse_rate(self.get_rate(request))
        ident = self.get_ident_key(request) if rate else None
        if ident is None:
            return None
        return Window.at(f"dx:throttle:{self.scope}:{ident}", *rate, self.timer())

    def allow_request(self, request, view):
        window = self.window(request)
        if window is None:
            return True
        current = increment(window.key, window.seconds)
        previous = cache.get(window.previous_key) or 0
        if window.estimate(current, previous) <= window.allowed:
            return True
        decrement(window.key)
        self.wait_seconds = window.wait(current - 1, previous)
        return False

    def wait(self):
        return getattr(self, "wait_seconds", None)


def increment(key, seconds):
    """Atomically add one to the counter `key`; return the new count. The counter lives for two
    windows, as the next window weighs it in."""
    cache.add(key, 0, timeout=2 * seconds + 1)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr, or a cache without counters
        cache.add(key, 1, timeout=2 * seconds + 1)
        return 1


def decrement(key):
    """Take back one count of `key` (a refused request does not count)."""
    try:
        cache.decr(key)
    except ValueError:
        pass


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


class TokenAccountThrottle(CounterThrottle):
    """Limit failed logins per (client address, account): checked before, counted by the view
    after a failure, so a user who logs in correctly is never slowed down by their own
    successes, and failures from another address never lock them out."""

    scope = "dataexchange.token_username"  # the documented name of the rate

    def get_ident_key(self, request):
        """Return the (address, account) key, resolved once per request (an email costs a
        query, and the view counts a failure after checking)."""
        if not hasattr(request, "_dx_login_ident"):
            username = request.data.get("username") if hasattr(request.data, "get") else None
            request._dx_login_ident = None
            if isinstance(username, str) and username:
                account = login_name(username).account
                request._dx_login_ident = hash_ident(f"{self.get_ident(request)}\n{account}")
        return request._dx_login_ident

    def allow_request(self, request, view):
        window = self.window(request)
        if window is None:
            return True
        counts = cache.get_many([window.key, window.previous_key])
        current, previous = counts.get(window.key, 0), counts.get(window.previous_key, 0)
        if window.estimate(current, previous) < window.allowed:
            return True
        self.wait_seconds = window.wait(current, previous)
        return False

    def record_failure(self, request):
        """Count one failed login for the username of `request`."""
        window = self.window(request)
        if window is not None:
            increment(window.key, window.seconds)


def hash_ident(text):
    """Return a short digest of `text`, keeping cache keys short, safe and free of user input."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:32]
