"""Execute stage for POST, PATCH and PUT: identifier lookups, bulk SQL, transactions.

Writes go level by level: all root rows in multi-row statements, then each relation's children,
again in bulk. If anything fails in bulk, the batch is halved and retried in bulk, down to small
chunks that are redone item by item, each in its own savepoint, so every error names the exact
item and column (SPEC A5, A6) while the items around a bad one still go in bulk.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from functools import cached_property

from django.db import DataError, IntegrityError, connection, transaction

from dataexchange.engine.execute.references import (
    find_by_business_keys,
    not_found_error,
    resolve_references,
)
from dataexchange.engine.plan.write_plan import MISSING, NESTED, UNMATCHABLE, lookup_key
from dataexchange.engine.query import sql
from dataexchange.engine.query.dberrors import to_api_error
from dataexchange.errors import Code, make_error


class ItemFailed(Exception):
    """An item of a bulk batch failed; the batch is redone item by item."""


@dataclass(frozen=True)
class ItemOutcome:
    """What became of one root item of a write, as a value: the response, the ETag and the
    exchange log read it. The plan's node tree stays inside the engine (`node`, read only by
    the render stage to nest written children)."""

    endpoint: object
    path: str
    raw: dict
    errors: tuple  # ApiErrors of the item and its children; empty when written
    existing: bool  # matched a stored row (an update)
    row: tuple | None  # the stored row when written
    sent_identifier: object  # the identifier the item sent, or MISSING
    node: object = field(repr=False, compare=False)

    @property
    def stored_identifier(self):
        """Return the identifier of the stored row, or None when nothing was written."""
        if self.row is None:
            return None
        return self.row[self.endpoint.column_index[self.endpoint.identifier.column]]

    @cached_property
    def written(self):
        """Return the stored row with its written children, rendered in full (for the log)."""
        from dataexchange.engine.render.written import render_written

        return render_written(self.node)


def outcome_of(root):
    """Return the ItemOutcome of a root node once its write is over."""
    return ItemOutcome(
        root.endpoint,
        root.path,
        root.raw,
        tuple(root.errors),
        root.existing,
        root.row,
        root.identifier_value(),
        root,
    )


def run_write(plan, *, transactional=True):
    """Execute a WritePlan; return one ItemOutcome per root item, in order.

    Transactional: chunks and items are savepoints of one transaction, rolled back as a whole if
    any item failed. Otherwise each chunk or item commits or fails on its own."""
    endpoint, ctx, roots = plan.endpoint, plan.context, plan.roots
    if plan.references:
        resolve_references(roots)
    valid = [root for root in roots if not root.errors]
    if len(roots) == 1:
        if valid:
            write_alone(endpoint, valid[0], ctx)
    elif transactional:
        with transaction.atomic():
            write_in_chunks(endpoint, valid, ctx)
            if any(root.errors for root in roots):
                transaction.set_rollback(True)
    else:
        write_in_chunks(endpoint, valid, ctx)
    return tuple(outcome_of(root) for root in roots)


def write_alone(endpoint, root, ctx):
    """Write the only item of a request without savepoints: nothing else of the request's
    transaction has to survive its failure. Alone, it is its own transaction; inside the
    exchange log's (`exchangelog.durable`), a failure marks that one for rollback and the record
    is written after it, on its own. Two round trips fewer than a savepoint per level."""
    write_one(endpoint, root, ctx, savepoint=False)


# A failing chunk is halved down to this size, then written item by item.
SMALLEST_CHUNK = 16


def write_in_chunks(endpoint, roots, ctx):
    """Write `roots` in bulk in one savepoint; if that fails, halve them and try each half the
    same way, down to SMALLEST_CHUNK, then item by item so that every error names its item.

    One bad item among thousands costs a few bulk statements per halving instead of a savepoint
    per item; when most items fail, the halving adds about 6% to the item-by-item work."""
    if len(roots) > 1:
        try:
            with transaction.atomic():
                write_level(endpoint, roots, ctx, bulk=True)
            return
        except (ItemFailed, IntegrityError, DataError):
            for root in roots:
                root.errors, root.row = [], None
    if len(roots) <= SMALLEST_CHUNK:
        for root in roots:
            write_one(endpoint, root, ctx)
        return
    middle = len(roots) // 2
    write_in_chunks(endpoint, roots[:middle], ctx)
    write_in_chunks(endpoint, roots[middle:], ctx)


def write_one(endpoint, root, ctx, *, savepoint=True):
    """Write one root item with its children in a savepoint (or, with `savepoint=False`, in the
    enclosing transaction, then marked for rollback if it fails), recording its errors."""
    failing = {"node": root}
    try:
        with transaction.atomic(savepoint=savepoint):
            write_level(endpoint, [root], ctx, bulk=False, failing=failing)
            if root.errors:
                raise ItemFailed
    except ItemFailed:
        pass
    except (IntegrityError, DataError) as error:
        node = failing["node"]
        root.errors.append(to_api_error(error, node.endpoint, node.path))
    if root.errors:
        root.row = None
        for node in root.walk():
            node.row = None


def write_level(endpoint, nodes, ctx, *, bulk, failing=None):
    """Resolve identifiers, write `nodes` (siblings of one endpoint), then their children."""
    resolve_identifiers(endpoint, nodes, ctx)
    check_foreign_keys(endpoint, nodes, ctx)
    if any(_root(n).errors for n in nodes):
        raise ItemFailed
    creates = [n for n in nodes if not n.existing]
    updates = [n for n in nodes if n.existing]
    insert_nodes(endpoint, creates, ctx, bulk, failing)
    update_nodes(endpoint, updates, ctx, bulk, failing)
    groups = defaultdict(list)
    for node in nodes:
        for relation, child, children in node.children:
            for child_node in children:
                groups[(relation.name, child.alias)].append((relation, child, child_node))
    for members in groups.values():
        relation, child = members[0][0], members[0][1]
        write_level(child, [m[2] for m in members], ctx, bulk=bulk, failing=failing)


def _root(node):
    while node.parent is not None:
        node = node.parent
    return node


def resolve_identifiers(endpoint, nodes, ctx):
    """Decide per node whether it updates an existing row or creates one (1310/1303/1308)."""
    if ctx.method == "POST":
        return
    identifier = endpoint.identifier
    for node in nodes:
        if node.lookup_key is MISSING:
            value = node.identifier_value()
            node.lookup_key = MISSING if value is MISSING else lookup_key(identifier, value)
    by_key = find_by_business_keys(endpoint, nodes) if endpoint.business_keys else None
    if by_key:  # rows found by business key need no second lookup by identifier
        keys = {n.lookup_key for n in nodes if n not in by_key} - {MISSING, UNMATCHABLE}
        found = {
            **fetch_existing(endpoint, keys),
            **{_norm(n.lookup_key): r for n, r in by_key.items()},
        }
    else:
        keys = {n.lookup_key for n in nodes} - {MISSING, UNMATCHABLE}
        found = fetch_existing(endpoint, keys)
    for node in nodes:
        row = found.get(_norm(node.lookup_key))
        if node.relation is not None and row is not None and not _belongs(node, row):
            row = None
        node.existing = row is not None
        if node.existing:
            node.row = row
            continue
        if node.business_key is not None:
            if ctx.method == "PATCH":
                _root(node).errors.append(not_found_error(node))
            continue  # PUT creates it (insert_nodes: an upsert on the key)
        if ctx.method == "PATCH":
            code = Code.MISSING_IDENTIFIER if node.lookup_key is MISSING else Code.ENTITY_NOT_FOUND
            _root(node).errors.append(make_error(code, errorPath=node.path))
        elif node.lookup_key is not MISSING and not identifier.creatable:
            value = node.identifier_value() if not ctx.single or node.parent else node.lookup_key
            _root(node).errors.append(
                make_error(
                    Code.NEW_IDENTIFIER,
                    errorPath=node.path,
                    identifier=f"{identifier.name}: {value}",
                )
            )


def fetch_existing(endpoint, keys):
    """Return {identifier value: row} for the rows whose identifier is in `keys`."""
    if not keys:
        return {}
    position = endpoint.column_index[endpoint.identifier.column]
    rows = sql.select_in(endpoint, endpoint.identifier.quoted, keys)
    return {_norm(row[position]): row for row in rows}


def _norm(value):
    return str(value) if value is not None and value is not MISSING else value


def _belongs(node, row):
    """Return whether an existing child row belongs to the node's parent (SPEC A9)."""
    relation, parent = node.relation, node.parent
    parent_value = parent.row[parent.endpoint.column_index[relation.parent_column]]
    position = node.endpoint.column_index.get(relation.child_column)
    if position is None:
        return True
    return _norm(row[position]) == _norm(parent_value)


