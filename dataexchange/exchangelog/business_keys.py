"""Business-key values of a write item, for the exchange log's search (issue 19).

An ERP asks "what happened to SKU A-1?", not "to id 4711". Each item of an endpoint that declares
business keys is logged with the text of each key it carries: one value as is (`A-1`), the
values of a composite key joined by `/` (`A-1/EUR`). A key field the item sent as a business-key
reference is logged by the referenced key it sent (`{"sku": "A-1"}` → `A-1`), else by its value
as sent or, failing that, as stored. The texts join the exchange's searchable identifiers and
the item's `business_key` column.
"""

from dataexchange.engine.plan.write_plan import NESTED

SEPARATOR = "/"


def business_key_texts(outcome):
    """Return the text of each declared business key whose values the item carries."""
    endpoint = getattr(outcome, "endpoint", None)  # none for a job's refused item
    keys = endpoint.business_keys if endpoint is not None else ()
    if not keys:
        return []
    raw, row = outcome.raw, outcome.row
    texts = []
    for key in keys:
        parts = []
        for f in key.fields:
            value = raw.get(f.name) if type(raw) is dict else None
            if type(value) is dict:
                value = SEPARATOR.join(str(v) for v in value.values())
            elif value is None or isinstance(value, NESTED):
                position = endpoint.column_index.get(f.column)
                value = row[position] if row is not None and position is not None else None
            if value is None:
                break
            parts.append(str(value))
        else:
            texts.append(SEPARATOR.join(parts))
    return texts


def item_business_key(texts):
    """Return the value of ExchangeItem.business_key: the key texts, one per line, capped."""
    return "\n".join(texts)[:255]
