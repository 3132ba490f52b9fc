"""Exact counts (SPEC B5): `Prefer: count=exact` adds `X-Total-Count` to a GET collection."""

from django.db import connection

from dataexchange.engine import sql
from dataexchange.engine.read_plan import plan_read

PREFERENCE = "count=exact"


def prefers_exact_count(headers):
    """Return whether a `Prefer` header (RFC 7240, comma-separated) asks for `count=exact`."""
    preferences = (headers.get("Prefer") or "").split(",")
    return any(p.split(";", 1)[0].strip().lower() == PREFERENCE for p in preferences)


def count_rows(plan):
    """Return how many rows match the plan's conditions, ignoring paging."""
    if plan.impossible:
        return 0
    where, params = sql.where_clause(plan.conditions)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {plan.endpoint.quoted_table}{where}", params)
        return cursor.fetchone()[0]


def count_headers(headers, snapshot, endpoint, raw_query):
    """Return the response headers answering `Prefer: count=exact`, or {} when not asked."""
    if not prefers_exact_count(headers):
        return {}
    total = count_rows(plan_read(snapshot, endpoint, raw_query, paged=False))
    return {"X-Total-Count": str(total), "Preference-Applied": PREFERENCE}
