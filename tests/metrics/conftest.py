"""Fixtures of the metrics tests: the access fixtures of tests/auth (the `things` table, users)."""

from tests.auth.conftest import (  # noqa: F401  (fixtures shared with tests/auth)
    fast_hasher,
    fresh_caches,
    superuser,
    things_table,
)
from tests.support.fixtures import fresh_registry  # noqa: F401  (autouse here)
