"""Keep an answer (zlib-compressed already) in its key's row while the row fits a page: on
PostgreSQL, a kept answer of a 1,000-row POST (~6 kB) was compressed again in vain and moved
to the TOAST table, three more pages written in the data's transaction for every keyed write."""

from django.db import migrations

from dataexchange.engine.query.dialects import dialect_of


def statements(apps, schema_editor, undo):
    meta = apps.get_model("idempotency", "IdempotencyKey")._meta
    quote = schema_editor.quote_name
    dialect = dialect_of(schema_editor.connection.vendor)
    table, column = quote(meta.db_table), quote(meta.get_field("content").column)
    return dialect.precompressed_column_sql(table, column, undo=undo)


def keep_in_line(apps, schema_editor):
    for sql in statements(apps, schema_editor, undo=False):
        schema_editor.execute(sql)


def move_out_of_line(apps, schema_editor):
    for sql in statements(apps, schema_editor, undo=True):
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("idempotency", "0001_initial")]
    operations = [migrations.RunPython(keep_in_line, move_out_of_line)]
