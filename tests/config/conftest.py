"""Fixtures of the configuration tests: tables created with raw SQL, an admin user, helpers.

The tables are created once per session, outside the per-test transactions, because MariaDB
commits implicitly on DDL. They are not Django models, exactly like the tables a real user exposes.
"""

import pytest

from tests.support.ddl import create_tables, drop_tables

# Parents before children; placeholders: tests/support/ddl.py.
TABLES = {
    "dxt_widget": """
        id_widget {pk},
        code VARCHAR(20) NOT NULL UNIQUE,
        name VARCHAR(100) NOT NULL,
        label VARCHAR(50) NULL,
        weight DECIMAL(8,2) NULL,
        stock INTEGER NOT NULL DEFAULT 0,
        is_active BOOLEAN NOT NULL DEFAULT TRUE,
        ratio DOUBLE PRECISION NULL,
        released DATE NULL,
        created_at {timestamptz} NULL,
        notes TEXT NULL
    """,
    "dxt_part": """
        id_part {pk},
        fk_widget INTEGER NOT NULL REFERENCES dxt_widget (id_widget),
        sku VARCHAR(64) NOT NULL UNIQUE,
        qty INTEGER NULL
    """,
    "dxt_tree": """
        id_tree {pk},
        fk_parent INTEGER NULL REFERENCES dxt_tree (id_tree),
        title VARCHAR(30) NOT NULL
    """,
    "dxt_nokey": """
        note VARCHAR(30) NULL
    """,
}


@pytest.fixture(scope="session", autouse=True)
def raw_tables(django_db_setup, django_db_blocker):
    """Create the dxt_* tables in the test database for the whole session."""
    with django_db_blocker.unblock():
        create_tables(TABLES)
    yield tuple(TABLES)
    with django_db_blocker.unblock():
        drop_tables(*reversed(TABLES))
