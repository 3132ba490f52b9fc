"""Per-endpoint permissions (SPEC B1)."""

ACTIONS = ("view", "create", "update", "delete")


def has_endpoint_permission(request, alias, action):
    """Return whether the caller of `request` may perform `action` on endpoint `alias`."""
    user = getattr(request, "user", None)
    return bool(user and user.is_authenticated)
