"""Parse stage: the query parameters, the body and the header values of a request as typed values.

Nothing here knows about endpoints; checks against the configuration happen in `plan`.
"""

import json
from dataclasses import dataclass

import orjson

from dataexchange import conf
from dataexchange.errors import Code, fail


@dataclass(frozen=True, slots=True)
class RawFilter:
    """`filter[<anything>.<field>]=<value>` with the part before the dot dropped."""

    field: str
    value: str


@dataclass(frozen=True, slots=True)
class RawQuery:
    """The query parameters of a read or delete."""

    filters: tuple
    offset: str | None
    limit: str | None
    include: tuple  # chains: tuples of relation names
    sort: tuple = ()  # SPEC B4: visible names, `-` prefix for descending
    fields: tuple = ()  # SPEC B4: visible names to return; empty for all


EMPTY_QUERY = RawQuery((), None, None, ())


def parse_query(params):
    """Return the RawQuery of a QueryDict; raise 011 for a filter key without a dot."""
    filters = []
    for key in params:
        if not (key.startswith("filter[") and key.endswith("]")):
            continue
        inner = key[len("filter[") : -1]
        if "." not in inner:
            fail(Code.FILTER_FORMAT)
        filters.append(RawFilter(inner.split(".", 1)[1], params.getlist(key)[-1]))
    include = tuple(
        tuple(chain.split("."))
        for chain in (params.get("include") or "").split(",")
        if chain.strip()
    )
    return RawQuery(
        tuple(filters),
        params.get("page[offset]"),
        params.get("page[limit]"),
        include,
        sort=parse_names(params.get("sort")),
        fields=parse_names(params.get("fields")),
    )


def parse_names(text):
    """Return the non-empty names of a comma-separated parameter (`sort`, `fields`)."""
    return tuple(name.strip() for name in (text or "").split(",") if name.strip())


def parse_filter_value(text):
    """Return ('op', value) for a filter value: a one-key JSON object naming an operator, or
    ('eq', text) for anything else (SPEC A3)."""
    stripped = text.strip()
    if stripped.startswith("{"):
        try:
            decoded = json.loads(stripped)
        except ValueError:
            return "eq", text
        if isinstance(decoded, dict) and len(decoded) == 1:
            ((op, value),) = decoded.items()
            return op, value
    return "eq", text


def parse_body(body, single):
    """Return the list of item dicts of a write body, or raise 1301 (SPEC A2) or 1412."""
    try:
        document = orjson.loads(body) if body else None
    except orjson.JSONDecodeError:
        fail(Code.DATA_FORMAT)
    check_depth(document, min(conf.get("MAX_JSON_DEPTH"), DEPTH_CEILING))
    data = document.get("data") if isinstance(document, dict) else None
    if single:
        if not isinstance(data, dict) or not data:
            fail(Code.DATA_FORMAT)
        return [data]
    if not isinstance(data, list) or not data:
        fail(Code.DATA_FORMAT)
    if not all(isinstance(item, dict) for item in data):
        fail(Code.DATA_FORMAT)
    return data


CONTAINERS = frozenset((dict, list))
# Whatever MAX_JSON_DEPTH says: a response nests up to two levels per level of the body, and
# orjson writes at most 254 (and in 3.13 can corrupt memory at exactly 254).
DEPTH_CEILING = 100


def check_depth(document, limit):
    """Raise 1412 when `document` nests objects and arrays more than `limit` levels deep.

    Level by level, without recursion, so that no later stage (planning, writing, rendering
    the response two levels per item level, capturing for the log) meets a body deeper than
    it can handle; `{"data":[{}]}` is 3 levels deep."""
    level, depth = [document] if type(document) in CONTAINERS else [], 1
    while level:
        if depth > limit:
            fail(Code.BODY_TOO_DEEP, max=limit)
        deeper = []
        for value in level:
            for child in value.values() if type(value) is dict else value:
                if type(child) in CONTAINERS:
                    deeper.append(child)
        level, depth = deeper, depth + 1


def is_transactional(headers):
    """Return False only for `X-Is-Transactional: false` or `0` (SPEC A6)."""
    return headers.get("X-Is-Transactional") not in {"false", "0"}
