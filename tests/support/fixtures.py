"""Fixtures shared by several test areas; an area opts in by importing them into its conftest."""

import pytest

from dataexchange import registry


@pytest.fixture(autouse=True)
def fresh_registry():
    """Forget compiled endpoints before and after every test of the importing area: rolled-back
    test transactions reuse configuration version numbers."""
    registry.clear()
    yield
    registry.clear()
