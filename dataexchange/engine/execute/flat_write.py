"""Execute stage for a FlatPlan (`engine.plan.flat_plan`): each group of valid items in one bulk
load, `COPY` on PostgreSQL (`dialect().copy_insert`), a multi-row INSERT elsewhere.

The groups are written in one savepoint. If the database refuses any row (a duplicate key, a
missing foreign row, a value the column cannot hold) or the bulk load itself (no privilege to
create a temporary table), the savepoint is rolled back and the
caller writes the batch row by row (`engine.execute.write.run_write`), which names each failing
item exactly as a synchronous write does: a bulk path that fails costs one statement more,
never a different answer.
"""

from django.db import DataError, IntegrityError, ProgrammingError, connection, transaction

from dataexchange.engine.execute.write import outcome_of
from dataexchange.engine.plan.write_plan import IDENTIFIER_KEY, MISSING, Node
from dataexchange.engine.query import sql
from dataexchange.engine.query.dialects import dialect


class FlatOutcome:
    """A written flat item, in the shape of `engine.execute.write.ItemOutcome` (what jobs and
    the exchange log read). `row` is the stored row when the write returned it (else None:
    only the identifier was asked for)."""

    __slots__ = ("endpoint", "index", "raw", "row", "stored_identifier")
    errors = ()
    existing = False

    def __init__(self, endpoint, index, raw, row, stored_identifier):
        self.endpoint, self.index, self.raw = endpoint, index, raw
        self.row, self.stored_identifier = row, stored_identifier

    @property
    def path(self):
        return f"{self.endpoint.alias}[{self.index}]"

    @property
    def sent_identifier(self):
        value = self.raw.get(self.endpoint.identifier.name)
        if value is None:
            value = self.raw.get(IDENTIFIER_KEY)
        return MISSING if value is None else value

    @property
    def node(self):
        """Return the item as a written plan node (for rendering its stored row)."""
        return Node(self.endpoint, self.raw, self.path, row=self.row)

    @property
    def written(self):
        """Return the stored row, rendered in full (for the log)."""
        from dataexchange.engine.render.written import render_written

        return render_written(self.node)


class Refused(Exception):
    """The database refused a row of the batch: it is written row by row instead."""


def run_flat_write(plan, *, transactional=True, full_rows=True):
    """Write the valid items of a FlatPlan; return one outcome per item, in order, or None when
    the database refused a row (nothing of it stays written). `full_rows`: return each stored
    row (else only its identifier). A transactional batch with an invalid item is rolled back
    after its valid items were written, as `run_write` does."""
    outcomes = [None] * len(plan.items)
    for position, root in plan.invalid.items():
        outcomes[position] = outcome_of(root)
    try:
        with transaction.atomic():
            for group in plan.groups:
                group_write(plan, group, outcomes, full_rows)
            if transactional and plan.invalid:
                transaction.set_rollback(True)
    except (Refused, IntegrityError, DataError, ProgrammingError):
        return None  # ProgrammingError: e.g. no TEMP privilege; the row-wise path does without
    return tuple(outcomes)


def group_write(plan, group, outcomes, full_rows):
    """Insert one group of valid items; fill in their outcomes."""
    endpoint = plan.endpoint
    columns = [f.column for f in group.fields]
    check_foreign_rows(endpoint, group)
    identifier = endpoint.identifier
    returning = endpoint.select_list if full_rows else identifier.quoted
    stored = dialect().copy_insert(endpoint, columns, group.columns, returning)
    position_in = 0 if not full_rows else endpoint.column_index[identifier.column]
    if stored is None:
        stored = sql.insert_returning(endpoint, columns, group.rows)
        position_in = endpoint.column_index[identifier.column]
        full_rows = True
    if len(stored) != len(group.indices):
        raise Refused
    items, start, kept = plan.items, plan.start, full_rows
    for position, row in zip(group.indices, stored):
        raw, identifier = items[position], row[position_in]
        outcomes[position] = FlatOutcome(
            endpoint, start + position, raw, row if kept else None, identifier
        )


def check_foreign_rows(endpoint, group):
    """Raise Refused when a value of a foreign key column names no row (the row-wise path then
    reports 1302 for exactly the items that send it)."""
    quote = connection.ops.quote_name
    for fk in endpoint.table_info.foreign_keys:
        columns = [f.column for f in group.fields]
        if fk.column not in columns:
            continue
        sent = set(group.columns[columns.index(fk.column)])
        present = sql.existing_values(quote(fk.ref_table), quote(fk.ref_column), sent)
        if {str(value) for value in sent} - {str(value) for value in present}:
            raise Refused
