"""Which other endpoints a request reaches through relations, so each one's permission is
checked too: an `include` reads the child endpoints, a nested write writes them (SPEC B1)."""


def included_aliases(snapshot, endpoint, chains):
    """Return the aliases of child endpoints named by `include` chains (unknown names skipped;
    the planner reports them as 1313)."""
    aliases = set()
    for chain in chains:
        current = endpoint
        for name in chain:
            relation = current.relations.get(name)
            current = snapshot.get(relation.child_alias) if relation else None
            if current is None:
                break
            aliases.add(current.alias)
    return aliases


def written_aliases(snapshot, endpoint, items):
    """Return the aliases of child endpoints that nested rows in `items` would write."""
    aliases, stack = set(), [(endpoint, item) for item in items]
    while stack:
        current, item = stack.pop()
        if not isinstance(item, dict):
            continue
        for key, value in item.items():
            relation = current.relations.get(key) if isinstance(value, list | dict) else None
            child = snapshot.get(relation.child_alias) if relation else None
            if child is None:
                continue
            aliases.add(child.alias)
            rows = value if isinstance(value, list) else [value]
            stack.extend((child, row) for row in rows)
    return aliases
