"""SQLite's connection options for concurrent writers, from core/env.py (issue 13)."""

from django.core.exceptions import ImproperlyConfigured

import pytest

from core.env import database_from_url


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch):
    monkeypatch.delenv("DB_BUSY_TIMEOUT", raising=False)


def test_sqlite_writes_wait_in_immediate_transactions_on_a_wal_database():
    options = database_from_url("sqlite:////tmp/x.sqlite3")["OPTIONS"]
    assert options["transaction_mode"] == "IMMEDIATE"
    assert options["timeout"] == 20
    commands = [c.strip() for c in options["init_command"].split(";")]
    assert commands == ["PRAGMA journal_mode=WAL", "PRAGMA synchronous=NORMAL"]


def test_busy_timeout_from_environment(monkeypatch):
    monkeypatch.setenv("DB_BUSY_TIMEOUT", "3")
    assert database_from_url("sqlite:////tmp/x.sqlite3")["OPTIONS"]["timeout"] == 3


def test_bad_busy_timeout_stops_the_start(monkeypatch):
    monkeypatch.setenv("DB_BUSY_TIMEOUT", "soon")
    with pytest.raises(ImproperlyConfigured, match="DB_BUSY_TIMEOUT"):
        database_from_url("sqlite:////tmp/x.sqlite3")


def test_other_backends_keep_their_options():
    assert "transaction_mode" not in database_from_url("postgres://u@h/db").get("OPTIONS", {})
    assert "transaction_mode" not in database_from_url("mysql://u@h/db")["OPTIONS"]
