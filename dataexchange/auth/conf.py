"""Settings of API access: one namespaced dict, `settings.DATA_EXCHANGE_AUTH`, read lazily.

Throttle rates live in `REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]` under the scopes named in
`dataexchange.auth.throttling`, where DRF users expect them.
"""

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

DEFAULTS = {
    # Lifetime of an access token in seconds (SPEC A8: 8 hours).
    "ACCESS_TOKEN_LIFETIME": 8 * 60 * 60,
    # Lifetime of a refresh token in seconds; each one is single-use and rotates.
    "REFRESH_TOKEN_LIFETIME": 30 * 24 * 60 * 60,
    # How long a principal's endpoint grants stay cached (seconds). Changes invalidate the
    # shared cache at once; the TTL bounds staleness when each process has its own cache.
    "PERMISSION_CACHE_TTL": 30,
    # An API key's last use is written at most this often (seconds), not on every request.
    "API_KEY_LAST_USED_INTERVAL": 60,
}


def get(name):
    """Return the DATA_EXCHANGE_AUTH setting `name`, falling back to its default."""
    user = getattr(settings, "DATA_EXCHANGE_AUTH", {})
    unknown = set(user) - set(DEFAULTS)
    if unknown:
        raise ImproperlyConfigured(
            f"Unknown DATA_EXCHANGE_AUTH settings: {', '.join(sorted(unknown))}"
        )
    if name not in DEFAULTS:
        raise KeyError(name)
    return user.get(name, DEFAULTS[name])
