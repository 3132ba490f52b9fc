"""Portable DDL for the raw-SQL test tables: the per-database type table, create and drop.

Column text is portable SQL with `{placeholders}` for what differs per backend:
`{pk}` an auto-increment primary key, `{timestamp}` a naive timestamp, `{timestamptz}` a zoned
one, `{float4}` a single-precision float. Tables are not Django models, exactly like the tables
a user exposes.
"""

from django.db import connection

TYPES = {
    "pk": {
        "sqlite": "INTEGER PRIMARY KEY AUTOINCREMENT",
        "postgresql": "SERIAL PRIMARY KEY",
        "mysql": "INTEGER AUTO_INCREMENT PRIMARY KEY",
    },
    "timestamp": {"sqlite": "TIMESTAMP", "postgresql": "TIMESTAMP", "mysql": "DATETIME(6)"},
    "timestamptz": {
        "sqlite": "datetime",
        "postgresql": "TIMESTAMP WITH TIME ZONE",
        "mysql": "DATETIME(6)",
    },
    "float4": {"sqlite": "REAL", "postgresql": "REAL", "mysql": "FLOAT"},
}


def column_type(name: str) -> str:
    """Return the DDL of type `name` (a key of TYPES) on the current database."""
    return TYPES[name][connection.vendor]


def create_table(name: str, columns: str) -> None:
    """Create table `name` from `columns` (portable column DDL with TYPES placeholders)."""
    types = {key: column_type(key) for key in TYPES}
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE {connection.ops.quote_name(name)} ({columns.format(**types)})"
        )


def drop_tables(*names: str) -> None:
    """Drop tables `names` in the order given, skipping those that do not exist."""
    with connection.cursor() as cursor:
        for name in names:
            cursor.execute(f"DROP TABLE IF EXISTS {connection.ops.quote_name(name)}")


def create_tables(tables: dict[str, str]) -> None:
    """(Re)create `tables` ({name: columns}, parents first): drop them children first, create."""
    drop_tables(*reversed(tables))
    for name, columns in tables.items():
        create_table(name, columns)
