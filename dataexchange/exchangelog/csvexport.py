"""CSV export of exchanges and items: streamed row by row, safe to open in a spreadsheet."""

import csv
from datetime import UTC

from django.http import StreamingHttpResponse
from django.utils import timezone

from dataexchange.exchangelog.models import Exchange, ExchangeItem

# A cell starting with one of these is a formula to Excel, LibreOffice and Google Sheets (OWASP
# "CSV injection"); a leading apostrophe makes it text.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n")
CHUNK_SIZE = 2000

EXCHANGE_COLUMNS = (
    ("request_id", "id"),
    ("received", "created_at"),
    ("endpoint", "endpoint"),
    ("method", "method"),
    ("entity_id", "entity_id"),
    ("client", "client"),
    ("transactional", "transactional"),
    ("http_status", "http_status"),
    ("duration_ms", "duration_ms"),
    ("items", "item_count"),
    ("failed", "failed_count"),
    ("rolled_back", "rolled_back_count"),
    ("error_codes", "error_codes"),
    ("status", "status"),
    ("replay_of", "replay_of_id"),
)
ITEM_COLUMNS = (
    ("request_id", "exchange_id"),
    ("received", "created_at"),
    ("endpoint", "exchange__endpoint"),
    ("method", "exchange__method"),
    ("index", "index"),
    ("identifier", "identifier"),
    ("operation", "operation"),
    ("status", "status"),
    ("error_code", "error_code"),
    ("path", "path"),
    ("message", "message"),
)
COLUMNS = {Exchange: EXCHANGE_COLUMNS, ExchangeItem: ITEM_COLUMNS}


class Echo:
    """A file-like object that hands back what is written, for csv.writer in a generator."""

    def write(self, value):
        return value


def cell(value):
    """Return a value as CSV text: ISO times in UTC, codes unwrapped, formulas defused."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if hasattr(value, "isoformat"):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, int | float):
        return str(value)
    text = str(value)
    if text.startswith(FORMULA_PREFIXES):
        return "'" + text
    return text


def csv_rows(queryset):
    """Yield the CSV lines (header first) of an Exchange or ExchangeItem queryset."""
    columns = COLUMNS[queryset.model]
    writer = csv.writer(Echo(), lineterminator="\r\n")
    yield writer.writerow([name for name, _ in columns])
    lookups = [lookup for _, lookup in columns]
    for values in queryset.values_list(*lookups).iterator(chunk_size=CHUNK_SIZE):
        yield writer.writerow([cell(tidy(lookup, v)) for lookup, v in zip(lookups, values)])


def tidy(lookup, value):
    """Return the exported form of a stored value (codes as `1307 1309`)."""
    if lookup == "error_codes":
        return " ".join(code for code in value.split(",") if code)
    return value


def csv_filename(queryset):
    """Return a download name like `exchanges-20260102-1530.csv`."""
    kind = "exchanges" if queryset.model is Exchange else "exchange-items"
    return f"{kind}-{timezone.now():%Y%m%d-%H%M}.csv"


def csv_response(queryset):
    """Return a streamed CSV download of an Exchange or ExchangeItem queryset."""
    return StreamingHttpResponse(
        csv_rows(queryset),
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{csv_filename(queryset)}"'},
    )
