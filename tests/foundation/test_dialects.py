"""Database differences live in one dialect object per backend (engine/query/dialects)."""

import re
import sqlite3
from pathlib import Path

from django.db import connection

from dataexchange.engine.query.dialects import dialect, dialect_of, dialect_of_driver
from dataexchange.engine.query.dialects.base import BaseDialect

PACKAGE = Path(__file__).resolve().parents[2] / "dataexchange"
DIALECTS = PACKAGE / "engine" / "query" / "dialects"
# A branch on the database: Django's vendor name or feature flags read outside a dialect.
VENDOR_BRANCH_RE = re.compile(r"connection\.(vendor|features)\b|\bvendor\s*[!=]=")


def test_no_vendor_branch_outside_the_dialects():
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if "migrations" in path.parts or path.is_relative_to(DIALECTS):
            continue
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if VENDOR_BRANCH_RE.search(line):
                offenders.append(f"{path.relative_to(PACKAGE.parent)}:{number}: {line.strip()}")
    assert offenders == []


def test_dialect_is_the_current_backends_and_cached():
    assert dialect().vendor == connection.vendor
    assert dialect() is dialect()


def test_each_supported_backend_has_its_own_dialect():
    for vendor, driver in (("postgresql", "psycopg"), ("mysql", "MySQLdb"), ("sqlite", "sqlite3")):
        own = dialect_of(vendor)
        assert type(own) is not BaseDialect and own.vendor == vendor
        assert dialect_of_driver(driver) is own


def test_unknown_backend_gets_the_portable_dialect():
    assert type(dialect_of("some-new-database")) is BaseDialect
    assert dialect_of_driver("some_driver") is None


def test_sqlite_busy_is_unavailable_and_other_origins_are_not():
    busy = sqlite3.OperationalError("database is locked")
    busy.sqlite_errorcode = 5
    assert dialect_of_driver("sqlite3").is_unavailable(busy)
    assert not BaseDialect().is_unavailable(busy)
