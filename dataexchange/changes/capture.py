"""Make the change-capture triggers in the database match the configuration.

`triggers_sync()` reads which endpoints track changes, builds the triggers they need (names carry
a fingerprint of their inputs, see `triggers`), and creates the missing ones and drops the
others: a table no longer tracked loses its triggers, a tracked table whose columns changed
(MariaDB, SQLite) gets regenerated ones. When nothing changed it runs no DDL at all, so it is
cheap to repeat: after every configuration save and import (`triggers_sync_on_save`), and as the
periodic task `changes.triggers`.

New triggers are created before the old ones of the same table are dropped: where DDL commits
by itself (MariaDB) a write in between may be recorded twice, never missed.
"""

import logging
from dataclasses import dataclass

from django.db import connection, transaction

from dataexchange import introspection
from dataexchange.changes.triggers import PREFIX, TrackedTable, capture_builder
from dataexchange.engine.query.dialects import dialect
from dataexchange.models import Endpoint

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class SyncReport:
    """Trigger names created and dropped by one `triggers_sync`."""

    created: tuple
    dropped: tuple


def tracked_tables():
    """Return a TrackedTable per endpoint with `track_changes` whose table exists (active or
    not: deactivating an endpoint for a while must not lose its changes)."""
    tracked = []
    endpoints = Endpoint.objects.filter(track_changes=True).order_by("table_name")
    for table, identifier in endpoints.values_list("table_name", "identifier"):
        info = introspection.describe_table(table)
        if info is None or introspection.is_disallowed(table):
            logger.error("Change tracking skipped: table %s is missing or not allowed", table)
            continue
        if info.column(identifier) is None:
            logger.error("Change tracking skipped: %s has no column %s", table, identifier)
            continue
        tracked.append(TrackedTable(table, identifier, tuple(c.name for c in info.columns)))
    return tracked


def installed_triggers(builder):
    """Return {trigger name: table name} of the capture triggers in the database."""
    with connection.cursor() as cursor:
        cursor.execute(builder.installed_sql)
        rows = cursor.fetchall()
    return {name: table for name, table in rows if name.startswith(PREFIX)}


def triggers_sync():
    """Create the capture triggers the configuration needs and drop the others; return the
    SyncReport. Runs in the caller's transaction where the database has one for DDL."""
    builder = capture_builder(dialect())
    wanted = {t.name: t for tracked in tracked_tables() for t in builder.triggers(tracked)}
    installed = installed_triggers(builder)
    create = [trigger for name, trigger in wanted.items() if name not in installed]
    drop = [(name, table) for name, table in installed.items() if name not in wanted]
    if not create and not drop:
        return SyncReport((), ())
    with transaction.atomic(), connection.cursor() as cursor:
        for statement in builder.setup_sql() if create else ():
            cursor.execute(statement)
        for trigger in create:
            cursor.execute(trigger.create_sql)
        for name, table in drop:
            cursor.execute(builder.drop_sql(name, table))
    report = SyncReport(tuple(t.name for t in create), tuple(name for name, _ in drop))
    logger.info("Change capture triggers: created %s, dropped %s", report.created, report.dropped)
    return report


def triggers_sync_on_save():
    """Sync the triggers for a configuration being saved: inside its transaction where DDL is
    transactional (PostgreSQL, SQLite: the configuration and its triggers commit together), after
    it commits where DDL commits by itself (MariaDB: run inside, it would commit the
    configuration half-way)."""
    if dialect().transactional_ddl:
        triggers_sync()
    else:
        transaction.on_commit(triggers_sync)
