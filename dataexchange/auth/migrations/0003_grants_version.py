"""Bump the grants version from the database itself on every change to grants or group
membership, so a revoked grant stops working at the next request of every worker, whatever path
(admin, ORM, queryset update, direct SQL) changed it."""

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.db import migrations, models

from dataexchange.engine.query.dialects import dialect_of

PERMISSIONS = "dataexchange_auth_endpointpermission"
EVENTS = ("INSERT", "UPDATE", "DELETE")
VERSION_TABLE = "dataexchange_auth_grantsversion"


def watched_tables(apps):
    """Return the grants table and, if the user model has groups, its membership table."""
    user_model = apps.get_model(settings.AUTH_USER_MODEL)
    try:
        through = user_model._meta.get_field("groups").remote_field.through
    except FieldDoesNotExist:
        return [PERMISSIONS]
    return [PERMISSIONS, through._meta.db_table]


def statements(vendor, tables):
    """Return (create, drop) SQL lists for `vendor`: its dialect writes the triggers, and the
    bump is an upsert, so that the version row comes back if it was ever removed (a flush, a
    restore): a plain UPDATE of a missing row would leave every cached grant map valid for good."""
    dialect = dialect_of(vendor)
    return dialect.trigger_sql(
        name="dx_grants_{table}", tables=tables, events=EVENTS,
        body=dialect.counter_bump_sql(VERSION_TABLE), function="dataexchange_bump_grants",
    )  # fmt: skip


def create_triggers(apps, schema_editor):
    apps.get_model("dataexchange_auth", "GrantsVersion").objects.get_or_create(
        pk=1, defaults={"version": 1}
    )
    for sql in statements(schema_editor.connection.vendor, watched_tables(apps))[0]:
        schema_editor.execute(sql)


def drop_triggers(apps, schema_editor):
    for sql in statements(schema_editor.connection.vendor, watched_tables(apps))[1]:
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    atomic = False
    dependencies = [
        ("dataexchange_auth", "0002_token_refresh_expiry_index"),
        ("auth", "0012_alter_user_first_name_max_length"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]
    operations = [
        migrations.CreateModel(
            name="GrantsVersion",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("version", models.BigIntegerField(default=1)),
            ],
            options={"verbose_name": "grants version"},
        ),
        migrations.RunPython(create_triggers, drop_triggers),
    ]
