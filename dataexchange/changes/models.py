"""The change log: one row per captured insert, update or delete, written by database triggers,
and the single counter row of the sequencer that numbers them in commit order."""

from django.db import models


class ChangeEntry(models.Model):
    """One captured row change. Triggers insert it with `position` NULL; the sequencer
    (`sequencer.sequence_pending`) gives it its position once its transaction has committed,
    so positions follow commit order, and `id` (insertion order) does not."""

    class Operation(models.TextChoices):
        CREATE = "create", "create"
        UPDATE = "update", "update"
        DELETE = "delete", "delete"

    id = models.BigAutoField(primary_key=True)
    position = models.BigIntegerField(null=True, blank=True, unique=True)
    table_name = models.CharField(max_length=255)
    identifier = models.TextField()
    operation = models.CharField(max_length=6, choices=Operation.choices)
    # Changed column names; every column for a create or a delete.
    columns = models.JSONField(default=list)
    changed_at = models.DateTimeField()

    class Meta:
        db_table = "dataexchange_change_entry"
        verbose_name = "change"
        verbose_name_plural = "changes"
        # Few indexes: every one is paid by every captured row. Pruning walks `position`. On
        # PostgreSQL both position indexes are partial (numbered entries only), and a partial
        # index finds the pending ones (migration 0003): a fresh entry updates two indexes.
        indexes = [
            models.Index(fields=["table_name", "position"], name="change_table_position_idx"),
        ]

    def __str__(self):
        return f"{self.position or '-'} {self.operation} {self.table_name}:{self.identifier}"


class ChangeSequence(models.Model):
    """The single counter row (pk 1): the last position handed out, and the highest position
    pruned, below which a cursor has lost changes. Sequencers lock it to take turns."""

    last_position = models.BigIntegerField(default=0)
    pruned_through = models.BigIntegerField(default=0)

    class Meta:
        db_table = "dataexchange_change_sequence"

    def __str__(self):
        return f"last {self.last_position}, pruned through {self.pruned_through}"
