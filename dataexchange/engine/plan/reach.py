"""Plan stage — permissions on everything a request reaches (SPEC B1): the endpoint itself, the
child endpoints an `include` reads, the child endpoints nested rows write, and (`view` only) the
endpoints whose rows a write references by business key (issue 19). The API and replay
both call `check_reach`, so a write is refused by every path exactly where the API refuses it."""

from itertools import chain

from dataexchange.auth.permissions import has_endpoint_permission
from dataexchange.engine.plan.walk import follow, walk_chain
from dataexchange.errors import Code, fail

# The permissions a method needs on every endpoint it reaches; PUT may both update and create.
METHOD_ACTIONS = {
    "GET": ("view",),
    "HEAD": ("view",),
    "POST": ("create",),
    "PATCH": ("update",),
    "PUT": ("update", "create"),
    "DELETE": ("delete",),
}


def check_reach(caller, snapshot, endpoint, method, *, items=(), include=()):
    """Raise 1404 unless `caller` (a request, or anything with `user` and `auth`) may do what
    `method` needs on `endpoint` and on every child endpoint `include` or `items` reach; return
    those aliases, the endpoint's first. Business-key references in `items` need `view` on the
    endpoints they reference (their rows are read to resolve the keys)."""
    referenced = set()
    reached = included_aliases(snapshot, endpoint, include) | written_aliases(
        snapshot, endpoint, items, referenced
    )
    reached.discard(endpoint.alias)
    aliases = (endpoint.alias, *sorted(reached))
    for alias in aliases:
        for action in METHOD_ACTIONS[method]:
            if not has_endpoint_permission(caller, alias, action):
                fail(Code.PERMISSION_DENIED, action=action, aliasName=alias)
    for alias in sorted(referenced):
        if not has_endpoint_permission(caller, alias, "view"):
            fail(Code.PERMISSION_DENIED, action="view", aliasName=alias)
    return aliases


def viewable_aliases(caller, aliases):
    """Return those of `aliases` (what a write reaches) that `caller` may view: a write answers
    the full rows of those only (the others: what was sent)."""
    return {alias for alias in aliases if has_endpoint_permission(caller, alias, "view")}


def included_aliases(snapshot, endpoint, chains):
    """Return the aliases of child endpoints named by `include` chains (unknown names skipped;
    the planner reports them as 1313)."""
    return {
        child.alias
        for chain in chains
        for _, _, child in walk_chain(snapshot, endpoint, chain)
        if child is not None
    }


SCALARS = frozenset({str, int, float, bool, type(None)})


def are_flat(rows):
    """Return True when `rows` are dicts of scalar values only (no nested rows, no business-key
    references): one C-level pass over every value, instead of a loop over each item (a CSV
    import's 5,000-row chunk)."""
    if set(map(type, rows)) != {dict}:
        return False
    return set(map(type, chain.from_iterable(map(dict.values, rows)))) <= SCALARS


def nested_rows(endpoint, rows, referenced):
    """Return {relation name: nested rows} of `rows` of `endpoint`; add to `referenced` (when
    given) the aliases that business-key references (objects under reference fields) name."""
    nested = {}
    for item in rows:
        if not isinstance(item, dict):
            continue
        for key, value in item.items():
            if isinstance(value, list):
                nested.setdefault(key, []).extend(value)
            elif isinstance(value, dict):
                reference = endpoint.references.get(key)
                if reference is not None and key not in endpoint.relations:
                    if referenced is not None:
                        referenced.add(reference.alias)
                    continue
                nested.setdefault(key, []).append(value)
    return nested


def written_aliases(snapshot, endpoint, items, referenced=None):
    """Return the aliases of child endpoints that nested rows in `items` would write; add to
    `referenced` the aliases that business-key references (objects under reference fields)
    name.

    Level by level, the rows under one relation name of one endpoint gathered first, so that
    each relation is followed once per level rather than once per row."""
    aliases, level = set(), [(endpoint, items)]
    while level:
        deeper = []
        for current, rows in level:
            if are_flat(rows):
                continue
            nested = nested_rows(current, rows, referenced)
            for key, child_rows in nested.items():
                child = follow(snapshot, current, key)[1]
                if child is not None:
                    aliases.add(child.alias)
                    deeper.append((child, child_rows))
        level = deeper
    return aliases
