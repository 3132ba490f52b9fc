"""Parse stage — `Accept` parsing (SPEC A1, B6): the one reading of the `Accept` header into the
media to answer.

Two rules, pinned by tests, read the same parsed ranges: JSON is acceptable when any range (any
`q`, an empty one included) is JSON-compatible; a stream (CSV, NDJSON) is chosen on GET
collection when it has the highest `q` of the known ranges, the earlier range winning a tie.
`text/csv; escape=none` asks for CSV without formula defusing.
"""

from dataclasses import dataclass

JSON_COMPATIBLE = frozenset({"", "*/*", "application/json", "application/*"})
JSON_RANGES = frozenset({"*/*", "application/*", "application/json"})
STREAM_KINDS = {"text/csv": "csv", "application/x-ndjson": "ndjson"}
CONTENT_TYPES = {
    "json": "application/json",
    "csv": "text/csv; charset=utf-8",
    "ndjson": "application/x-ndjson",
}
EXTENSIONS = {"json": "json", "csv": "csv", "ndjson": "ndjson"}


@dataclass(frozen=True, slots=True)
class MediaRange:
    """One comma-separated part of an Accept header: type (lowercased), parameters and `q`."""

    media: str
    params: str

    def param(self, wanted, default=""):
        """Return the value of parameter `wanted` (name case-insensitive, quotes dropped)."""
        for param in self.params.split(";"):
            name, _, value = param.partition("=")
            if name.strip().lower() == wanted:
                return value.strip().strip('"')
        return default

    @property
    def quality(self):
        try:
            return float(self.param("q", "1"))
        except ValueError:
            return 0.0


@dataclass(frozen=True, slots=True)
class Media:
    """The negotiated answer: `kind` json, csv or ndjson; `escape` False for CSV exact values."""

    kind: str
    escape: bool = True

    @property
    def is_stream(self):
        return self.kind != "json"

    @property
    def content_type(self):
        return CONTENT_TYPES[self.kind]

    @property
    def extension(self):
        return EXTENSIONS[self.kind]

    @property
    def name(self):
        """Return the media range that asks for this Media (`text/csv; escape=none`, ...)."""
        if self.kind == "csv":
            return "text/csv" if self.escape else "text/csv; escape=none"
        return "application/x-ndjson" if self.kind == "ndjson" else "application/json"

    @property
    def defuses_formulas(self):
        """Return whether string cells are defused against spreadsheet formulas (CSV only)."""
        return self.kind == "csv" and self.escape


JSON = Media("json")
CSV = Media("csv")
CSV_EXACT = Media("csv", escape=False)
NDJSON = Media("ndjson")


def parse_accept(header):
    """Return the media ranges of an Accept header, in order."""
    ranges = []
    for part in (header or "").split(","):
        media, _, params = part.partition(";")
        ranges.append(MediaRange(media.strip().lower(), params))
    return tuple(ranges)


def negotiate(header, *, streamable):
    """Return the Media to answer with, or None when nothing acceptable is offered (010).

    `streamable`: the request may be answered with a stream (GET or HEAD on a collection)."""
    ranges = parse_accept(header)
    if streamable:
        media = preferred_stream(ranges)
        if media is not None:
            return media
    if not header or any(r.media in JSON_COMPATIBLE for r in ranges):
        return JSON
    return None


def preferred_stream(ranges):
    """Return the stream Media preferred to JSON by the highest `q` (earlier wins a tie)."""
    best, best_q = None, 0.0
    for media_range in ranges:
        media = range_media(media_range)
        q = media_range.quality
        if media is not None and q > best_q:
            best, best_q = media, q
    return best if best is not None and best.is_stream else None


def range_media(media_range):
    """Return the Media one range names (JSON for the JSON ranges), or None."""
    if media_range.media in JSON_RANGES:
        return JSON
    kind = STREAM_KINDS.get(media_range.media)
    if kind == "csv" and media_range.param("escape").lower() == "none":
        return CSV_EXACT
    return Media(kind) if kind else None
