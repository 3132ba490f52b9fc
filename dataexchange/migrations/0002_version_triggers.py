"""Bump the configuration version from the database itself on every change to the
configuration tables, so even direct SQL edits reach every worker's compiled-endpoint cache."""

from django.db import migrations

TABLES = ("dataexchange_endpoint", "dataexchange_endpointfield", "dataexchange_endpointrelation")
EVENTS = ("INSERT", "UPDATE", "DELETE")
BUMP = "UPDATE dataexchange_configurationversion SET version = version + 1 WHERE id = 1"


def statements(vendor):
    """Return (create, drop) SQL lists for `vendor`."""
    if vendor == "postgresql":
        create = [
            "CREATE OR REPLACE FUNCTION dataexchange_bump_version() RETURNS trigger AS $$ "
            f"BEGIN {BUMP}; RETURN NULL; END; $$ LANGUAGE plpgsql"
        ]
        drop = []
        for table in TABLES:
            name = f"dx_bump_{table}"
            create.append(
                f"CREATE TRIGGER {name} AFTER INSERT OR UPDATE OR DELETE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION dataexchange_bump_version()"
            )
            drop.append(f"DROP TRIGGER IF EXISTS {name} ON {table}")
        drop.append("DROP FUNCTION IF EXISTS dataexchange_bump_version()")
        return create, drop
    create, drop = [], []
    for table in TABLES:
        for event in EVENTS:
            name = f"dx_bump_{table}_{event.lower()}"
            if vendor == "sqlite":
                create.append(f"CREATE TRIGGER {name} AFTER {event} ON {table} BEGIN {BUMP}; END")
            else:
                create.append(f"CREATE TRIGGER {name} AFTER {event} ON {table} FOR EACH ROW {BUMP}")
            drop.append(f"DROP TRIGGER IF EXISTS {name}")
    return create, drop


def create_triggers(apps, schema_editor):
    apps.get_model("dataexchange", "ConfigurationVersion").objects.get_or_create(
        pk=1, defaults={"version": 1}
    )
    for sql in statements(schema_editor.connection.vendor)[0]:
        schema_editor.execute(sql)


def drop_triggers(apps, schema_editor):
    for sql in statements(schema_editor.connection.vendor)[1]:
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    atomic = False
    dependencies = [("dataexchange", "0001_initial")]
    operations = [migrations.RunPython(create_triggers, drop_triggers)]
