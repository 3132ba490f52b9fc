"""Per-endpoint permissions (SPEC B1): may this caller view, create, update or delete here?

A principal is the API key of the request when one authenticated it, else the user. A key has
exactly the grants written for it, whoever owns it; a user has the union of their own and their
groups' grants; an active superuser (not one of their keys) has everything. An endpoint nobody
was granted is therefore usable by superusers only.

The grants of a principal are read in one query and kept in the shared cache under a generation
number that every change of grants, group membership or alias bumps (see `signals`), so the hot
path costs no query while cached.
"""

import time
from dataclasses import dataclass

from django.core.cache import cache
from django.db.models import Q

from dataexchange.auth import conf
from dataexchange.auth.models import ACTIONS, ApiKey, EndpointPermission

GENERATION_KEY = "dx:auth:perm-generation"
REQUEST_MEMO = "_dx_endpoint_grants"


@dataclass(frozen=True, slots=True)
class Principal:
    """Who a permission decision is about: a user or an API key."""

    kind: str  # "user" or "key"
    id: int
    is_superuser: bool


def principal_of(request):
    """Return the Principal of an authenticated request, or None for an anonymous one."""
    auth = getattr(request, "auth", None)
    if isinstance(auth, ApiKey):
        return Principal("key", auth.pk, False)
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not user.is_active:
        return None
    return Principal("user", user.pk, user.is_superuser)


def has_endpoint_permission(request, alias, action):
    """Return whether the caller of `request` may perform `action` on endpoint `alias`."""
    if action not in ACTIONS:
        raise ValueError(f"Unknown action {action!r}; expected one of {ACTIONS}.")
    principal = principal_of(request)
    if principal is None:
        return False
    if principal.is_superuser:
        return True
    grants = getattr(request, REQUEST_MEMO, None)
    if grants is None:
        grants = cached_grants(principal)
        setattr(request, REQUEST_MEMO, grants)
    return action in grants.get(alias, ())


def cached_grants(principal):
    """Return {alias: frozenset(actions)} of `principal`, from the cache when possible."""
    key = f"dx:auth:grants:{generation()}:{principal.kind}:{principal.id}"
    grants = cache.get(key)
    if grants is None:
        grants = load_grants(principal)
        cache.set(key, grants, conf.get("PERMISSION_CACHE_TTL"))
    return grants


def load_grants(principal):
    """Return {alias: frozenset(actions)} of `principal`, read in one query."""
    if principal.kind == "key":
        rows = EndpointPermission.objects.filter(api_key_id=principal.id)
    else:
        rows = EndpointPermission.objects.filter(
            Q(user_id=principal.id) | Q(group__user__id=principal.id)
        )
    flags = [f"can_{action}" for action in ACTIONS]
    grants = {}
    for alias, *granted in rows.values_list("endpoint__alias", *flags):
        actions = {action for action, ok in zip(ACTIONS, granted) if ok}
        grants[alias] = grants.get(alias, frozenset()) | actions
    return grants


def generation():
    """Return the current grants generation (0 until the first change)."""
    return cache.get(GENERATION_KEY, 0)


def bump_generation():
    """Make every cached grant map stale, in every process sharing the cache."""
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:  # never set, or evicted: start from a number no earlier entry used
        cache.set(GENERATION_KEY, time.time_ns(), timeout=None)
