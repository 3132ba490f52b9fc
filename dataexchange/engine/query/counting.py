"""Query stage — exact counts (SPEC B5): `Prefer: count=exact` adds `X-Total-Count` to a GET
collection."""

from dataclasses import dataclass

from dataexchange.engine.query import sql
from dataexchange.engine.query.cursor import db_cursor
from dataexchange.errors import Code, fail

HEADER = "Prefer"
PREFERENCE = "count=exact"
COUNT_VALUES = frozenset({"exact"})
RESPOND_ASYNC = "respond-async"


@dataclass(frozen=True, slots=True)
class Preferences:
    """What a `Prefer` header asks of this API; preferences it does not know are not kept."""

    count: str | None = None  # "exact"
    respond_async: bool = False  # RFC 7240 `respond-async`: a write answers 202 and a job


NO_PREFERENCES = Preferences()


def parse_prefer(value):
    """Return the Preferences of a `Prefer` value (RFC 7240: comma-separated `name[=value]`,
    names and values in any case, `;` parameters and unknown preferences ignored); raise 1410
    for a `count` value this API does not know."""
    if not value:
        return NO_PREFERENCES
    count, respond_async = None, False
    for preference in value.split(","):
        name, _, token = preference.split(";", 1)[0].partition("=")
        name = name.strip().lower()
        respond_async = respond_async or name == RESPOND_ASYNC
        if name != "count":
            continue
        count = token.strip().strip('"').lower()
        if count not in COUNT_VALUES:
            fail(
                Code.BAD_HEADER,
                header=HEADER,
                reason="the only `count` preference is `count=exact`",
            )
    return Preferences(count=count, respond_async=respond_async)


def count_rows(plan):
    """Return how many rows match the plan's conditions, ignoring its paging."""
    if plan.impossible:
        return 0
    where, params = sql.where_clause(plan.conditions)
    with db_cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {plan.endpoint.quoted_table}{where}", params)
        return cursor.fetchone()[0]


def count_headers(preferences, plan):
    """Return the response headers answering `Prefer: count=exact`, or {} when not asked."""
    if preferences.count != "exact":
        return {}
    return {"X-Total-Count": str(count_rows(plan)), "Preference-Applied": PREFERENCE}
