"""Property: whatever body, query string and headers a client sends to the demo endpoints, the
answer is never a 500. Hypothesis mixes well-formed parts (real fields, relations, operators)
with arbitrary JSON and text so that requests reach deep into the pipeline."""

import json
import os
from urllib.parse import quote, urlencode

import pytest
from hypothesis import HealthCheck, event, given, note, settings
from hypothesis import strategies as st

from tests.auth.conftest import bearer
from tests.security.conftest import DEMO_ENDPOINTS

# The suite runs a fixed sequence; DX_FUZZ_RANDOM=1 explores new inputs on every run.
EXAMPLES = int(os.environ.get("DX_FUZZ_EXAMPLES", "150"))
RANDOM = os.environ.get("DX_FUZZ_RANDOM") == "1"
CONFIG = json.loads(DEMO_ENDPOINTS.read_text(encoding="utf-8"))
FIELDS = {
    e["tableAlias"]: [f["fieldVisibleName"] for f in e["definition"]["fields"]] for e in CONFIG
}
RELATIONS = {e["tableAlias"]: [r["name"] for r in e.get("childRelations", [])] for e in CONFIG}
OPERATORS = ["in", "IN", "ne", "gt", "gte", "lt", "lte", "like", "ilike", "isNull", "notIn",
             "between", "eq", "nope"]  # fmt: skip

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=20),
    st.sampled_from(
        [
            "",
            "0",
            "1",
            "12.50",
            "-3.1",
            "2024-02-30",
            "2024-01-01T10:00:00Z",
            "/shop/x",
            "DE",
            "\x00",
            "é" * 300,
            "null",
        ]
    ),  # fmt: skip
)
json_values = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=8,
)


@st.composite
def items(draw, alias, depth=0):
    """Return one item: known fields, relations with child items, and arbitrary keys."""
    keys = st.sampled_from([*FIELDS[alias], "identifier"]) | st.text(max_size=8)
    item = draw(st.dictionaries(keys, scalars | json_values, max_size=5))
    if depth < 2 and RELATIONS[alias] and draw(st.booleans()):
        name = draw(st.sampled_from(RELATIONS[alias]))
        child = next(
            r["childDynamicEntityConfiguration"]["tableAlias"]
            for e in CONFIG
            if e["tableAlias"] == alias
            for r in e["childRelations"]
            if r["name"] == name
        )
        item[name] = draw(st.lists(items(child, depth + 1), max_size=2))
    return item


@st.composite
def bodies(draw, alias):
    """Return a request body: a collection or single envelope, or any JSON, or raw text."""
    kind = draw(st.sampled_from(["collection", "single", "json", "text"]))
    if kind == "collection":
        return json.dumps({"data": draw(st.lists(items(alias), max_size=3))})
    if kind == "single":
        return json.dumps({"data": draw(items(alias))})
    if kind == "json":
        return json.dumps(draw(json_values))
    return draw(st.text(max_size=40))


@st.composite
def filter_values(draw, alias):
    """Return a filter value: plain text or a (possibly ill-typed) operator object."""
    if draw(st.booleans()):
        return draw(st.text(max_size=12))
    return json.dumps({draw(st.sampled_from(OPERATORS)): draw(json_values)})


@st.composite
def queries(draw, alias):
    """Return query pairs mixing filters, paging, include, sort and fields with junk."""
    names = FIELDS[alias] + RELATIONS[alias]
    field = st.sampled_from(names) | st.text(max_size=6)
    pairs = []
    for _ in range(draw(st.integers(0, 4))):
        key = draw(
            st.one_of(
                field.map(lambda f: f"filter[{alias}.{f}]"),
                st.sampled_from(["page[offset]", "page[limit]", "include", "sort", "fields"]),
                st.text(max_size=10),
            )
        )
        if key.startswith("filter["):
            value = draw(filter_values(alias))
        elif key in {"include", "sort", "fields"}:
            value = ",".join(draw(st.lists(field, max_size=3)))
        else:
            value = draw(st.sampled_from(["0", "1", "-1", "2", "99999999999", "x"]) | st.text())
        pairs.append((key, value))
    return pairs


@st.composite
def requests(draw):
    """Return (method, url, body, headers) for one demo endpoint."""
    alias = draw(st.sampled_from(sorted(FIELDS)))
    method = draw(st.sampled_from(["get", "post", "patch", "put", "delete"]))
    entity_id = draw(st.none() | st.integers(-5, 50).map(str) | st.text(min_size=1, max_size=8))
    url = f"/dynamic-entity/{alias}"
    if entity_id is not None:
        url += "/" + quote(entity_id, safe="")
    query = urlencode(draw(queries(alias)))
    headers = {
        "HTTP_X_IS_TRANSACTIONAL": draw(st.sampled_from(["true", "false", "0", "1", "maybe"])),
        "HTTP_ACCEPT": draw(
            st.sampled_from(["application/json"] * 6 + ["*/*", "text/csv", "application/x-ndjson"])
        ),
        "HTTP_PREFER": draw(st.sampled_from(["", "count=exact", "return=minimal"])),
        "HTTP_X_DRY_RUN": draw(st.sampled_from(["", "true", "false"])),
        "HTTP_IF_MATCH": draw(st.sampled_from(["", '"x"', "*"])),
    }
    body = draw(bodies(alias)) if method in {"post", "patch", "put"} else None
    return method, f"{url}?{query}" if query else url, body, headers


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=not RANDOM,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(request=requests())
def test_no_request_is_ever_a_server_error(client, demo_endpoints, boss, request):
    method, url, body, headers = request
    note(f"{method.upper()} {url}\n{body}\n{headers}")
    kwargs = {"data": body, "content_type": "application/json"} if body is not None else {}
    response = getattr(client, method)(url, **kwargs, **headers, **boss)
    content = b"".join(response.streaming_content) if response.streaming else response.content
    note(f"{response.status_code} {content[:500]!r}")
    event(f"status {response.status_code}")
    assert response.status_code < 500
    assert response.status_code != 401  # the token stays valid: requests reach the pipeline


@pytest.fixture
def boss(superuser):
    """Return bearer headers of a superuser, shared by every example of the run."""
    return bearer(superuser)
