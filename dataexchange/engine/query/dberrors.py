"""Query stage — translate database integrity errors into API errors 1302 and 1309, naming the
column where the backend tells it (SPEC A5); each dialect reads its own driver's errors."""

from dataexchange.engine.query.dialects import dialect
from dataexchange.engine.query.dialects.base import NOT_NULL, OTHER, UNIQUE
from dataexchange.errors import Code, make_error

__all__ = ["NOT_NULL", "OTHER", "UNIQUE", "classify", "to_api_error"]


def classify(error, table_info):
    """Return (kind, column or None) for an IntegrityError or DataError."""
    return dialect().classify_integrity_error(error, table_info)


def to_api_error(error, endpoint, path):
    """Return the 1309/1302 ApiError for a database error while writing the item at `path`."""
    kind, column = classify(error, endpoint.table_info)
    field = endpoint.by_column.get(column) if column else None
    error_path = f"{path}.{field.name}" if field else path
    if kind == UNIQUE:
        return make_error(Code.DUPLICATE_ENTRY, errorPath=error_path)
    if kind == NOT_NULL:
        return make_error(Code.PERSIST_NULL, errorPath=error_path)
    return make_error(Code.PERSIST_FAILED, errorPath=error_path)
