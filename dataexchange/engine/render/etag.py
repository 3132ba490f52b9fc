"""Render stage — entity tags of rows (SPEC B8): a strong tag from the rendered row's canonical
JSON."""

import hashlib

import orjson

from dataexchange.engine.render.rows import render_row


def etag_of(endpoint, row):
    """Return the strong ETag of a selected row: its configured fields, rendered, keys sorted."""
    return etag_of_rendered(render_row(endpoint, row))


def etag_of_rendered(item):
    """Return the strong ETag of a row rendered with its configured fields only."""
    canonical = orjson.dumps(item, option=orjson.OPT_SORT_KEYS)
    return f'"{hashlib.sha1(canonical).hexdigest()[:16]}"'


def tag_matches(tags, current):
    """Return whether If-Match `tags` admit the row tagged `current` (None: no such row)."""
    if current is None:
        return False
    return tags == "*" or current in tags
