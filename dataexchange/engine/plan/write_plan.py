"""Plan stage for writes: turn body items into a tree of nodes and collect every validation error.

Per root item, validators run in Spryker's order (SPEC A4), each walking the root first and then its
children: relation found (1313), relation editable (1314), unknown field (1311), required (1307),
types and values (1305/1306), immutability (1304), constraints (1316). PUT checks required
before unknown fields; PATCH does not check required at all. `WRITE_RULES` holds, per method, the
validators in order and which fields may and must be sent; the OpenAPI item schemas read it too.
"""

import re
from dataclasses import dataclass, field

from dataexchange.engine.plan.business_keys import addressing_key, plan_reference
from dataexchange.engine.plan.types import Unmatchable
from dataexchange.engine.plan.walk import follow
from dataexchange.errors import Code, fail, make_error

NESTED = (list, dict)  # a value nesting rows, not a field's value
URL_RE = re.compile(r"^/$|^/[a-z0-9\-._~%!$&'()*+,;=@]+(/[a-zA-Z0-9\-._~%!$&'()*+,;=:@]+)*")
MISSING = object()
UNMATCHABLE = object()  # an identifier no row can have (wrong type): matches nothing
IDENTIFIER_KEY = "identifier"
INTEGER_TEXT = re.compile(r"^-?[0-9]+$")


@dataclass(eq=False, slots=True)
class Node:
    """One item of a write (a root item or a child row) and what happens to it."""

    endpoint: object
    raw: dict
    path: str
    relation: object = None  # the relation from the parent, for children
    parent: object = None
    # Set by build_node; a row without nested rows (most of them) shares the empty tuples.
    children: list | tuple = ()  # [(relation, child endpoint, [Node])]
    bad_children: list | tuple = ()  # [(code, relation name, count)]
    errors: list = field(default_factory=list)
    existing: bool = False
    lookup_key: object = MISSING  # identifier value used to find the row
    row: tuple = None  # the stored row after the write
    # Business keys (issue 19), set only for items that use them:
    references: list | tuple = ()  # KeyReferences of fields sent as key objects
    resolved: dict = None  # field name → database value the references resolved to
    business_key: tuple = None  # (BusinessKey, values) a PATCH/PUT root is addressed by

    def walk(self):
        """Return this node and its descendants, depth-first (each node before its children)."""
        if not self.children:
            return [self]
        nodes, stack = [], [self]
        while stack:
            node = stack.pop()
            nodes.append(node)
            for _, _, children in reversed(node.children):
                stack.extend(reversed(children))
        return nodes

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


@dataclass(frozen=True)
class WritePlan:
    """A planned POST, PATCH or PUT: the items as a node tree (`roots`), every validation error
    collected on its node, the identifier each `/{id}` item is looked up by. Execution
    (`engine.execute.write.run_write`) writes the valid ones and returns their outcomes."""

    endpoint: object
    context: WriteContext
    roots: tuple
    references: bool = False  # some item references a row by business key (issue 19)


def plan_write(snapshot, endpoint, items, *, method, url_id=None, start=0):
    """Return the WritePlan of `items` (numbered from `start` in error paths: a job's chunk is
    part of a larger body); raise 1401 when the items at every depth exceed the endpoint's
    batch limit (SPEC B2)."""
    count = count_items(items, endpoint, snapshot)
    if count > endpoint.max_batch_size:
        limit = endpoint.max_batch_size
        fail(Code.BATCH_TOO_LARGE, count=count, max=limit, aliasName=endpoint.alias)
    context = WriteContext(method, single=url_id is not None)
    roots = tuple(
        build_node(snapshot, endpoint, raw, f"{endpoint.alias}[{index}]")
        for index, raw in enumerate(items, start)
    )
    if endpoint.business_keys and method != "POST" and url_id is None:
        address_by_business_keys(endpoint, roots)
    for root in roots:
        validate(root, context)
        if url_id is not None:
            root.lookup_key = lookup_key(endpoint.identifier, url_id)
            if method == "PUT" and endpoint.identifier.creatable:
                root.errors.extend(url_identifier_errors(root, endpoint.identifier, url_id))
    return WritePlan(endpoint, context, roots, references=has_references(roots))


