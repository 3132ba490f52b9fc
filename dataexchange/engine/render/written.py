"""Render stage for writes: transactional and non-transactional bodies and statuses (SPEC A6).

A caller may write to an endpoint it may not view (SPEC B1). Its write responses then show only
what it already knows: each row's identifier and the fields it sent, child rows judged by their
own endpoint's view grant, so that writes (dry runs above all) cannot be used to read rows."""

from dataexchange.engine.plan.write_plan import IDENTIFIER_KEY
from dataexchange.engine.render.result import error_result, json_result
from dataexchange.engine.render.rows import render_row


def render_written(node, viewable=None):
    """Return a written node's stored row with its written children under relation names.

    `viewable` holds the aliases the caller may view (None: all); the rows of other endpoints
    keep only the identifier and the keys sent."""
    row = render_row(node.endpoint, node.row)
    if viewable is not None and node.endpoint.alias not in viewable:
        row = sent_fields(node, row)
    for relation, _child, children in node.children:
        if children:
            row[relation.name] = [render_written(child, viewable) for child in children]
    return row


def sent_fields(node, row):
    """Return `row` restricted to the node's identifier and the fields its item sent."""
    identifier = node.endpoint.identifier.name
    sent = node.raw.keys() - {IDENTIFIER_KEY}
    return {name: value for name, value in row.items() if name == identifier or name in sent}


def write_result(outcomes, *, method, single, transactional, viewable=None):
    """Return the Result of a write from its ItemOutcomes; `viewable` as in `render_written`."""
    success = 201 if method == "POST" else 200
    errors = [error for outcome in outcomes for error in outcome.errors]
    if transactional:
        if errors:
            return error_result(errors)
        rows = [render_written(outcome.node, viewable) for outcome in outcomes]
        return json_result({"data": rows[0] if single else rows}, success)
    rows = [render_written(o.node, viewable) for o in outcomes if not o.errors]
    status = success if rows or not errors else errors[0].status
    data = (rows[0] if rows else []) if single else rows
    return json_result({"data": data, "errors": [error.as_item_dict() for error in errors]}, status)
