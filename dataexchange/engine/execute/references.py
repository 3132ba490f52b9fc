"""Execute stage — business keys looked up in bulk (issue 19).

`resolve_references` turns every business-key reference of a write's items into the value the
referencing column stores: one query per referenced endpoint and key (and stored column) for the
whole batch, whatever its size. `find_by_business_keys` finds the rows PATCH and PUT items address
by a business key, one query per key. A key that matches nothing is an error of its item.
"""

from collections import defaultdict

from dataexchange.engine.plan.business_keys import PENDING, holds_nul
from dataexchange.engine.plan.write_plan import MISSING
from dataexchange.engine.query import sql
from dataexchange.engine.query.dialects import dialect
from dataexchange.errors import Code, make_error


def resolve_references(roots):
    """Resolve the references of the roots without errors (and of their children): set
    `node.resolved[field name]`, or add 1434 (naming the path and the key) to the root."""
    groups = defaultdict(list)
    for root in roots:
        if root.errors:
            continue
        for node in root.walk():
            for reference in node.references:
                groups[(reference.target.alias, reference.key.columns, reference.column)].append(
                    reference
                )
    for (_, _, column), references in groups.items():
        target = references[0].target
        quoted = [f.quoted for f in references[0].key.fields]
        found = sql.select_by_keys(
            target.quoted_table,
            quoted,
            {r.values for r in references},
            ", ".join([*quoted, sql.quote(column)]),
        )
        by_key = {row[:-1]: row[-1] for row in found}
        normalized = None  # built only if a sent value differs in type from the stored one
        for reference in references:
            node = reference.node
            value = by_key.get(reference.values, MISSING_ROW)
            if value is MISSING_ROW:
                if normalized is None:
                    normalized = {normal(key): v for key, v in by_key.items()}
                value = normalized.get(normal(reference.values), MISSING_ROW)
            if value is MISSING_ROW:
                root_of(node).errors.append(
                    make_error(
                        Code.REFERENCE_NOT_FOUND,
                        errorPath=node.path,
                        fieldName=reference.field.name,
                        aliasName=target.alias,
                        key=reference.key.describe(sent_values(reference)),
                    )
                )
                continue
            if node.resolved is None:
                node.resolved = {}
            node.resolved[reference.field.name] = value
    complete_addressing(roots)


def complete_addressing(roots):
    """Fill in the business-key values of PATCH/PUT roots that sent a key field as a reference
    (PENDING in the plan), now that the references are resolved."""
    for root in roots:
        if root.business_key is None or root.errors or PENDING not in root.business_key[1]:
            continue
        key, values = root.business_key
        root.business_key = (
            key,
            tuple(
                root.resolved[f.name] if value is PENDING else value
                for f, value in zip(key.fields, values)
            ),
        )


def find_by_business_keys(endpoint, nodes):
    """Return {node: stored row} of the nodes addressed by a business key whose row exists (one
    query per key); each found node's `lookup_key` becomes the row's identifier."""
    groups = defaultdict(list)
    for node in nodes:
        if node.business_key is not None and node.lookup_key is MISSING:
            groups[node.business_key[0]].append(node)
    found = {}
    for key, members in groups.items():
        positions = [endpoint.column_index[c] for c in key.columns]
        rows = sql.select_by_keys(
            endpoint.quoted_table,
            [f.quoted for f in key.fields],
            {n.business_key[1] for n in members if not holds_nul(n.business_key[1])},
            endpoint.select_list,
        )
        by_key = {normal(tuple(row[p] for p in positions)): row for row in rows}
        position = endpoint.column_index[endpoint.identifier.column]
        for node in members:
            row = by_key.get(normal(node.business_key[1]))  # as the database compares
            if row is not None:
                found[node] = row
                node.lookup_key = row[position]
    return found


def not_found_error(node):
    """Return the 1435 error of a PATCH item whose business key matches no row."""
    key = node.business_key[0]
    return make_error(
        Code.BUSINESS_KEY_NOT_FOUND,
        errorPath=node.path,
        key=key.describe([node.raw[f.name] for f in key.fields]),
    )


MISSING_ROW = object()


def sent_values(reference):
    return [reference.sent[f.name] for f in reference.key.fields]


def normal(values):
    """Return key values comparable between what was sent and what the driver returns, as the
    database compares them (`key_text`: MariaDB's collations ignore case)."""
    text = dialect().key_text
    return tuple(text(v) for v in values)


def root_of(node):
    while node.parent is not None:
        node = node.parent
    return node
