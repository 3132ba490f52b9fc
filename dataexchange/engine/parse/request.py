"""Parse stage's product: the typed request every later stage reads, built once at the edge.

An `ApiRequest` holds everything the pipeline needs from an HTTP request (or from a replay, or a
job): method, endpoint alias, identifier, query, body items, transaction mode, dry run,
preconditions, preferences, media type and caller. Nothing after the edge reads a Django request
or its headers.
"""

import io
from dataclasses import dataclass

from dataexchange import conf
from dataexchange.engine.parse.bodies import body_kind, iter_items
from dataexchange.engine.parse.params import EMPTY_QUERY, parse_query
from dataexchange.engine.query.counting import NO_PREFERENCES, Preferences
from dataexchange.errors import Code, fail


class ItemSource:
    """The items of a write body, parsed when a stage first reads them (after the endpoint and
    the caller's permission on it were checked, so that those errors come first), whole or in
    chunks (a large import need not be held as one list by stages that read it in chunks).
    The body is JSON, CSV or NDJSON as its `content_type` says (`engine.parse.bodies`).
    `start` numbers the first item in error paths: a job's chunk is part of a larger body."""

    __slots__ = ("_raw", "_single", "_size", "_items", "content_type", "start")

    def __init__(self, raw=b"", *, single=False, size=0, items=None, content_type=None, start=0):
        self._raw, self._single, self._size, self._items = raw, single, size, items
        self.content_type, self.start = content_type, start

    @classmethod
    def of(cls, items, *, single=False, start=0):
        """Return a source holding `items` already parsed (replay, jobs)."""
        return cls(single=single, items=list(items), start=start)

    @property
    def raw(self):
        """Return the body's bytes as received (empty for a source of parsed items)."""
        return self._raw

    def all(self, endpoint=None):
        """Return every item, CSV cells converted by the types of `endpoint`'s fields; raise
        1408, 1301, 1412, 1418 or 1419 for a body that is not a batch."""
        if self._items is None:
            limit = conf.get("MAX_BODY_BYTES")
            if self._size > limit:
                fail(Code.BODY_TOO_LARGE, size=self._size, max=limit)
            kind = body_kind(self.content_type)
            stream = io.BytesIO(self._raw)
            self._items = list(iter_items(kind, stream, endpoint, single=self._single))
        return self._items

    def chunks(self, size, endpoint=None):
        """Yield the items in lists of at most `size`."""
        items = self.all(endpoint)
        for start in range(0, len(items), size):
            yield items[start : start + size]


@dataclass
class Caller:
    """Who asks: the user and the credential (token or API key) that authenticated them, in the
    shape permission checks read (`user`, `auth`); permission checks memoise grants on it, so
    it is one per request."""

    user: object
    auth: object = None

    @property
    def config_version(self):
        """Return the configuration version read with the credential, if any."""
        return getattr(self.auth, "config_version", None)


@dataclass(frozen=True, slots=True)
class ApiRequest:
    """One request to a Data Exchange endpoint, as values."""

    method: str
    alias: str
    caller: Caller
    entity_id: str | None = None
    params: object = None  # the query parameters (a QueryDict), parsed by `query`
    body: ItemSource | None = None
    transactional: bool = True
    dry_run: bool = False
    if_match: str | None = None  # the raw `If-Match` value, checked in the write's transaction
    preferences: Preferences = NO_PREFERENCES
    stream: object = None  # the stream Media (engine.media) of an export; None for JSON
    # The caller reads the write's ItemOutcomes (a job), so no response body is rendered.
    outcomes_only: bool = False

    @property
    def query(self):
        """Return the RawQuery of the parameters; raise 011 for a filter key without a dot."""
        return EMPTY_QUERY if not self.params else parse_query(self.params)

    @property
    def single(self):
        """Return whether the request addresses one row (`/{id}` routes)."""
        return self.entity_id is not None
