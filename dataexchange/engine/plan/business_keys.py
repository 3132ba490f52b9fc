"""Plan stage — business keys (issue 19): what a write item says about rows by the keys an ERP
knows, checked without the database.

Two uses, both only when a request sends them (an endpoint without business keys, and an item
without key objects, never reach this module):

- a *reference*: an object under a configured scalar field whose column a configured relation
  links to another endpoint (`"fk_currency": {"code": "EUR"}`) names the referenced row by one of
  that endpoint's business keys (the one exception to SPEC A2, docs/extensions.md#business-keys);
- *addressing*: a PATCH or PUT collection item without its identifier but with every field of a
  declared business key (`{"sku": "A-1", ...}`) updates, or for PUT creates, the row with that key.

The execute stage (`engine.execute.references`) looks the keys up in bulk.
"""

from dataclasses import dataclass

from dataexchange.errors import Code, make_error


@dataclass(eq=False, slots=True)
class KeyReference:
    """One business-key reference of a write item, resolved to a value by the execute stage."""

    node: object  # the write_plan.Node holding it
    field: object  # the referencing Field
    target: object  # the referenced compiled endpoint
    column: str  # the target's column whose value the field stores
    key: object  # the registry.BusinessKey sent
    values: tuple  # the key's database values, in key order
    sent: dict  # the object as sent (for messages)


def plan_reference(snapshot, node, field, reference, value):
    """Return the KeyReference of `value` (an object under `field`), or add to the node's errors
    (1436 the target has no business key; 1432 the object is no key of it; 1433 a key value does
    not fit its field; 1434 a key value no row can hold) and return None."""
    target = snapshot.get(reference.alias)

    def refuse(code, **params):
        node.errors.append(make_error(code, errorPath=node.path, fieldName=field.name, **params))

    if target is None or not target.business_keys:
        refuse(Code.NO_BUSINESS_KEY, aliasName=reference.alias, column=reference.column)
        return None
    key = matching_key(target.business_keys, value)
    if key is None:
        keys = "; ".join("{" + k.describe() + "}" for k in target.business_keys)
        refuse(Code.BUSINESS_KEY_FORM, aliasName=target.alias, keys=keys)
        return None
    values = key_values(key, value)
    if values is None:
        for key_field in key.fields:
            sent = value[key_field.name]
            if sent is None or isinstance(sent, list | dict) or key_field.check(key_field, sent):
                refuse(Code.BUSINESS_KEY_VALUE, keyField=key_field.name, aliasName=target.alias)
        return None
    if holds_nul(values):
        # No row holds it on any database (PostgreSQL cannot even be asked; MariaDB's
        # collations would ignore the NUL): the key matches nothing, as a filter value does.
        key_sent = key.describe(tuple(value[f.name] for f in key.fields))
        refuse(Code.REFERENCE_NOT_FOUND, aliasName=target.alias, key=key_sent)
        return None
    return KeyReference(node, field, target, reference.column, key, values, value)


def holds_nul(values):
    """Return whether key `values` hold a NUL character: no row holds one on any database
    (PostgreSQL cannot even be asked; MariaDB's collations would ignore it)."""
    return any(type(v) is str and "\x00" in v for v in values)


def matching_key(keys, value):
    """Return the key of `keys` whose fields are exactly the names `value` sends, or None."""
    names = value.keys()
    for key in keys:
        if len(key.names) == len(names) and key.names.issuperset(names):
            return key
    return None


def key_values(key, item):
    """Return the database values of `key` in `item` (sent by visible name), or None when one is
    missing, null, nested or does not fit its field."""
    values = []
    for f in key.fields:
        value = item.get(f.name)
        if value is None or isinstance(value, list | dict) or f.check(f, value):
            return None
        values.append(f.coerce(value))
    return tuple(values)


PENDING = object()  # a key value sent as a business-key reference, known once it is resolved


def addressing_key(endpoint, item):
    """Return (BusinessKey, values) of the first declared key `item` sends whole and valid, or
    None: the row a PATCH or PUT item without identifier is about. A key field sent as a
    reference (`"fk_product": {"sku": "A-1"}`) counts: its value is PENDING until the execute
    stage resolves it (`engine.execute.references.complete_addressing`)."""
    references = endpoint.references
    for key in endpoint.business_keys:
        values = []
        for f in key.fields:
            value = item.get(f.name)
            if type(value) is dict and f.name in references:
                values.append(PENDING)
            elif value is None or isinstance(value, list | dict) or f.check(f, value):
                break
            else:
                values.append(f.coerce(value))
        else:
            return key, tuple(values)
    return None
