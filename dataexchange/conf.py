"""Settings of the product: one namespaced dict, `settings.DATA_EXCHANGE`, read lazily."""

from dataexchange.namespaced_settings import Namespace

DEFAULTS = {
    # URL prefix of the Data Exchange routes.
    "ROUTE_PREFIX": "dynamic-entity",
    # Extra table names that may never be exposed, on top of the built-in list.
    "DISALLOWED_TABLES": [],
    # Guardrails (SPEC B2), overridable per endpoint.
    "MAX_BATCH_SIZE": 10000,
    "MAX_PAGE_LIMIT": 10000,
    # Most rows one collection DELETE may remove; more matching rows answer 1411.
    "MAX_DELETE_ROWS": 1000,
    # Default page size when a request does not give both page parameters (SPEC A3).
    "DEFAULT_PAGE_LIMIT": 1000,
    # Largest request body accepted by the API, in bytes.
    "MAX_BODY_BYTES": 50 * 1024 * 1024,
    # Longest query string accepted by the API and `/token`, in bytes (414 `1413` beyond it).
    "MAX_QUERY_STRING_BYTES": 64 * 1024,
    # Maximum nesting depth of write bodies, in JSON levels (`{"data":[{}]}` is 3; 1412 above,
    # and never more than 100), and of include chains, in relations.
    "MAX_JSON_DEPTH": 32,
    # Idempotency-Key: how long the first answer to a key is kept, and how long a running
    # request holds its key before a retry may take it over (longer than any request runs).
    "IDEMPOTENCY_TTL_SECONDS": 24 * 60 * 60,
    "IDEMPOTENCY_LEASE_SECONDS": 300,
    # With read replicas (DATABASE_REPLICA_URLS): seconds after a user's write during which
    # their reads go to the primary, so that a client reads its own writes (replicas.py).
    "READ_YOUR_WRITES_SECONDS": 5,
    # The credential a Prometheus server sends to `/metrics` (`Authorization: Bearer <it>`);
    # empty: only superusers' credentials may scrape.
    "METRICS_TOKEN": "",
}


_namespace = Namespace("DATA_EXCHANGE", DEFAULTS)
get = _namespace.get
