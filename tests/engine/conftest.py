"""Fixtures of the engine unit tests: the wire-contract endpoints of tests/api, compiled.

The pipeline's pure parts (plan, types, operators) are tested on compiled endpoints; the database
is used only to compile them (configuration rows and table introspection).
"""

import pytest

from dataexchange import registry
from dataexchange.engine.parse.params import RawFilter, RawQuery
from dataexchange.errors import ApiException
from tests.api.conftest import (  # noqa: F401  (fixtures shared with tests/api)
    items_endpoint,
    parts_endpoint,
    raw_tables,
    settings_endpoint,
)
from tests.support.fixtures import fresh_registry  # noqa: F401  (autouse here)


@pytest.fixture
def snapshot(items_endpoint, parts_endpoint, settings_endpoint):  # noqa: F811
    """The current snapshot, serving `items`, `parts` and `settings`."""
    return registry.snapshot()


@pytest.fixture
def items(snapshot):
    """The compiled `items` endpoint (every type, visible names differing from columns)."""
    return snapshot.get("items")


def query(*filters, offset=None, limit=None, include=(), sort=(), fields=()):
    """Return a RawQuery of (visible name, value text) filters and the other parameters."""
    raw_filters = tuple(RawFilter(name, value) for name, value in filters)
    return RawQuery(raw_filters, offset, limit, tuple(include), sort=sort, fields=fields)


def refused(call, *args, **kwargs):
    """Return the single ApiError that `call(*args, **kwargs)` raises."""
    with pytest.raises(ApiException) as info:
        call(*args, **kwargs)
    (error,) = info.value.errors
    return error