def url_identifier_errors(root, identifier, url_id):
    """Return the 1305/1306 errors of a PUT `/{id}` whose id the upsert would store: checked
    as the identifier's value, as a body value is (a creatable integer identifier `abc`, or one
    its column cannot hold, created a row with another identifier)."""
    value = url_value(identifier, url_id)
    return type_errors(root.path, identifier, identifier.check(identifier, value))


def url_value(field, text):
    """Return a URL's `{id}` as the JSON value a body would send for `field`: an integer's
    digits as a number, anything else as the text (a date, a decimal, a string)."""
    if field.type == "integer" and INTEGER_TEXT.match(text):
        return int(text)
    return text


def has_references(roots):
    """Return whether a node of `roots` holds a business-key reference (cheap for flat items)."""
    for root in roots:
        if root.references:
            return True
        if root.children and any(node.references for node in root.walk()):
            return True
    return False


def lookup_key(identifier, value):
    """Return the database value of an identifier from a URL or body, or UNMATCHABLE."""
    if value is True or value is False:
        return UNMATCHABLE
    try:
        return identifier.parse(str(value))
    except (Unmatchable, ValueError):
        return UNMATCHABLE


def address_by_business_keys(endpoint, roots):
    """Mark the roots that send no identifier but a whole business key: their row is the one
    with that key (issue 19)."""
    name = endpoint.identifier.name
    for root in roots:
        raw = root.raw
        if raw.get(name) is None and raw.get(IDENTIFIER_KEY) is None:
            root.business_key = addressing_key(endpoint, raw)


def count_items(items, endpoint=None, snapshot=None):
    """Return how many items a write body holds: its root items and every row under a relation
    name (a list's elements, or an object), at any depth (SPEC B2: the batch limit counts them).
    Given the endpoint (and the snapshot to follow its relations), an object under a field that
    is a business-key reference is a value, not a row."""
    total, level = 0, [(endpoint, items)]
    while level:
        deeper = []
        for current, rows in level:
            total += len(rows)
            references = current.references if current is not None else None
            nested = {}
            for item in rows:
                if type(item) is not dict:
                    continue
                for key, value in item.items():
                    kind = type(value)
                    if kind is list:
                        nested.setdefault(key, []).extend(value)
                    elif kind is dict:
                        if references and key in references and key not in current.relations:
                            continue
                        nested.setdefault(key, []).append(value)
            for key, child_rows in nested.items():
                child = None
                if current is not None and snapshot is not None:
                    child = follow(snapshot, current, key)[1]
                deeper.append((child, child_rows))
        level = deeper
    return total


def build_node(snapshot, endpoint, raw, path, relation=None, parent=None):
    """Return the node tree of one item, recording unknown and non-editable relations."""
    node = Node(endpoint, raw, path, relation, parent)
    children, bad_children, references = [], [], []
    for key, value in raw.items():
        if not isinstance(value, NESTED):
            continue
        if type(value) is dict and key in endpoint.references and key not in endpoint.relations:
            field = endpoint.by_name[key]
            planned = plan_reference(snapshot, node, field, endpoint.references[key], value)
            if planned is not None:
                references.append(planned)
            continue
        child_relation, child = follow(snapshot, endpoint, key)
        rows = value if isinstance(value, list) else [value]
        if child is None:
            bad_children.append((Code.RELATION_NOT_FOUND, key, 1))
        elif not child_relation.editable:
            bad_children.append((Code.RELATION_NOT_EDITABLE, key, len(rows)))
        else:
            prefix = f"{path}.{child.alias}"
            nodes = []
            for index, row in enumerate(rows):
                is_row = isinstance(row, dict)
                child_path = f"{prefix}[{index}]"
                child_node = build_node(
                    snapshot, child, row if is_row else {}, child_path, child_relation, node
                )
                if not is_row:
                    child_node.errors.append(make_error(Code.DATA_FORMAT))
                nodes.append(child_node)
            children.append((child_relation, child, nodes))
    if children:
        node.children = children
    if bad_children:
        node.bad_children = bad_children
    if references:
        node.references = references
    return node