def check_foreign_keys(endpoint, nodes, ctx):
    """Report 1302 for values referring to missing rows, before writing (deferred FKs too)."""
    for fk in endpoint.table_info.foreign_keys:
        field = endpoint.by_column.get(fk.column)
        if field is None:
            continue
        sent = {}
        for node in nodes:
            value = node.raw.get(field.name)
            if value is not None and not isinstance(value, list | dict):
                sent.setdefault(field.coerce(value), []).append(node)
        if not sent:
            continue
        quote = connection.ops.quote_name
        present = sql.existing_values(quote(fk.ref_table), quote(fk.ref_column), sent)
        present = {_norm(v) for v in present}
        for value, members in sent.items():
            if _norm(value) not in present:
                for node in members:
                    path = f"{node.path}.{field.name}"
                    _root(node).errors.append(make_error(Code.PERSIST_FAILED, errorPath=path))


def values_for(node, ctx):
    """Return {column: database value} to write for a node."""
    endpoint, existing = node.endpoint, node.existing
    # A row found by its business key keeps the key as stored (it is how the row was picked).
    kept = node.business_key[0].fields if node.business_key and existing else ()
    values = {}
    if existing and ctx.method == "PUT":
        for field in endpoint.fields:
            if field.editable and not field.is_identifier and field not in kept:
                values[field.column] = None
    add_sent_values(node, ctx, values, kept)
    if not existing and ctx.method == "PUT" and node.lookup_key not in (MISSING, UNMATCHABLE):
        values[endpoint.identifier.column] = node.lookup_key
    if node.relation is not None and (not existing or node.relation.child_column in values):
        parent = node.parent
        values[node.relation.child_column] = parent.row[
            parent.endpoint.column_index[node.relation.parent_column]
        ]
    return values


