"""Per-endpoint permissions (SPEC B1): may this caller view, create, update or delete here?

A principal is the API key of the request when one authenticated it, else the user. A key has
exactly the grants written for it, whoever owns it; a user has the union of their own and their
groups' grants; an active superuser (not one of their keys) has everything. An endpoint nobody
was granted is therefore usable by superusers only.

The grants of a principal are read in one query and cached under the configuration version
(aliases) and the grants version, which database triggers bump on every change of grants or group
membership (migration 0003). The credential lookup reads both versions in its own statement, so
a cached check costs no query, and a change made by any process is honoured by every process at
its next request. Requests authenticated otherwise (the session) read both in one query.
"""

from dataclasses import dataclass

from django.core.cache import cache
from django.db.models import Q

from dataexchange.auth import conf
from dataexchange.auth.models import (
    ACTIONS,
    CURRENT_GRANTS_SQL,
    ApiKey,
    EndpointPermission,
    fetch_one,
)
from dataexchange.models import CURRENT_VERSION_SQL

VERSIONS_SQL = f"SELECT ({CURRENT_VERSION_SQL}), ({CURRENT_GRANTS_SQL})"
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
        grants = cached_grants(principal, versions_of(request))
        setattr(request, REQUEST_MEMO, grants)
    return action in grants.get(alias, ())


def versions_of(request):
    """Return (configuration version, grants version) as the credential lookup read them, or
    read both in one query when it did not."""
    auth = getattr(request, "auth", None)
    config, grants = (getattr(auth, name, None) for name in ("config_version", "grants_version"))
    if config is None or grants is None:
        config, grants = fetch_one(VERSIONS_SQL, ())
    return config, grants


def cached_grants(principal, versions):
    """Return {alias: frozenset(actions)} of `principal` under `versions`, cached when possible.

    Without a grants version (its row missing until the next change of grants) nothing could
    make a cached map stale, so the grants are read every time."""
    if versions[1] is None:
        return load_grants(principal)
    key = f"dx:auth:grants:{versions[0]}:{versions[1]}:{principal.kind}:{principal.id}"
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
