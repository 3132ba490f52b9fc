"""Endpoint configuration: which tables are exposed, with which fields, rules and relations.

Fields and relations are rows, so the admin can edit them one by one. Every change bumps
`ConfigurationVersion`, the single number the API's compiled-endpoint cache keys on.
"""

from django.core.validators import RegexValidator
from django.db import connection, models
from django.db.models import F

ALIAS_PATTERN = r"^[A-Za-z0-9_-]+$"
alias_validator = RegexValidator(
    ALIAS_PATTERN,
    "Resource name is not valid. Allowed characters: a-z, A-Z, 0-9, _ and -",
)


class FieldType(models.TextChoices):
    INTEGER = "integer", "integer"
    STRING = "string", "string"
    BOOLEAN = "boolean", "boolean"
    DECIMAL = "decimal", "decimal"
    FLOAT = "float", "float"
    DATE = "date", "date (ISO 8601)"
    DATETIME = "datetime", "datetime (ISO 8601)"


class Endpoint(models.Model):
    """One exposed table, served at `/<prefix>/<alias>`."""

    alias = models.CharField(
        "resource name",
        max_length=255,
        unique=True,
        validators=[alias_validator],
        help_text="Public name in the URL, e.g. countries. Letters, digits, _ and -.",
    )
    table_name = models.CharField(max_length=255, unique=True)
    is_active = models.BooleanField("active", default=False)
    identifier = models.CharField(
        max_length=255,
        help_text="Column that identifies a row in URLs and writes; must be unique.",
    )
    is_deletable = models.BooleanField("deletable", default=False)
    description = models.TextField(blank=True)
    max_batch_size = models.PositiveIntegerField(
        null=True, blank=True, help_text="Maximum items per write request; empty for the default."
    )
    max_page_limit = models.PositiveIntegerField(
        null=True, blank=True, help_text="Maximum page[limit]; empty for the default."
    )
    max_delete_rows = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="Maximum rows one DELETE by filter may remove; empty for the default.",
    )
    track_changes = models.BooleanField(
        "track changes",
        default=False,
        help_text=(
            "Record every insert, update and delete of this table, whoever makes it, "
            "for the change feed and webhooks."
        ),
    )
    business_keys = models.JSONField(
        "business keys",
        default=list,
        blank=True,
        help_text=(
            "Unique column sets that identify a row the way an ERP does, "
            'e.g. [["sku"], ["fk_product_abstract", "fk_locale"]].'
        ),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["alias"]
        indexes = [models.Index(fields=["is_active"]), models.Index(fields=["updated_at"])]

    def __str__(self):
        return self.alias


class EndpointField(models.Model):
    """One column of an endpoint's table, exposed under a visible name."""

    endpoint = models.ForeignKey(Endpoint, on_delete=models.CASCADE, related_name="fields")
    position = models.PositiveIntegerField(default=0)
    column_name = models.CharField(max_length=255)
    visible_name = models.CharField(max_length=255, validators=[alias_validator])
    type = models.CharField(max_length=16, choices=FieldType.choices, default=FieldType.STRING)
    is_enabled = models.BooleanField("enabled", default=True)
    is_creatable = models.BooleanField("creatable", default=True)
    is_editable = models.BooleanField("editable", default=True)
    is_required = models.BooleanField("required", default=False)
    min_length = models.PositiveIntegerField(null=True, blank=True)
    max_length = models.PositiveIntegerField(null=True, blank=True)
    min_value = models.BigIntegerField("min", null=True, blank=True)
    max_value = models.BigIntegerField("max", null=True, blank=True)
    precision = models.PositiveSmallIntegerField(null=True, blank=True)
    scale = models.PositiveSmallIntegerField(null=True, blank=True)
    constraints = models.JSONField(
        default=list, blank=True, help_text='Constraint names, e.g. ["url"].'
    )
    description = models.TextField(blank=True)
    examples = models.TextField(blank=True, help_text="Example values, separated by commas.")
    enum_values = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["endpoint", "position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["endpoint", "column_name"], name="dx_field_column_uniq"
            ),
            models.UniqueConstraint(fields=["endpoint", "visible_name"], name="dx_field_name_uniq"),
        ]

    def __str__(self):
        return f"{self.endpoint_id}:{self.visible_name}"


class EndpointRelation(models.Model):
    """A parent→child link: child rows whose `child_field` equals the parent's `parent_field`."""

    parent = models.ForeignKey(Endpoint, on_delete=models.CASCADE, related_name="relations")
    name = models.CharField(max_length=255, validators=[alias_validator])
    child = models.ForeignKey(Endpoint, on_delete=models.CASCADE, related_name="parent_relations")
    child_field = models.CharField(
        max_length=255, help_text="Column of the child table holding the foreign key."
    )
    parent_field = models.CharField(
        max_length=255, help_text="Column of the parent table the foreign key refers to."
    )
    is_editable = models.BooleanField("editable", default=True)

    class Meta:
        ordering = ["parent", "name"]
        constraints = [
            models.UniqueConstraint(fields=["parent", "name"], name="dx_relation_name_uniq"),
        ]

    def __str__(self):
        return self.name


CURRENT_VERSION_SQL = "SELECT version FROM dataexchange_configurationversion WHERE id = 1"


class ConfigurationVersion(models.Model):
    """A single row whose number grows with every configuration change.

    Bumped by signals on save/delete and, as a safety net for direct SQL and bulk edits, by
    database triggers on the three configuration tables (migration 0002).
    """

    version = models.BigIntegerField(default=1)

    class Meta:
        verbose_name = "configuration version"

    def __str__(self):
        return str(self.version)

    @classmethod
    def bump(cls):
        """Increase the version so every worker recompiles at its next request."""
        if not cls.objects.filter(pk=1).update(version=F("version") + 1):
            cls.objects.get_or_create(pk=1, defaults={"version": 2})

    @classmethod
    def current(cls):
        """Return the current version number (one cheap query, no ORM on the hot path)."""
        with connection.cursor() as cursor:
            cursor.execute(CURRENT_VERSION_SQL)
            row = cursor.fetchone()
        return row[0] if row else 1