def add_sent_values(node, ctx, values, kept):
    """Add to `values` the database values of what the node sent (business-key references as
    the values they resolved to), leaving out the `kept` fields."""
    by_name, existing, resolved = node.endpoint.by_name, node.existing, node.resolved
    for key, value in node.raw.items():
        field = by_name.get(key)
        if field is None:
            continue
        if value is None:
            if not existing:
                continue
        elif isinstance(value, NESTED):
            if resolved is not None and key in resolved:  # a business-key reference
                values[field.column] = resolved[key]
            continue
        if kept and field in kept:
            continue
        if field.is_identifier and existing and (node.parent is not None or not ctx.single):
            continue
        values[field.column] = field.coerce(value) if value is not None else None


def insert_nodes(endpoint, nodes, ctx, bulk, failing):
    """Insert new rows, grouping nodes that set the same columns into multi-row statements."""
    groups = defaultdict(list)
    for node in nodes:
        values = values_for(node, ctx)
        key = node.business_key[0] if node.business_key is not None else None
        groups[(tuple(values), key)].append((node, tuple(values.values())))
    for (columns, key), members in groups.items():
        batches = [members] if bulk and unique_keys(members, key) else [[m] for m in members]
        for batch in batches:
            if failing is not None:
                failing["node"] = batch[0][0]
            rows = [m[1] for m in batch]
            if key is None:
                stored = sql.insert_returning(endpoint, list(columns), rows)
            else:  # PUT by business key of a row not found: created unless a racer was first
                stored = sql.upsert_returning(
                    endpoint, list(columns), rows, key, put_resets(endpoint)
                )
            for (node, _), row in zip(batch, stored):
                if row is None:  # an upserted row not read back: never answer a row we lack
                    _root(node).errors.append(make_error(Code.PERSIST_FAILED, errorPath=node.path))
                    raise ItemFailed
                node.row = row


def unique_keys(members, key):
    """Return whether one multi-row statement may carry `members`: always without a business
    key; with one, only when no key repeats (an upsert cannot touch one row twice)."""
    if key is None:
        return True
    keys = [m[0].business_key[1] for m in members]
    return len(set(keys)) == len(keys)


def put_resets(endpoint):
    """Return the columns a PUT of an existing row sets to NULL unless sent (`values_for`)."""
    return [f.column for f in endpoint.fields if f.editable and not f.is_identifier]


def update_nodes(endpoint, nodes, ctx, bulk, failing):
    """Update existing rows in bulk per column set; rows the statement did not return are read
    back in one query."""
    groups = defaultdict(list)
    new_keys = {}
    for node in nodes:
        values = values_for(node, ctx)
        if not values:
            continue
        groups[tuple(values)].append((node, (*values.values(), node.lookup_key)))
        new_keys[node] = values.get(endpoint.identifier.column, node.lookup_key)
    key_column = endpoint.identifier.quoted
    position = endpoint.column_index[endpoint.identifier.column]
    for columns, members in groups.items():
        batches = [members] if bulk else [[m] for m in members]
        for batch in batches:
            if failing is not None:
                failing["node"] = batch[0][0]
            stored = sql.update_many(endpoint, list(columns), [m[1] for m in batch], key_column)
            if stored is not None:
                by_key = {_norm(row[position]): row for row in stored}
                for node, _ in batch:
                    node.row = by_key.get(_norm(new_keys.pop(node)), node.row)
    if new_keys:
        found = fetch_existing(endpoint, set(new_keys.values()))
        for node, key in new_keys.items():
            node.row = found.get(_norm(key), node.row)
