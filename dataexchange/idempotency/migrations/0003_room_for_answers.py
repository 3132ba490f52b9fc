"""Leave half of each page of the key table free (fillfactor 50 on PostgreSQL), for the answers
its rows grow by.

A key's row is inserted small by its claim (~0.25 kB) and grows by its answer when it is kept
(~2.8 kB compressed for a 1,000-row POST). On a full page that UPDATE writes the new row version
to another page and an entry for it in each of the table's three indexes; with room on its own
page it is a HOT update, which writes no index entry: of 400 keys claimed four at a time and
then kept, 200 keeps were HOT on full pages, all 400 with this setting, and the table was no
larger (its pages fill up with the answers). MariaDB and SQLite have no such setting (the
dialect's `growing_rows_sql` gives nothing there).
"""

from django.db import migrations

from dataexchange.engine.query.dialects import dialect_of

FILLFACTOR = 50


def statements(apps, schema_editor, undo):
    table = apps.get_model("idempotency", "IdempotencyKey")._meta.db_table
    dialect = dialect_of(schema_editor.connection.vendor)
    return dialect.growing_rows_sql(
        schema_editor.quote_name(table), fillfactor=FILLFACTOR, undo=undo
    )


def leave_room(apps, schema_editor):
    for sql in statements(apps, schema_editor, undo=False):
        schema_editor.execute(sql)


def fill_pages(apps, schema_editor):
    for sql in statements(apps, schema_editor, undo=True):
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("idempotency", "0002_answers_in_line")]
    operations = [migrations.RunPython(leave_room, fill_pages)]
