"""Parse stage: a write body of a given media type (JSON, CSV or NDJSON) as item dicts.

`body_kind(content_type)` picks the reader; `iter_items(kind, stream, endpoint)` reads a binary
file-like `stream` and yields one item dict per row (CSV) or line (NDJSON), incrementally: a CSV
or NDJSON body is never held whole in memory (the synchronous API has it in memory anyway, an
asynchronous job reads it from storage). A JSON body is one document and is read whole.

The items are exactly what a JSON body would hold, so planning, permissions, writing and the
exchange log treat them alike:

- CSV: a header row of visible field names (or `identifier`); each later row is an item. An
  empty cell means the field was not sent (a PATCH leaves it alone); the cell `\\N` (as in
  PostgreSQL's COPY) sends null. Cells are converted by the field's type when they fit (`42` for
  an integer, `true`/`false`/`1`/`0` for a boolean, a JSON number for a float); a cell that does
  not fit is passed on as its text, so planning reports it as it reports a JSON item with a
  wrong type (1305/1306 naming `<alias>[<row index>]` and the field): an item error, and a
  non-transactional request still stores the other rows. An unknown column name travels as a key
  too and is 1311 for every row that fills it, as in JSON. A column named
  `<field>.<key field>` (`fk_country.iso2_code`) sends a business-key reference: the cells of a
  row under one field form the key object `{"iso2_code": "DE"}` (issue 19; an empty cell sends
  nothing, so a row with every cell of a reference empty sends no reference).
- NDJSON: one JSON object per line; blank lines are skipped.
- What cannot be read into items at all (CSV syntax, a row with more or fewer cells than the
  header, a duplicate or empty column name, a line that is not a JSON object, bytes that are not
  UTF-8) refuses the whole request with 400 `1418`, naming the data row and the line.
"""

import codecs
import csv
import math
import re

from django.utils.http import parse_header_parameters

import orjson

from dataexchange import conf
from dataexchange.engine.parse.params import DEPTH_CEILING, check_depth, parse_body
from dataexchange.errors import Code, fail

JSON, CSV, NDJSON = "json", "csv", "ndjson"
MEDIA_KINDS = {
    "text/csv": CSV,
    "application/csv": CSV,
    "application/x-ndjson": NDJSON,
    "application/ndjson": NDJSON,
}
FORMAT_NAMES = {CSV: "CSV", NDJSON: "NDJSON"}
UTF8_NAMES = frozenset({"utf-8", "utf8", "us-ascii"})
NULL_TOKEN = "\\N"
IDENTIFIER_KEY = "identifier"
INTEGER_RE = re.compile(r"-?\d{1,20}")
NUMBER_RE = re.compile(r"-?\d+(\.\d+)?([eE][+-]?\d+)?")
BOOLEANS = {"true": True, "false": False, "1": True, "0": False}
READ_SIZE = 256 * 1024  # bytes read from the stream at a time


def body_kind(content_type):
    """Return the reader of a body sent as `content_type`: "csv", "ndjson" or "json" (SPEC A1:
    any other media type, or none, is read as JSON); raise 415 `1419` for a CSV or NDJSON body
    in a charset other than UTF-8."""
    media_type, params = parse_header_parameters(content_type or "")
    kind = MEDIA_KINDS.get(media_type.strip().lower(), JSON)
    charset = params.get("charset")
    if kind != JSON and charset is not None and charset.strip().lower() not in UTF8_NAMES:
        fail(Code.UNSUPPORTED_CHARSET, charset=charset[:40], mediaType=media_type)
    return kind


def iter_items(kind, stream, endpoint, *, single=False):
    """Yield the item dicts of a `kind` body read from the binary `stream`; `single` for the
    `/{id}` routes, which take exactly one item. Raise 1301 for a body without items (or with
    more than one on a single route), 1418 for a CSV or NDJSON body that cannot be read."""
    if kind == JSON:
        yield from parse_body(stream.read(), single)
        return
    reader = csv_items(stream, endpoint) if kind == CSV else ndjson_items(stream)
    count = 0
    for item in reader:
        count += 1
        if single and count > 1:
            fail(Code.DATA_FORMAT)
        yield item
    if not count:
        fail(Code.DATA_FORMAT)


