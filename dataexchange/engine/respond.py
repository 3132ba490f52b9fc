"""Render stage for writes: transactional and non-transactional bodies and statuses (SPEC A6)."""

from dataexchange.engine.render import error_response, json_response, render_row


def render_written(node):
    """Return a written node's stored row with its written children under relation names."""
    row = render_row(node.endpoint, node.row)
    for relation, _child, children in node.children:
        if children:
            row[relation.name] = [render_written(child) for child in children]
    return row


def write_response(roots, *, method, single, transactional):
    """Return the HTTP response of a write whose roots carry rows or errors."""
    success = 201 if method == "POST" else 200
    errors = [error for root in roots for error in root.errors]
    if transactional:
        if errors:
            return error_response(errors)
        rows = [render_written(root) for root in roots]
        return json_response({"data": rows[0] if single else rows}, success)
    rows = [render_written(root) for root in roots if not root.errors]
    status = success if rows or not errors else errors[0].status
    data = (rows[0] if rows else []) if single else rows
    return json_response(
        {"data": data, "errors": [error.as_item_dict() for error in errors]}, status
    )