@dataclass(frozen=True)
class WriteRule:
    """What the items of one write method may hold and must, and the order of its validators
    (SPEC A4). The OpenAPI item schemas read the same rule (`openapi.schemas.ITEM_KINDS`)."""

    method: str
    kind: str  # the OpenAPI item kind: create, update or upsert
    creating: bool  # sent values must be creatable (a null is exempt), else editable
    requires: bool  # required fields must be sent (1307); children's foreign keys are exempt
    validators: tuple

    def may_send(self, field, value, selects_row):
        """Return whether `value` may be sent for `field` (else 1304); `selects_row`: the
        identifier picks the row to write (collection routes and nested rows)."""
        if self.creating:
            return value is None or field.creatable
        return field.editable or (field.is_identifier and selects_row)

    def allows(self, field, selects_row):
        """Return whether `field` may be sent at all, whatever its value."""
        return self.may_send(field, MISSING, selects_row)

    def must_send(self, field, selects_row):
        """Return whether `field` must be sent: a required field, or for an update the
        identifier that picks the row (1310)."""
        if self.requires:
            return field.required
        return field.is_identifier and selects_row


def validate(root, ctx):
    """Collect every validation error of a root node's tree into `root.errors`, in order.

    One pass over each node's values settles the common case, a valid item; only an item with
    some error runs the validators one by one, to report every error in Spryker's order."""
    nodes = root.walk()
    if all(is_valid(node, ctx) for node in nodes):
        root.errors = []
        return root.errors
    errors = [e for node in nodes for e in node.errors]
    for validator in WRITE_RULES[ctx.method].validators:
        for node in nodes:
            errors.extend(validator(node, ctx))
    root.errors = errors
    return errors


def is_valid(node, ctx):
    """Return True when no validator below would report an error for `node` (one pass)."""
    if node.errors or node.bad_children or not values_are_valid(node, ctx):
        return False
    if WRITE_RULES[ctx.method].requires and not sends_required(node):
        return False  # 1307
    return not node.endpoint.url_fields or next(bad_urls(node), None) is None  # 1316


def values_are_valid(node, ctx):
    """Return True when every sent value is known, typed right and may be written (1311,
    1305, 1306, 1304 would find nothing)."""
    by_name = node.endpoint.by_name
    may_send = WRITE_RULES[ctx.method].may_send
    selects_row = selects_a_row(node, ctx)
    if node.business_key is not None:
        may_send = sendable_by_key(may_send, node.business_key[0])
    for key, value in node.raw.items():
        f = by_name.get(key)
        if f is None:
            if key != IDENTIFIER_KEY and not isinstance(value, NESTED):
                return False
        elif value is None:
            if not may_send(f, None, selects_row):
                return False
        elif not isinstance(value, NESTED):
            if not may_send(f, value, selects_row) or f.check(f, value):
                return False
        elif is_reference(node, key, value) and not may_send(f, value, selects_row):
            return False
    return True


def is_reference(node, key, value):
    """Return whether `value` under `key` is a business-key reference (not nested rows)."""
    endpoint = node.endpoint
    return type(value) is dict and key in endpoint.references and key not in endpoint.relations


def sendable_by_key(may_send, key):
    """Return `may_send` letting an item send the fields of the business key that picks its
    row, as an update may send the identifier that does."""
    fields = key.fields

    def allowed(field, value, selects_row):
        return field in fields or may_send(field, value, selects_row)

    return allowed


def selects_a_row(node, ctx):
    """Return whether the node's identifier picks the row to write (not the URL's `{id}`)."""
    return not ctx.single or node.parent is not None


def missing_required(node):
    """Yield the required fields the node does not send (its relation's foreign key exempt)."""
    exempt = node.relation.child_column if node.relation else None
    for f in node.endpoint.required_fields:
        if node.raw.get(f.name) is None and f.column != exempt:
            yield f