def body_error(kind, reason, *, line, row=None):
    """Raise 1418 for a `kind` body, naming the data row (CSV, 1-based) and the line."""
    position = f"line {line}" if row is None else f"row {row} (line {line})"
    fail(Code.BODY_FORMAT, format=FORMAT_NAMES[kind], position=position, reason=reason)


# ── CSV ──────────────────────────────────────────────────────────────────────────────────────


def csv_items(stream, endpoint):
    """Yield the items of a CSV body: a header row, then one item per row."""
    lines = Lines(stream, CSV)
    reader = csv.reader(lines.text(), strict=True)
    header, row = None, 0
    try:
        header = next(reader, None)
        if header is None:
            return
        columns = csv_columns(header, endpoint, lines.number)
        width = len(columns)
        for cells in reader:
            if not cells:  # a blank line
                continue
            row += 1
            if len(cells) != width:
                reason = f"{len(cells)} cells where the header names {width}"
                body_error(CSV, reason, row=row, line=lines.number)
            yield csv_item(columns, cells)
    except csv.Error as exc:
        body_error(CSV, str(exc), row=row + 1 if header else None, line=lines.number)


def csv_columns(header, endpoint, line):
    """Return the CsvColumns of a header; raise 1418 for an empty or repeated name."""
    columns, seen = [], set()
    for position, name in enumerate(header, 1):
        if not name:
            body_error(CSV, f"column {position} of the header has no name", line=line)
        if name in seen:
            body_error(CSV, f"column `{name[:100]}` appears twice in the header", line=line)
        seen.add(name)
        field, dot, key_field = name.partition(".")
        if dot and endpoint is not None and field in endpoint.references:
            convert = reference_cell_converter(endpoint, field, key_field)
            columns.append(((field, key_field), convert))
        else:
            columns.append((name, cell_converter(endpoint, name)))
    return CsvColumns(tuple(columns))


class CsvColumns:
    """The columns of a CSV body: (name, convert) per header cell, and the names whose cells
    need converting (the others stay text). A business-key reference column's name is a pair
    (field, key field): its cells become `{key field: value}` objects under the field."""

    __slots__ = ("pairs", "names", "converted", "zippable")

    def __init__(self, pairs):
        self.pairs = pairs
        self.names = tuple(name for name, _ in pairs)
        self.converted = tuple((n, convert) for n, convert in pairs if convert is not keep_text)
        self.zippable = not any(type(name) is tuple for name in self.names)

    def __len__(self):
        return len(self.pairs)


def reference_cell_converter(endpoint, field, key_field):
    """Return the converter of a `field.key_field` column: by the type of `key_field` in the
    endpoint the field references (its text when that is unknown)."""
    from dataexchange import registry

    target = registry.snapshot(endpoint.version).get(endpoint.references[field].alias)
    key = target.by_name.get(key_field) if target is not None else None
    return CELL_CONVERTERS.get(key.type, keep_text) if key is not None else keep_text


def cell_converter(endpoint, name):
    """Return the function turning a cell of column `name` into its JSON value (its text when
    no endpoint is given)."""
    if endpoint is None:
        return keep_text
    field = endpoint.identifier if name == IDENTIFIER_KEY else endpoint.by_name.get(name)
    if field is None:
        return keep_text  # an unknown field: planning answers 1311 as for JSON
    return CELL_CONVERTERS.get(field.type, keep_text)


def csv_item(columns, cells):
    """Return the item of one row: empty cells left out, `\\N` as null.

    A row with neither (the common case) is zipped whole and only its typed cells converted:
    a third of the per-row cost of a cell-by-cell loop, which a million-row upload pays."""
    if columns.zippable and "" not in cells and NULL_TOKEN not in cells:
        item = dict(zip(columns.names, cells))
        for name, convert in columns.converted:
            item[name] = convert(item[name])
        return item
    item = {}
    for (name, convert), cell in zip(columns.pairs, cells, strict=True):
        if cell == "":
            continue
        value = None if cell == NULL_TOKEN else convert(cell)
        if type(name) is tuple:  # a business-key reference: (field, key field)
            reference = item.get(name[0])
            if type(reference) is not dict:
                reference = item[name[0]] = {}
            reference[name[1]] = value
        else:
            item[name] = value
    return item


