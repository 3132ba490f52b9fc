"""Translate database integrity errors of all three backends into API errors 1302 and 1309,
naming the column where the backend tells it (SPEC A5)."""

import re

from django.db import connection

from dataexchange.errors import make_error

PG_KEY_RE = re.compile(r"Key \((?P<columns>[^)]+)\)=")
SQLITE_RE = re.compile(r"(?P<kind>UNIQUE|NOT NULL) constraint failed: (?P<columns>[\w.,\s]+)")
MYSQL_DUP_KEY_RE = re.compile(r"for key '(?P<key>[^']+)'")
MYSQL_COLUMN_RE = re.compile(r"(?:Column|Field) '(?P<column>[^']+)'")
MYSQL_FK_RE = re.compile(r"FOREIGN KEY \(`(?P<column>[^`]+)`\)")
MYSQL_DATA_RE = re.compile(r"for column [`']?(?P<column>[^`' ]+)[`']?")

UNIQUE, NOT_NULL, OTHER = "unique", "not_null", "other"


def classify(error, table_info):
    """Return (kind, column or None) for an IntegrityError or DataError."""
    vendor = connection.vendor
    if vendor == "postgresql":
        return _classify_postgres(error)
    if vendor == "mysql":
        return _classify_mysql(error, table_info)
    return _classify_sqlite(error)


def _classify_postgres(error):
    cause = error.__cause__ or error
    diag = getattr(cause, "diag", None)
    state = getattr(cause, "sqlstate", None) or getattr(diag, "sqlstate", None)
    detail = getattr(diag, "message_detail", None) or ""
    match = PG_KEY_RE.search(detail)
    column = match["columns"].split(",")[-1].strip().strip('"') if match else None
    if state == "23505":
        return UNIQUE, column
    if state == "23502":
        return NOT_NULL, getattr(diag, "column_name", None)
    return OTHER, column or getattr(diag, "column_name", None)


def _classify_mysql(error, table_info):
    cause = error.__cause__ or error
    args = getattr(cause, "args", ()) or ()
    number = args[0] if args and isinstance(args[0], int) else None
    message = str(args[1]) if len(args) > 1 else str(error)
    if number == 1062:
        match = MYSQL_DUP_KEY_RE.search(message)
        key = match["key"].rsplit(".", 1)[-1] if match else None
        columns = table_info.unique_constraints.get(key, ()) if key else ()
        return UNIQUE, columns[-1] if columns else None
    if number in (1048, 1364):
        match = MYSQL_COLUMN_RE.search(message)
        return NOT_NULL, match["column"] if match else None
    match = MYSQL_FK_RE.search(message) or MYSQL_DATA_RE.search(message)
    return OTHER, match.groupdict().get("column") if match else None


def _classify_sqlite(error):
    match = SQLITE_RE.search(str(error))
    if not match:
        return OTHER, None
    column = match["columns"].split(",")[-1].strip().rsplit(".", 1)[-1]
    return (UNIQUE if match["kind"] == "UNIQUE" else NOT_NULL), column


def to_api_error(error, endpoint, path):
    """Return the 1309/1302 ApiError for a database error while writing the item at `path`."""
    kind, column = classify(error, endpoint.table_info)
    field = endpoint.by_column.get(column) if column else None
    error_path = f"{path}.{field.name}" if field else path
    if kind == UNIQUE:
        return make_error("1309", errorPath=error_path)
    if kind == NOT_NULL:
        return make_error("1302-null", errorPath=error_path)
    return make_error("1302", errorPath=error_path)
