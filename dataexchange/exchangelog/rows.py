"""Insert exchange-log rows with one precompiled statement, on the engine's cursor.

Every write request inserts its Exchange inside the data's transaction, so the record's cost is
paid on the request's path. `Model.save()` compiles an INSERT each time and runs model
machinery the log does not need (about a third of a lone POST's Python time); here the
statement is built once per model and database, and each field still prepares its own value
(`get_db_prep_save`), so what is stored is exactly what the ORM would store.
"""

import functools

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models.base import ModelState

from dataexchange.engine.query.cursor import db_cursor
from dataexchange.engine.query.dialects import dialect


@functools.cache
def insert_statement(model, engine):
    """Return (the fields written, the INSERT of one row's placeholders) for `model` on the
    database of dialect `engine` (database-generated keys are left to the database)."""
    fields = tuple(f for f in model._meta.concrete_fields if not f.auto_created)
    quote = connections[DEFAULT_DB_ALIAS].ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    return fields, f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES "


def insert_rows(model, objects, *, before=None):
    """Insert `objects` (unsaved instances of `model`) in as few statements as the database's
    parameter limit allows; `before` (SQL, params), a `WITH` clause, begins the first one."""
    if not objects:
        return
    engine = dialect()
    db = connections[DEFAULT_DB_ALIAS]  # not the thread-local proxy: fields ask it many times
    fields, statement = insert_statement(model, engine)
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    per_statement = max(1, (engine.max_params - 10) // len(fields))
    with db_cursor() as cursor:
        for start in range(0, len(objects), per_statement):
            part = objects[start : start + per_statement]
            params = [
                field.get_db_prep_save(field.pre_save(obj, True), db)
                for obj in part
                for field in fields
            ]
            sql = statement + ", ".join([row] * len(part))
            if before is not None and not start:
                sql, params = before[0] + sql, [*before[1], *params]
            cursor.execute(sql, params)
    for obj in objects:
        obj._state.adding = False
        obj._state.db = db.alias


@functools.cache
def field_defaults(model):
    """Return (attname, default, whether the default is a factory) for `model`'s fields."""
    return tuple(
        (f.attname, f.default, True) if f.has_default() and callable(f.default)
        else (f.attname, f.get_default(), False)
        for f in model._meta.concrete_fields
    )  # fmt: skip


def new_row(model, **values):
    """Return an unsaved `model` instance with `values` (by attname) over the fields' defaults:
    what `model(**values)` builds, without its per-instance signals and keyword handling."""
    instance = model.__new__(model)
    instance._state = ModelState()
    attributes = instance.__dict__
    for attname, default, factory in field_defaults(model):
        attributes[attname] = default() if factory else default
    attributes.update(values)
    return instance