def keep_text(cell):
    return cell


def integer_cell(cell):
    """Return a cell as an integer, or its text (1305 in planning) when it is not one."""
    return int(cell) if INTEGER_RE.fullmatch(cell) else cell


def float_cell(cell):
    """Return a cell as a finite number (JSON number syntax only), or its text."""
    if not NUMBER_RE.fullmatch(cell):
        return cell
    number = float(cell)
    return number if math.isfinite(number) else cell


def boolean_cell(cell):
    """Return `true`/`false`/`1`/`0` (any case) as a boolean, anything else as its text."""
    return BOOLEANS.get(cell.lower(), cell)


# Type name → cell converter. Decimal, date, datetime and string cells are checked as the
# strings JSON sends for them; a type not named here gets the text.
CELL_CONVERTERS = {
    "integer": integer_cell,
    "float": float_cell,
    "boolean": boolean_cell,
}


# ── NDJSON ───────────────────────────────────────────────────────────────────────────────────


def ndjson_items(stream):
    """Yield the items of an NDJSON body: one JSON object per line, blank lines skipped."""
    depth = min(conf.get("MAX_JSON_DEPTH"), DEPTH_CEILING)
    lines = Lines(stream, NDJSON)
    for line in lines:
        if not line.strip():
            continue
        try:
            item = orjson.loads(line)
        except orjson.JSONDecodeError:
            body_error(NDJSON, "the line is not valid JSON in UTF-8", line=lines.number)
        if type(item) is not dict:
            body_error(NDJSON, "the line is not a JSON object", line=lines.number)
        check_depth({"data": [item]}, depth)  # the depth this item has in a JSON body
        yield item


# ── lines ────────────────────────────────────────────────────────────────────────────────────


class Lines:
    """The lines of a binary stream (ending in LF or CRLF), counted in `number` as they are
    read, each at most the body cap long, a UTF-8 byte order mark dropped from the first.

    The stream is read in blocks, and each block's complete lines are split (and decoded) at
    once: a line at a time through `readline` cost more than parsing the CSV itself."""

    def __init__(self, stream, kind):
        self.stream, self.kind, self.number = stream, kind, 0
        self.limit = conf.get("MAX_BODY_BYTES")

    def runs(self):
        """Yield runs of whole lines (bytes ending in LF; the last may lack it), BOM dropped."""
        rest, first = b"", True
        while block := self.stream.read(READ_SIZE):
            data = rest + block
            cut = data.rfind(b"\n") + 1
            rest = data[cut:]
            if len(rest) > self.limit:
                self.too_long(self.number + data.count(b"\n", 0, cut) + 1)
            if not cut:
                continue
            run = data[:cut]
            if first:
                run, first = run.removeprefix(codecs.BOM_UTF8), False
            yield run
        if rest:
            yield rest.removeprefix(codecs.BOM_UTF8) if first else rest

    def __iter__(self):
        for run in self.runs():
            yield from self.split(run, b"\n")

    def split(self, run, newline):
        """Yield the lines of one run, each with its end of line, counting them."""
        parts = run.split(newline)
        last = parts.pop()
        for part in parts:
            self.number += 1
            if len(part) >= self.limit:
                self.too_long(self.number)
            yield part + newline
        if last:
            self.number += 1
            yield last

    def text(self):
        """Yield the lines decoded from UTF-8; raise 1418 for one that is not UTF-8."""
        for run in self.runs():
            try:
                text = run.decode("utf-8")
            except UnicodeDecodeError:
                for line in self.split(run, b"\n"):
                    try:
                        yield line.decode("utf-8")
                    except UnicodeDecodeError:
                        body_error(self.kind, "the line is not valid UTF-8", line=self.number)
                continue
            yield from self.split(text, "\n")

    def too_long(self, line):
        body_error(self.kind, f"a line is longer than {self.limit} bytes", line=line)
