"""Waiting in tests for something another process does (a task worker, a server)."""

import time

import pytest


def wait_for(condition, timeout=60, what="condition"):
    """Return once `condition()` is true; fail the test after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    pytest.fail(f"timed out waiting for {what}")
