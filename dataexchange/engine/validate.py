"""Plan stage for writes: turn body items into a tree of nodes and collect every validation error.

Per root item, validators run in Spryker's order (SPEC A4), each walking the root first and then its
children: relation found (1313), relation editable (1314), unknown field (1311), required (1307),
types and values (1305/1306), immutability (1304), constraints (1316). PATCH and PUT check required
before unknown fields; PATCH does not check required at all.
"""

import re
from dataclasses import dataclass, field

from dataexchange.errors import make_error

URL_RE = re.compile(r"^/$|^/[a-z0-9\-._~%!$&'()*+,;=@]+(/[a-zA-Z0-9\-._~%!$&'()*+,;=:@]+)*")
MISSING = object()
IDENTIFIER_KEY = "identifier"


@dataclass(eq=False, slots=True)
class Node:
    """One item of a write (a root item or a child row) and what happens to it."""

    endpoint: object
    raw: dict
    path: str
    relation: object = None  # the relation from the parent, for children
    parent: object = None
    children: list = field(default_factory=list)  # [(relation, child endpoint, [Node])]
    bad_children: list = field(default_factory=list)  # [(code, relation name, count)]
    errors: list = field(default_factory=list)
    existing: bool = False
    lookup_key: object = MISSING  # identifier value used to find the row
    row: tuple = None  # the stored row after the write

    def walk(self):
        """Yield this node, then its descendants depth-first."""
        yield self
        for _, _, nodes in self.children:
            for node in nodes:
                yield from node.walk()

    def identifier_value(self):
        """Return the identifier sent in the body (visible name first, then `identifier`)."""
        name = self.endpoint.identifier.name
        value = self.raw.get(name)
        if value is None:
            value = self.raw.get(IDENTIFIER_KEY)
        return MISSING if value is None else value


@dataclass(frozen=True)
class WriteContext:
    """What validation needs to know about the request."""

    method: str  # POST, PATCH or PUT
    single: bool  # /{alias}/{id} route


def count_items(items):
    """Return how many items a write body holds: its root items and every row under a relation
    name (a list's elements, or an object), at any depth (SPEC B2: the batch limit counts them)."""
    total, level = 0, items
    while level:
        total += len(level)
        rows = []
        for item in level:
            if type(item) is not dict:
                continue
            for value in item.values():
                if type(value) is list:
                    rows.extend(value)
                elif type(value) is dict:
                    rows.append(value)
        level = rows
    return total


def build_node(snapshot, endpoint, raw, path, relation=None, parent=None):
    """Return the node tree of one item, recording unknown and non-editable relations."""
    node = Node(endpoint, raw, path, relation, parent)
    for key, value in raw.items():
        if not isinstance(value, list | dict):
            continue
        child_relation = endpoint.relations.get(key)
        child = snapshot.get(child_relation.child_alias) if child_relation else None
        rows = value if isinstance(value, list) else [value]
        if child is None:
            node.bad_children.append(("1313", key, 1))
        elif not child_relation.editable:
            node.bad_children.append(("1314", key, len(rows)))
        else:
            nodes = [
                build_node(
                    snapshot, child, row if isinstance(row, dict) else {}, "", child_relation, node
                )
                for row in rows
            ]
            for index, child_node in enumerate(nodes):
                child_node.path = f"{path}.{child.alias}[{index}]"
                if not isinstance(rows[index], dict):
                    child_node.errors.append(make_error("1301"))
            node.children.append((child_relation, child, nodes))
    return node


def validate(root, ctx):
    """Collect every validation error of a root node's tree into `root.errors`, in order.

    One pass over each node's values settles the common case, a valid item; only an item with
    some error runs the validators one by one, to report every error in Spryker's order."""
    nodes = list(root.walk())
    if all(is_valid(node, ctx) for node in nodes):
        root.errors = []
        return root.errors
    validators = POST_VALIDATORS if ctx.method == "POST" else UPDATE_VALIDATORS
    if ctx.method == "PATCH":
        validators = tuple(v for v in validators if v is not check_required)
    errors = [e for node in nodes for e in node.errors]
    for validator in validators:
        for node in nodes:
            errors.extend(validator(node, ctx))
    root.errors = errors
    return errors


