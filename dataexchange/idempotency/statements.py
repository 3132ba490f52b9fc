"""The two statements on every keyed write's path, claim and keep, compiled once per database.

Through the ORM, the claim was a transaction of its own (BEGIN, `SET LOCAL synchronous_commit`,
INSERT, COMMIT: four round trips) and each statement was built and compiled per request; both
cost about 3.5 ms in process on a quiet machine, the end-to-end budget being 1 ms. Here the claim
is one statement committed on its own (on PostgreSQL without waiting for the disk) and the keep
one UPDATE in the data's transaction: one round trip each. Values are prepared by the model's own
fields (`get_db_prep_save`), so what is stored is exactly what the ORM stores and reads back;
the str values of character fields, which that returns as they are, go without the calls (in a
1,000-row POST, claim and keep took ~0.07 ms less CPU so).
"""

import functools

from django.db import DEFAULT_DB_ALIAS, connections, models

from dataexchange.engine.query.cursor import db_cursor
from dataexchange.engine.query.dialects import dialect
from dataexchange.exchangelog import conf as log_conf
from dataexchange.idempotency.models import IdempotencyKey

CLAIM_COLUMNS = (
    "caller",
    "key",
    "fingerprint",
    "state",
    "attempt",
    "lease_until",
    "created_at",
    "expires_at",
    "headers",
    "content_type",
    "content",
)
KEEP_COLUMNS = ("state", "status_code", "headers", "content_type", "content", "fingerprint")
KEEP_WHERE = ("id", "attempt", "state")
# Fields whose preparation returns the store's values (str) as they are, on every backend.
AS_IS = (models.CharField,)


@functools.cache
def claim_statement(engine, relaxed):
    """Return (preparers, SQL) of the claim's INSERT on the database of dialect `engine`."""
    meta, quote = IdempotencyKey._meta, connections[DEFAULT_DB_ALIAS].ops.quote_name
    fields = [meta.get_field(name) for name in CLAIM_COLUMNS]
    sql = engine.insert_new_sql(
        quote(meta.db_table),
        [quote(field.column) for field in fields],
        [quote(meta.get_field(name).column) for name in ("caller", "key")],
        quote(meta.pk.column),
        relaxed=relaxed,
    )
    return preparers(fields), sql


@functools.cache
def keep_statement(engine):
    """Return (preparers, SQL) of the keep's conditional UPDATE (`engine` keys the cache)."""
    meta, quote = IdempotencyKey._meta, connections[DEFAULT_DB_ALIAS].ops.quote_name
    fields = tuple(meta.get_field(name) for name in KEEP_COLUMNS + KEEP_WHERE)
    assignments = ", ".join(f"{quote(f.column)} = %s" for f in fields[: len(KEEP_COLUMNS)])
    conditions = " AND ".join(f"{quote(f.column)} = %s" for f in fields[len(KEEP_COLUMNS) :])
    return preparers(fields), f"UPDATE {quote(meta.db_table)} SET {assignments} WHERE {conditions}"


def preparers(fields):
    """Return, per field, the field that prepares its values, or None where they go as they are
    (AS_IS)."""
    return tuple(None if isinstance(field, AS_IS) else field for field in fields)


def prepared(fields, values, db):
    """Return `values` as the model's fields store them; `fields`: from `preparers`."""
    return [
        value if field is None else field.get_db_prep_save(value, db)
        for field, value in zip(fields, values)
    ]


def claim_insert(values):
    """Insert a claim row of `values` (in CLAIM_COLUMNS order) unless (caller, key) exists;
    return its primary key, or None. Outside a transaction it commits at once, relaxed where
    the database can (a claim lost in a crash claimed nothing that was written: the data
    commits later, with its answer, and a synchronous COMMIT flushes the claim's too)."""
    engine, db = dialect(), connections[DEFAULT_DB_ALIAS]
    relaxed = not db.in_atomic_block and log_conf.get("ASYNC_COMMIT")
    fields, sql = claim_statement(engine, relaxed)
    with db_cursor() as cursor:
        cursor.execute(sql, prepared(fields, values, db))
        return engine.inserted_key(cursor)


def keep_update(values):
    """Store an answer: `values` in KEEP_COLUMNS + KEEP_WHERE order; return whether the row
    (still held by that attempt) was updated."""
    db = connections[DEFAULT_DB_ALIAS]
    fields, sql = keep_statement(dialect())
    with db_cursor() as cursor:
        cursor.execute(sql, prepared(fields, values, db))
        return cursor.rowcount == 1
