"""Insert exchange-log rows with one precompiled statement, on the engine's cursor.

Every write request inserts its Exchange inside the data's transaction, so the record's cost is
paid on the request's path. `Model.save()` compiles an INSERT each time and runs model
machinery the log does not need (about a third of a lone POST's Python time); here the
statement is built once per model and database, and each field still prepares its own value
(`get_db_prep_save`), so what is stored is exactly what the ORM would store — except where that
preparation is known to give the value back unchanged: a text value of a plain CharField or
TextField, and NULL of a nullable field of those kinds (about half of a record's fields; four
calls each otherwise, for every failed item of a batch too).
"""

import functools

from django.db import DEFAULT_DB_ALIAS, connections, models
from django.db.models.base import ModelState

from dataexchange.engine.query.cursor import db_cursor
from dataexchange.engine.query.dialects import dialect


@functools.cache
def insert_statement(model, engine):
    """Return (the fields written, the INSERT of one row's placeholders) for `model` on the
    database of dialect `engine` (database-generated keys are left to the database)."""
    fields = written_fields(model)
    quote = connections[DEFAULT_DB_ALIAS].ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    return fields, f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES "


def written_fields(model):
    """Return the fields an INSERT of `model` writes (database-generated keys left out)."""
    return tuple(f for f in model._meta.concrete_fields if not f.auto_created)


# Fields whose preparation returns a `str` value unchanged (CharField.to_python is `str()`).
PLAIN_TEXT_FIELDS = (models.CharField, models.TextField)


@functools.cache
def preparers(model):
    """Return (attname, the field, whether its `str` values and NULL need no preparation) for
    the fields `insert_statement` writes, in its order."""
    return tuple((f.attname, f, type(f) in PLAIN_TEXT_FIELDS) for f in written_fields(model))


def prepared(obj, fields, db):
    """Return the values of `obj` for `fields` (`preparers`) as `get_db_prep_save` would."""
    values = []
    append = values.append
    for attname, model_field, plain in fields:
        value = obj.__dict__[attname]
        if plain and (type(value) is str or (value is None and model_field.null)):
            append(value)
        else:
            append(model_field.get_db_prep_save(model_field.pre_save(obj, True), db))
    return values


def insert_rows(model, objects, *, before=None):
    """Insert `objects` (unsaved instances of `model`) in as few statements as the database's
    parameter limit allows; `before` (SQL, params), a `WITH` clause, begins the first one."""
    if not objects:
        return
    engine = dialect()
    db = connections[DEFAULT_DB_ALIAS]  # not the thread-local proxy: fields ask it many times
    fields, statement = insert_statement(model, engine)
    prepare = preparers(model)
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    per_statement = max(1, (engine.max_params - 10) // len(fields))
    with db_cursor() as cursor:
        for start in range(0, len(objects), per_statement):
            part = objects[start : start + per_statement]
            params = [value for obj in part for value in prepared(obj, prepare, db)]
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
