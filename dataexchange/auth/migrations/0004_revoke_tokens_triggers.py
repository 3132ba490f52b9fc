"""Revoke every token of a user, for good, when their password changes or they lose the active,
staff or superuser flag; done by the database so no path (admin form, `set_password()` + save,
`changepassword`, queryset `.update()`, direct SQL) can skip it, and reactivating a user or
restoring a flag does not revive the revoked tokens."""

from django.conf import settings
from django.db import migrations

from dataexchange.engine.query.dialects import dialect_of

TOKENS = "dataexchange_auth_accesstoken"


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
    """Return (create, drop) SQL lists for `vendor` (its dialect writes the trigger)."""
    dialect = dialect_of(vendor)
    revoke = (
        f"UPDATE {TOKENS} SET revoked_at = {dialect.now_sql} "
        f"WHERE user_id = NEW.{pk} AND revoked_at IS NULL"
    )
    return dialect.trigger_sql(
        name="dx_revoke_tokens", tables=[table], events=["UPDATE"], body=revoke,
        when=changed(password, *flags), per_row=True, function="dataexchange_revoke_tokens",
    )  # fmt: skip


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
