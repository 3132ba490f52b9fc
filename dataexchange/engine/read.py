"""Execute stage for GET: one query per page, one per included relation level."""

from dataexchange.engine import sql
from dataexchange.engine.read_plan import Condition, plan_read
from dataexchange.engine.render import render_rows
from dataexchange.engine.types import Unmatchable
from dataexchange.errors import fail


def identifier_condition(endpoint, url_id):
    """Return the condition selecting the row with identifier `url_id`, or None if impossible."""
    try:
        return Condition(endpoint.identifier, "eq", endpoint.identifier.parse(url_id))
    except (Unmatchable, ValueError):
        return None


def read_collection(snapshot, endpoint, raw_query):
    """Return the rendered rows of one page (SPEC A3), with includes."""
    plan = plan_read(snapshot, endpoint, raw_query)
    if plan.impossible:
        return []
    rows = sql.select(endpoint, plan.conditions, offset=plan.offset, limit=plan.limit)
    return render_rows(endpoint, rows, plan.includes)


def read_one(snapshot, endpoint, raw_query, url_id):
    """Return the rendered row with identifier `url_id`, or raise 1303."""
    plan = plan_read(snapshot, endpoint, raw_query, paged=False)
    condition = identifier_condition(endpoint, url_id)
    if condition is None or plan.impossible:
        fail("1303", errorPath=endpoint.alias)
    rows = sql.select(endpoint, (*plan.conditions, condition), limit=1)
    if not rows:
        fail("1303", errorPath=endpoint.alias)
    return render_rows(endpoint, rows, plan.includes)[0]
