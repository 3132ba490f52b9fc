"""Bump the configuration version from the database itself on every change to the
configuration tables, so even direct SQL edits reach every worker's compiled-endpoint cache."""

from django.db import migrations

from dataexchange.engine.query.dialects import dialect_of

TABLES = ("dataexchange_endpoint", "dataexchange_endpointfield", "dataexchange_endpointrelation")
EVENTS = ("INSERT", "UPDATE", "DELETE")
BUMP = "UPDATE dataexchange_configurationversion SET version = version + 1 WHERE id = 1"


def statements(vendor):
    """Return (create, drop) SQL lists for `vendor` (its dialect writes the triggers)."""
    return dialect_of(vendor).trigger_sql(
        name="dx_bump_{table}", tables=TABLES, events=EVENTS, body=BUMP,
        function="dataexchange_bump_version",
    )  # fmt: skip


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
