"""Leave half of each page of the key table free on PostgreSQL (fillfactor 50), for the answers
its rows grow by.

A key's row is inserted small by its claim (~0.25 kB) and grows by its answer when it is kept
(~2.8 kB compressed for a 1,000-row POST). On a full page that UPDATE writes the new row version
to another page and an entry for it in each of the table's three indexes; with room on its own
page it is a HOT update, which writes no index entry: of 400 keys claimed four at a time and
then kept, 200 keeps were HOT on full pages, all 400 with this setting, and the table was no
larger (its pages fill up with the answers). MariaDB and SQLite have no such setting.
"""

from django.db import migrations

FILLFACTOR = 50


def statement(apps, schema_editor, fillfactor):
    table = apps.get_model("idempotency", "IdempotencyKey")._meta.db_table
    if fillfactor is None:
        return f"ALTER TABLE {schema_editor.quote_name(table)} RESET (fillfactor)"
    return f"ALTER TABLE {schema_editor.quote_name(table)} SET (fillfactor = {fillfactor})"


def leave_room(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":  # a PostgreSQL storage parameter
        schema_editor.execute(statement(apps, schema_editor, FILLFACTOR))


def fill_pages(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(statement(apps, schema_editor, None))


class Migration(migrations.Migration):
    dependencies = [("idempotency", "0002_answers_in_line")]
    operations = [migrations.RunPython(leave_room, fill_pages)]
