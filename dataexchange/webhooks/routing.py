"""Which active subscriptions want which event of which endpoint: compiled once per
configuration version, so that code on the request path (a failed exchange) asks a dict, not
the database, and pays nothing when nobody subscribed.

Saving or deleting a subscription bumps the configuration version (`signals`), as saving an
endpoint does, so every process sees the change at its next request."""

import threading
from dataclasses import dataclass

from dataexchange import registry
from dataexchange.models import ConfigurationVersion


@dataclass(frozen=True, slots=True)
class Route:
    """One active subscription wanting one event: for these endpoint aliases (None: all)."""

    subscription_id: int
    aliases: frozenset | None

    def matches(self, alias):
        return self.aliases is None or alias in self.aliases


_state = {"version": None, "routes": {}}
_lock = threading.Lock()


def routes_for(event, alias):
    """Return the ids of active subscriptions that want `event` of endpoint `alias`."""
    return [r.subscription_id for r in routing_table().get(event, ()) if r.matches(alias)]


def routing_table():
    """Return {event: (Route, ...)} for the configuration version this process last read."""
    version = current_version()
    if _state["version"] != version:
        with _lock:
            if _state["version"] != version:
                _state["routes"], _state["version"] = routes_compile(), version
    return _state["routes"]


def current_version():
    """Return the configuration version the current request already read (the registry's
    snapshot; no query), or read it when this process has none yet."""
    snapshot = registry._state["snapshot"]
    return snapshot.version if snapshot is not None else ConfigurationVersion.current()


def routes_compile():
    """Read the active subscriptions; return {event: (Route, ...)}."""
    from dataexchange.webhooks.models import Subscription

    table = {}
    for subscription in Subscription.objects.filter(is_active=True).prefetch_related("endpoints"):
        aliases = frozenset(e.alias for e in subscription.endpoints.all()) or None
        for event in subscription.events:
            table.setdefault(event, []).append(Route(subscription.pk, aliases))
    return {event: tuple(routes) for event, routes in table.items()}


def forget():
    """Drop the compiled routes (tests)."""
    _state["version"] = None
