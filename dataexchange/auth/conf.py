"""Settings of API access: one namespaced dict, `settings.DATA_EXCHANGE_AUTH`, read lazily.

Throttle rates live in `REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]` under the scopes named in
`dataexchange.auth.throttling`, where DRF users expect them.
"""

from dataexchange.namespaced_settings import Namespace

DEFAULTS = {
    # Lifetime of an access token in seconds (SPEC A8: 8 hours).
    "ACCESS_TOKEN_LIFETIME": 8 * 60 * 60,
    # Lifetime of a refresh token in seconds; each one is single-use and rotates.
    "REFRESH_TOKEN_LIFETIME": 30 * 24 * 60 * 60,
    # How long a principal's endpoint grants stay cached (seconds). Only bounds memory: the
    # cache key holds the grants version the database bumps on every change, so changes
    # are honoured at the next request of every process.
    "PERMISSION_CACHE_TTL": 30,
    # An API key's last use is written at most this often (seconds), not on every request.
    "API_KEY_LAST_USED_INTERVAL": 60,
}


_namespace = Namespace("DATA_EXCHANGE_AUTH", DEFAULTS)
get = _namespace.get
