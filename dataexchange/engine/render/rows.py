"""Render stage: shape database rows into the JSON the API answers."""


def render_row(endpoint, row):
    """Return one row (a tuple in `endpoint.select_list` order) keyed by visible names.

    Values the driver already gives in their JSON form are taken as they are (hidden relation
    columns at the end of the row fall off the zip); the others are converted in place."""
    item = dict(zip(endpoint.field_names, row))
    for position, name, render in endpoint.conversions:
        item[name] = render(row[position])
    return item


def render_rows(endpoint, rows, included=()):
    """Return rendered rows with their loaded children (`engine.includes`) nested under relation
    names."""
    rendered = [render_row(endpoint, row) for row in rows]
    for loaded in included:
        nest(endpoint, rows, rendered, loaded)
    return rendered


def nest(endpoint, rows, rendered, loaded):
    """Nest the rendered children of one Included under their parents (none: no key at all)."""
    if not loaded.rows:
        return
    relation, child = loaded.include.relation, loaded.include.endpoint
    groups = {}
    for key, item in zip(loaded.keys, render_rows(child, loaded.rows, loaded.nested)):
        groups.setdefault(_key(key), []).append(item)
    position = endpoint.column_index[relation.parent_column]
    for row, item in zip(rows, rendered):
        children = groups.get(_key(row[position]))
        if children:
            item[relation.name] = children


def _key(value):
    """Normalise join keys so that 5 and '5' (or Decimal 5) meet."""
    return str(value) if value is not None else None
