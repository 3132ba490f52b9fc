"""Execute stage for GET: one query per page, one per included relation level."""

from typing import NamedTuple

from dataexchange.engine.plan.read_plan import Condition, plan_read
from dataexchange.engine.plan.sorting import order_by_sql, project, project_rows
from dataexchange.engine.plan.types import Unmatchable
from dataexchange.engine.query import sql
from dataexchange.engine.query.includes import load_includes
from dataexchange.engine.render.etag import etag_of_rendered
from dataexchange.engine.render.rows import nest, render_rows
from dataexchange.errors import Code, fail


def identifier_condition(endpoint, url_id):
    """Return the condition selecting the row with identifier `url_id`, or None if impossible."""
    try:
        return Condition(endpoint.identifier, "eq", endpoint.identifier.parse(url_id))
    except (Unmatchable, ValueError):
        return None


def read_collection(snapshot, endpoint, raw_query):
    """Return the rendered rows of one page (SPEC A3), with includes."""
    return read_page(plan_read(snapshot, endpoint, raw_query))


def read_page(plan, *, rows=None):
    """Return the rendered rows of the page `plan` selects, with includes; `rows` are those
    of `page_statement`, when they were read ahead (api.read_ahead)."""
    endpoint = plan.endpoint
    if plan.impossible:
        return []
    if rows is None:
        order_by = order_by_sql(endpoint, plan.order)
        rows = sql.select(
            endpoint, plan.conditions, offset=plan.offset, limit=plan.limit, order_by=order_by
        )
    included = load_includes(endpoint, rows, plan.includes)
    return project_rows(endpoint, render_rows(endpoint, rows, included), plan.fields)


class Entity(NamedTuple):
    """One rendered row and the ETag of its stored values (SPEC B8)."""

    row: dict
    etag: str


def page_statement(plan):
    """Return (SQL, params) reading the rows of `read_page` numbered in their order (the
    number first), or None when no row can match (read_page answers [] without a query)."""
    if plan.impossible:
        return None
    return sql.select_sql(
        plan.endpoint,
        plan.conditions,
        offset=plan.offset,
        limit=plan.limit,
        order_by=order_by_sql(plan.endpoint, plan.order),
        numbered=True,
    )


def row_statement(plan, url_id):
    """Return (SQL, params) reading the row of `read_row` with a marker column first, or None
    when no row can match (read_row answers 1303 without a query)."""
    condition = identifier_condition(plan.endpoint, url_id)
    if condition is None or plan.impossible:
        return None
    return sql.select_first_sql(plan.endpoint, (*plan.conditions, condition), marked=True)


def read_one(snapshot, endpoint, raw_query, url_id):
    """Return the rendered row with identifier `url_id`, or raise 1303."""
    return read_entity(snapshot, endpoint, raw_query, url_id).row


def read_entity(snapshot, endpoint, raw_query, url_id):
    """Return the Entity with identifier `url_id` (sparse with `fields`), or raise 1303."""
    return read_row(plan_read(snapshot, endpoint, raw_query, paged=False), url_id)


def read_row(plan, url_id, *, rows=None):
    """Return the Entity with identifier `url_id` among the rows `plan` selects, or raise 1303;
    `rows` are those of `row_statement`, when they were read ahead (api.read_ahead)."""
    endpoint = plan.endpoint
    condition = identifier_condition(endpoint, url_id)
    if condition is None or plan.impossible:
        fail(Code.ENTITY_NOT_FOUND, errorPath=endpoint.alias)
    if rows is None:
        rows = sql.select_first(endpoint, (*plan.conditions, condition))
    if not rows:
        fail(Code.ENTITY_NOT_FOUND, errorPath=endpoint.alias)
    included = load_includes(endpoint, rows, plan.includes)
    rendered = render_rows(endpoint, rows)
    etag = etag_of_rendered(rendered[0])  # of the row's own fields, before includes nest
    for loaded in included:
        nest(endpoint, rows, rendered, loaded)
    return Entity(project(endpoint, rendered[0], plan.fields), etag)
