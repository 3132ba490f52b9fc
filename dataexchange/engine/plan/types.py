"""Plan stage — API field types: how each one is checked, converted for the database, parsed from a
filter string and rendered to JSON. One table, `TYPES`, maps a type name to its behaviour."""

import datetime as dt
import json
import math
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from dataexchange.errors import Code

DECIMAL_RE = re.compile(r"^-?\d+(\.\d+)?$")
TYPE_ERROR = Code.INVALID_TYPE
VALUE_ERROR = Code.INVALID_VALUE
UTC = dt.UTC
ZERO = dt.timedelta(0)
INT64 = range(-(2**63), 2**63)
DBL_DIG = 15  # significant decimal digits a double holds exactly


def integer_bounds(django_type, low=None, high=None):
    """Return the (min, max) an integer field may hold: the configured `low` and `high`, narrowed
    to what a column of `django_type` holds (a 64-bit integer when that type is not an integer
    type: no driver binds more, and Spryker's `is_int` is 64-bit too).

    The ranges are Django's portable ones per column type, not the backend's: SQLite stores any
    64-bit integer in an INTEGER column where PostgreSQL's and MariaDB's hold 32 bits, so the
    same values are refused (1306) on every database, as the document says."""
    # Imported here: at import time of this module django.db.models may not be loaded yet, and
    # base.operations cannot be imported before it.
    from django.db.backends.base.operations import BaseDatabaseOperations

    ranges = BaseDatabaseOperations.integer_field_ranges
    column_low, column_high = ranges.get(django_type, (INT64.start, INT64.stop - 1))
    return (
        column_low if low is None else max(low, column_low),
        column_high if high is None else min(high, column_high),
    )


class Unmatchable(ValueError):
    """A filter value that can never equal a value of the field's type."""


def php_string(value):
    """Return `value` as PHP's string cast would print it (used for Spryker's length checks)."""
    if value is True:
        return "1"
    if value is False:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _length_errors(field, text):
    length = len(text)
    if field.min_length is not None and length < field.min_length:
        return (VALUE_ERROR,)
    if field.max_length is not None and length > field.max_length:
        return (VALUE_ERROR,)
    return ()


def check_string(field, value):
    """Return the error codes of `value` for a string field."""
    if isinstance(value, str):
        return _length_errors(field, value)
    return (TYPE_ERROR, *_length_errors(field, php_string(value)))


def check_integer(field, value):
    """Return the error codes of `value` for an integer field (JSON integers only)."""
    if type(value) is not int:
        return (TYPE_ERROR,)
    if field.min is not None and value < field.min:
        return (VALUE_ERROR,)
    if field.max is not None and value > field.max:
        return (VALUE_ERROR,)
    return ()


def check_boolean(field, value):
    """Return the error codes of `value` for a boolean field: a wrong one is both 1305 and 1306."""
    return () if isinstance(value, bool) else (TYPE_ERROR, VALUE_ERROR)


def check_decimal(field, value):
    """Return the error codes of `value` for a decimal field, with precision and scale."""
    text = None if isinstance(value, bool) else _decimal_text(value)
    if text is None or not DECIMAL_RE.match(text):
        return (TYPE_ERROR, VALUE_ERROR) if field.precision is not None else (TYPE_ERROR,)
    if field.precision is None:
        return ()
    scale = field.scale or 0
    # SPEC A4 counts integer *digits*: unlike Spryker, the minus sign is not one.
    whole, _, fraction = text.lstrip("-").partition(".")
    whole = whole.lstrip("0")
    fraction = fraction.rstrip("0")
    if len(whole) > field.precision - scale or len(fraction) > scale:
        return (VALUE_ERROR,)
    return ()


def _decimal_text(value):
    if isinstance(value, str):
        return value
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return float_text(value)
    return None


def float_text(value):
    """Return a JSON number (a float) as a decimal in fixed-point notation, to 15 significant
    digits (DBL_DIG): every decimal literal of at most 15 digits comes back exactly, while the
    noise of binary floats (`0.57` sent as `57 * 0.01` = 0.5700000000000001) is dropped.

    Spryker casts the float to a PHP string (14 digits, exponent notation below 1e-4 and from
    1e15, which its pattern then refuses); we accept `1e-05` as `0.00001` (docs/openapi.md)."""
    if not math.isfinite(value):
        return None
    return format(Decimal(f"{value:.{DBL_DIG}g}").normalize(), "f")


def check_float(field, value):
    """Return the error codes of `value` for a float field: any JSON number."""
    ok = isinstance(value, int | float) and not isinstance(value, bool)
    return () if ok else (TYPE_ERROR,)


def check_date(field, value):
    """Return the error codes of `value` for a date field (ISO 8601 `YYYY-MM-DD`)."""
    if not isinstance(value, str):
        return (TYPE_ERROR,)
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        return (VALUE_ERROR,)
    return ()


