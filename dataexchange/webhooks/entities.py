"""Rows as an endpoint shows them now (visible names, API types), for entity event payloads."""

from dataexchange import registry
from dataexchange.engine.plan.read_plan import Condition
from dataexchange.engine.plan.types import Unmatchable
from dataexchange.engine.query import sql
from dataexchange.engine.render.rows import render_rows


def rows_now(alias, identifiers):
    """Return {identifier as text: rendered row} of those `identifiers` whose rows exist on
    endpoint `alias` now (one query); {} when the endpoint is not served any more."""
    endpoint = registry.snapshot().get(alias)
    if endpoint is None or not identifiers:
        return {}
    values = []
    for identifier in dict.fromkeys(identifiers):
        try:
            values.append(endpoint.identifier.parse(identifier))
        except (Unmatchable, ValueError):
            continue
    if not values:
        return {}
    rows = sql.select(endpoint, (Condition(endpoint.identifier, "in", values),))
    rendered = render_rows(endpoint, rows)
    name = endpoint.identifier.name
    return {str(row[name]): row for row in rendered}