def is_valid(node, ctx):
    """Return True when no validator below would report an error for `node` (one pass)."""
    if node.errors or node.bad_children or not values_are_valid(node, ctx):
        return False
    if ctx.method != "PATCH":
        exempt = node.relation.child_column if node.relation else None
        for f in node.endpoint.required_fields:
            if node.raw.get(f.name) is None and f.column != exempt:
                return False  # 1307
    for f in node.endpoint.url_fields:
        value = node.raw.get(f.name)
        if isinstance(value, str) and not URL_RE.match(value):
            return False  # 1316
    return True


def values_are_valid(node, ctx):
    """Return True when every sent value is known, typed right and may be written (1311,
    1305, 1306, 1304 would find nothing)."""
    by_name = node.endpoint.by_name
    creating = ctx.method == "POST"
    selects_row = not ctx.single or node.parent is not None
    for key, value in node.raw.items():
        if isinstance(value, list | dict):
            continue
        f = by_name.get(key)
        if f is None:
            if key != IDENTIFIER_KEY:
                return False
            continue
        if not creating and not f.editable and not (f.is_identifier and selects_row):
            return False
        if value is not None and (f.check(f, value) or (creating and not f.creatable)):
            return False
    return True


def check_relation_found(node, ctx):
    return [
        make_error("1313", relationName=name)
        for code, name, _ in node.bad_children
        if code == "1313"
    ]


def check_relation_editable(node, ctx):
    return [
        make_error("1314", relationName=name)
        for code, name, count in node.bad_children
        if code == "1314"
        for _ in range(count)
    ]


def check_unknown_fields(node, ctx):
    by_name = node.endpoint.by_name
    return [
        make_error("1311", errorPath=node.path, fieldName=key)
        for key, value in node.raw.items()
        if not isinstance(value, list | dict) and key not in by_name and key != IDENTIFIER_KEY
    ]


def check_required(node, ctx):
    exempt = node.relation.child_column if node.relation else None
    return [
        make_error("1307", errorPath=node.path, fieldName=f.name)
        for f in node.endpoint.required_fields
        if node.raw.get(f.name) is None and f.column != exempt
    ]


def check_types(node, ctx):
    """Check types and values, integer fields first, then string, boolean, decimal, others
    (Spryker runs one validator per type in that order)."""
    errors = []
    for f in node.endpoint.checked_fields:
        value = node.raw.get(f.name)
        if value is None or isinstance(value, list | dict):
            continue
        for code in f.check(f, value):
            if code == "1305":
                errors.append(make_error("1305", errorPath=node.path, fieldName=f.name))
            else:
                errors.append(
                    make_error(
                        "1306", errorPath=node.path, fieldName=f.name, validationRules=f.rules_text
                    )
                )
    return errors


def check_creatable(node, ctx):
    return [
        make_error("1304", errorPath=node.path, fieldName=key)
        for key, value in node.raw.items()
        if value is not None
        and (f := node.endpoint.by_name.get(key)) is not None
        and not f.creatable
        and not isinstance(value, list | dict)
    ]


def check_editable(node, ctx):
    selects_row = not ctx.single or node.parent is not None
    errors = []
    for key, value in node.raw.items():
        f = node.endpoint.by_name.get(key)
        if f is None or f.editable or isinstance(value, list | dict):
            continue
        if f.is_identifier and selects_row:
            continue
        errors.append(make_error("1304", errorPath=node.path, fieldName=key))
    return errors


def check_constraints(node, ctx):
    errors = []
    for f in node.endpoint.url_fields:
        value = node.raw.get(f.name)
        if isinstance(value, str) and not URL_RE.match(value):
            errors.append(make_error("1316", errorPath=node.path, fieldName=f.name))
    return errors


POST_VALIDATORS = (
    check_relation_found,
    check_relation_editable,
    check_unknown_fields,
    check_required,
    check_types,
    check_creatable,
    check_constraints,
)
UPDATE_VALIDATORS = (
    check_relation_found,
    check_relation_editable,
    check_required,
    check_unknown_fields,
    check_types,
    check_editable,
    check_constraints,
)