def check_datetime(field, value):
    """Return the error codes of `value` for a datetime field (ISO 8601)."""
    if not isinstance(value, str):
        return (TYPE_ERROR,)
    try:
        dt.datetime.fromisoformat(value)
    except ValueError:
        return (VALUE_ERROR,)
    return ()


def parse_datetime(value):
    """Return an ISO 8601 string's instant as an aware datetime in UTC (a string without an
    offset is taken to be UTC). In UTC, because drivers that drop the offset (mysqlclient,
    sqlite3) then still write and compare the right time."""
    parsed = dt.datetime.fromisoformat(value)
    return parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def render_string(value):
    """Return a database value as a JSON string."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bytes | memoryview):
        return bytes(value).decode("utf-8", "replace")
    if isinstance(value, dict | list):
        return json.dumps(value, separators=(",", ":"))
    if isinstance(value, dt.datetime):
        return render_datetime(value)
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value)


def render_integer(value):
    return None if value is None else int(value)


def render_boolean(value):
    if value is None:
        return None
    if isinstance(value, str):
        return value.lower() in {"1", "t", "true"}
    return bool(value)


def render_float(value):
    return None if value is None else float(value)


def render_date(value):
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)[:10]


def render_datetime(value):
    """Return a datetime as ISO 8601 in UTC; naive values are taken to be UTC."""
    if value is None:
        return None
    if type(value) is dt.datetime and value.utcoffset() == ZERO:
        return value.isoformat()  # the common case: an aware UTC value from the driver
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value)
        except ValueError:
            return value
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value.isoformat()
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat()


def decimal_renderer(scale):
    """Return a renderer printing decimals with exactly `scale` fraction digits."""
    quantum = Decimal(1).scaleb(-scale) if scale is not None else None

    def render_decimal(value):
        if value is None:
            return None
        number = value if isinstance(value, Decimal) else Decimal(str(value))
        if quantum is None:
            return str(number)
        return str(number.quantize(quantum))

    return render_decimal


def parse_integer(text):
    try:
        number = int(text)
    except ValueError:
        raise Unmatchable(text) from None
    if number not in INT64:  # no integer column holds it; SQLite cannot even bind it
        raise Unmatchable(text)
    return number


def parse_string(text):
    """Return a filter string; one holding NUL matches nothing, on every backend.

    PostgreSQL text cannot hold NUL (psycopg refuses to send it) and MariaDB's collations ignore
    it (`BER\\0` would find `BER`), so NUL is ruled out before SQL: the same answer everywhere."""
    if "\x00" in text:
        raise Unmatchable(text)
    return text


def parse_boolean(text):
    lowered = text.strip().lower()
    if lowered in {"1", "true"}:
        return True
    if lowered in {"0", "false", ""}:
        return False
    raise Unmatchable(text)


def parse_decimal(text):
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise Unmatchable(text) from None
    if not number.is_finite():
        raise Unmatchable(text)
    return number


def parse_float(text):
    try:
        number = float(text)
    except ValueError:
        raise Unmatchable(text) from None
    if not math.isfinite(number):  # MySQL cannot even compare with NaN or infinity
        raise Unmatchable(text)
    return number


def parse_date(text):
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise Unmatchable(text) from None


def parse_datetime_filter(text):
    try:
        return parse_datetime(text)
    except ValueError:
        raise Unmatchable(text) from None


def coerce_json(field_type, value):
    """Return a checked JSON value converted to the Python value written to the database."""
    if value is None:
        return None
    return TYPES[field_type].coerce(value)


@dataclass(frozen=True)
class TypeSpec:
    """The behaviour of one API type."""

    check: object  # (field, json value) → tuple of error codes
    coerce: object  # checked json value → python value for the database
    parse: object  # filter string → python value, or raises Unmatchable
    render: object  # database value → json value (decimal builds its own per scale)
    json_schema: dict  # OpenAPI type/format


def _identity(value):
    return value


TYPES = {
    "integer": TypeSpec(check_integer, int, parse_integer, render_integer, {"type": "integer"}),
    "string": TypeSpec(check_string, _identity, parse_string, render_string, {"type": "string"}),
    "boolean": TypeSpec(check_boolean, bool, parse_boolean, render_boolean, {"type": "boolean"}),
    "decimal": TypeSpec(
        check_decimal,
        lambda v: Decimal(_decimal_text(v)),
        parse_decimal,
        None,
        {"type": "string", "format": "decimal"},
    ),
    "float": TypeSpec(
        check_float, float, parse_float, render_float, {"type": "number", "format": "float"}
    ),
    "date": TypeSpec(
        check_date,
        dt.date.fromisoformat,
        parse_date,
        render_date,
        {"type": "string", "format": "date"},
    ),
    "datetime": TypeSpec(
        check_datetime,
        parse_datetime,
        parse_datetime_filter,
        render_datetime,
        {"type": "string", "format": "date-time"},
    ),
}
