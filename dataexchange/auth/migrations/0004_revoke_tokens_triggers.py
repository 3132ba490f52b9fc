"""Revoke every token of a user, for good, when their password changes or they lose the active,
staff or superuser flag; done by the database so no path (admin form, `set_password()` + save,
`changepassword`, queryset `.update()`, direct SQL) can skip it, and reactivating a user or
restoring a flag does not revive the revoked tokens."""

from django.conf import settings
from django.db import migrations

TOKENS = "dataexchange_auth_accesstoken"
NOW = {
    "postgresql": "now()",
    "mysql": "UTC_TIMESTAMP(6)",
    "sqlite": "strftime('%Y-%m-%d %H:%M:%f', 'now')",
}


def user_columns(apps):
    """Return (table, pk, password, is_active, is_staff, is_superuser) of the user model."""
    meta = apps.get_model(settings.AUTH_USER_MODEL)._meta
    names = ("password", "is_active", "is_staff", "is_superuser")
    return (meta.db_table, meta.pk.column, *(meta.get_field(name).column for name in names))


def changed(password, *flags):
    """Return the SQL condition: the password changed or a flag went from true to false."""
    lost = " OR ".join(f"(OLD.{flag} AND NOT NEW.{flag})" for flag in flags)
    return f"(OLD.{password} <> NEW.{password} OR {lost})"


def statements(vendor, table, pk, password, *flags):
    """Return (create, drop) SQL lists for `vendor`."""
    revoke = f"UPDATE {TOKENS} SET revoked_at = {NOW[vendor]} WHERE user_id = NEW.{pk} AND revoked_at IS NULL"
    condition = changed(password, *flags)
    name = "dx_revoke_tokens"
    if vendor == "postgresql":
        return [
            "CREATE OR REPLACE FUNCTION dataexchange_revoke_tokens() RETURNS trigger AS $$ "
            f"BEGIN {revoke}; RETURN NULL; END; $$ LANGUAGE plpgsql",
            f'CREATE TRIGGER {name} AFTER UPDATE ON "{table}" FOR EACH ROW WHEN {condition} '
            "EXECUTE FUNCTION dataexchange_revoke_tokens()",
        ], [
            f'DROP TRIGGER IF EXISTS {name} ON "{table}"',
            "DROP FUNCTION IF EXISTS dataexchange_revoke_tokens()",
        ]
    if vendor == "sqlite":
        create = f"CREATE TRIGGER {name} AFTER UPDATE ON {table} FOR EACH ROW WHEN {condition} BEGIN {revoke}; END"
    else:
        create = f"CREATE TRIGGER {name} AFTER UPDATE ON {table} FOR EACH ROW {revoke} AND {condition}"
    return [create], [f"DROP TRIGGER IF EXISTS {name}"]


def create_triggers(apps, schema_editor):
    for sql in statements(schema_editor.connection.vendor, *user_columns(apps))[0]:
        schema_editor.execute(sql)


def drop_triggers(apps, schema_editor):
    for sql in statements(schema_editor.connection.vendor, *user_columns(apps))[1]:
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    atomic = False
    dependencies = [
        ("dataexchange_auth", "0003_grants_version"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]
    operations = [migrations.RunPython(create_triggers, drop_triggers)]
