"""Plan stage — the relation walk: from an endpoint along relation names to child endpoints, shared
by the planner (include trees, nested write rows) and the permission check on what a request
reaches."""


def follow(snapshot, endpoint, name):
    """Return (relation, child endpoint) for relation `name` of `endpoint`; the child is None
    when the relation or its child endpoint is unknown (1313)."""
    relation = endpoint.relations.get(name)
    child = snapshot.get(relation.child_alias) if relation else None
    return relation, child


def walk_chain(snapshot, endpoint, chain):
    """Yield (name, relation, child) along an include chain, ending after the first step whose
    child is None."""
    current = endpoint
    for name in chain:
        relation, current = follow(snapshot, current, name)
        yield name, relation, current
        if current is None:
            return


def nested_rows(snapshot, endpoint, item):
    """Yield (key, relation, child, rows) for each value of a write item that nests rows (a
    list, or one object), in the item's order; `child` is None for an unknown relation."""
    for key, value in item.items():
        if isinstance(value, list | dict):
            relation, child = follow(snapshot, endpoint, key)
            yield key, relation, child, value if isinstance(value, list) else [value]