def sends_required(node):
    """Return whether the node sends every required field (`missing_required` yields none)."""
    raw = node.raw
    for f in node.endpoint.required_fields:
        if raw.get(f.name) is None:
            return next(missing_required(node), None) is None
    return True


def bad_urls(node):
    """Yield the url-constrained fields whose sent value is no URL path."""
    for f in node.endpoint.url_fields:
        value = node.raw.get(f.name)
        if isinstance(value, str) and not URL_RE.match(value):
            yield f


def check_relation_found(node, ctx):
    return [
        make_error(Code.RELATION_NOT_FOUND, relationName=name)
        for code, name, _ in node.bad_children
        if code == Code.RELATION_NOT_FOUND
    ]


def check_relation_editable(node, ctx):
    return [
        make_error(Code.RELATION_NOT_EDITABLE, relationName=name)
        for code, name, count in node.bad_children
        if code == Code.RELATION_NOT_EDITABLE
        for _ in range(count)
    ]


def check_unknown_fields(node, ctx):
    by_name = node.endpoint.by_name
    return [
        make_error(Code.UNKNOWN_FIELD, errorPath=node.path, fieldName=key)
        for key, value in node.raw.items()
        if not isinstance(value, list | dict) and key not in by_name and key != IDENTIFIER_KEY
    ]


def check_required(node, ctx):
    return [
        make_error(Code.REQUIRED_FIELD, errorPath=node.path, fieldName=f.name)
        for f in missing_required(node)
    ]


def check_types(node, ctx):
    """Check types and values, integer fields first, then string, boolean, decimal, others
    (Spryker runs one validator per type in that order)."""
    errors = []
    for f in node.endpoint.checked_fields:
        value = node.raw.get(f.name)
        if value is None or isinstance(value, list | dict):
            continue
        errors.extend(type_errors(node.path, f, f.check(f, value)))
    return errors


def type_errors(path, field, codes):
    """Return the 1305/1306 errors of `codes` (a type check's result) for `field` at `path`."""
    return [
        make_error(Code.INVALID_TYPE, errorPath=path, fieldName=field.name)
        if code == Code.INVALID_TYPE
        else make_error(
            Code.INVALID_VALUE,
            errorPath=path,
            fieldName=field.name,
            validationRules=field.rules_text,
        )
        for code in codes
    ]


def check_sendable(node, ctx):
    """Report each sent value its method's rule does not let the item write (1304)."""
    rule, selects_row = WRITE_RULES[ctx.method], selects_a_row(node, ctx)
    may_send = rule.may_send
    if node.business_key is not None:
        may_send = sendable_by_key(may_send, node.business_key[0])
    return [
        make_error(Code.IMMUTABLE_FIELD, errorPath=node.path, fieldName=key)
        for key, value in node.raw.items()
        if (f := node.endpoint.by_name.get(key)) is not None
        and (not isinstance(value, list | dict) or is_reference(node, key, value))
        and not may_send(f, value, selects_row)
    ]


def check_constraints(node, ctx):
    return [
        make_error(Code.URL_FORMAT, errorPath=node.path, fieldName=f.name) for f in bad_urls(node)
    ]


# The write rules, one per method: Spryker checks required fields after unknown ones on POST,
# before them on PUT, and not at all on PATCH.
WRITE_RULES = {
    rule.method: rule
    for rule in (
        WriteRule(
            "POST",
            "create",
            creating=True,
            requires=True,
            validators=(
                check_relation_found,
                check_relation_editable,
                check_unknown_fields,
                check_required,
                check_types,
                check_sendable,
                check_constraints,
            ),
        ),
        WriteRule(
            "PATCH",
            "update",
            creating=False,
            requires=False,
            validators=(
                check_relation_found,
                check_relation_editable,
                check_unknown_fields,
                check_types,
                check_sendable,
                check_constraints,
            ),
        ),
        WriteRule(
            "PUT",
            "upsert",
            creating=False,
            requires=True,
            validators=(
                check_relation_found,
                check_relation_editable,
                check_required,
                check_unknown_fields,
                check_types,
                check_sendable,
                check_constraints,
            ),
        ),
    )
}
