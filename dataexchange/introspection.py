"""What tables and columns the database really has, and which of them may never be exposed.

Used by the admin (table picker, field proposals) and by the compiler (column checks, foreign keys,
unique constraints). Never called per request: compiled endpoints keep what they need.
"""

from dataclasses import dataclass
from functools import lru_cache

from django.apps import apps
from django.db import connection

from dataexchange import conf
from dataexchange.engine.query.dialects import dialect

# Django's introspected field type → our API type (SPEC A10, plus date/datetime as extensions).
API_TYPE_BY_DJANGO_TYPE = {
    "AutoField": "integer",
    "BigAutoField": "integer",
    "SmallAutoField": "integer",
    "IntegerField": "integer",
    "BigIntegerField": "integer",
    "SmallIntegerField": "integer",
    "PositiveIntegerField": "integer",
    "PositiveBigIntegerField": "integer",
    "PositiveSmallIntegerField": "integer",
    "BooleanField": "boolean",
    "NullBooleanField": "boolean",
    "DecimalField": "decimal",
    "FloatField": "float",
    "DateField": "date",
    "DateTimeField": "datetime",
}
AUTO_FIELD_TYPES = {"AutoField", "BigAutoField", "SmallAutoField"}

# Tables of these Django apps are never exposable: users, permissions, sessions, the admin log,
# content types, and every table of this project's own apps (configuration, tokens, keys, logs).
PROTECTED_APP_LABELS = {
    "auth",
    "admin",
    "contenttypes",
    "sessions",
    "dataexchange",
    "dataexchange_auth",
    "exchangelog",
}
# Spryker's own defaults, for databases migrated from a Spryker installation.
SPRYKER_DISALLOWED_TABLES = {
    "spy_acl_entity_rule", "spy_acl_entity_segment", "spy_acl_entity_segment_merchant",
    "spy_acl_entity_segment_merchant_user", "spy_acl_group", "spy_acl_group_archive",
    "spy_acl_groups_has_roles", "spy_acl_role", "spy_acl_role_archive", "spy_acl_rule",
    "spy_acl_rule_archive", "spy_acl_user_has_group", "spy_api_key", "spy_auth_reset_password",
    "spy_auth_reset_password_archive", "spy_customer", "spy_dynamic_entity_configuration",
    "spy_dynamic_entity_configuration_relation",
    "spy_dynamic_entity_configuration_relation_field_mapping", "spy_gift_card_balance_log",
    "spy_nopayment_paid", "spy_oauth_access_token", "spy_oauth_client",
    "spy_oauth_client_access_token_cache", "spy_oauth_code_flow_auth_code",
    "spy_oauth_refresh_token", "spy_payment_payone", "spy_payment_payone_api_call_log",
    "spy_payment_payone_api_log", "spy_payment_payone_detail", "spy_payment_payone_order_item",
    "spy_payment_payone_transaction_status_log",
    "spy_payment_payone_transaction_status_log_order_item", "spy_sales_order_invoice",
    "spy_sales_payment", "spy_user", "spy_user_archive", "spy_vault_deposit",
}  # fmt: skip
ALWAYS_DISALLOWED_TABLES = {
    "django_migrations",
    "django_session",
    "django_cache",
    "dataexchange_cache",
}


@dataclass(frozen=True)
class Column:
    """One column of a table as the database describes it."""

    name: str
    django_type: str
    api_type: str
    nullable: bool
    has_default: bool
    is_auto: bool
    max_length: int | None
    precision: int | None
    scale: int | None
    is_primary_key: bool
    is_unique: bool
    type_code: object = None  # the driver's type of the column (PostgreSQL: OID; MySQL: FIELD_TYPE)

    @property
    def is_required(self):
        """Return whether an insert must give this column (NOT NULL, no default, not generated)."""
        return not (self.nullable or self.has_default or self.is_auto)


@dataclass(frozen=True)
class ForeignKey:
    """A foreign key: `table.column` refers to `ref_table.ref_column`."""

    table: str
    column: str
    ref_table: str
    ref_column: str


@dataclass(frozen=True)
class TableInfo:
    """Everything the admin and the compiler need to know about one table."""

    name: str
    columns: tuple[Column, ...]
    primary_key: str | None
    unique_constraints: dict  # constraint or index name → tuple of columns
    foreign_keys: tuple[ForeignKey, ...]

    def column(self, name):
        """Return the column called `name`, or None."""
        return next((c for c in self.columns if c.name == name), None)

    @property
    def unique_columns(self):
        """Return the names of columns that are unique on their own."""
        return {cols[0] for cols in self.unique_constraints.values() if len(cols) == 1}


def disallowed_tables():
    """Return the set of table names that may never be exposed."""
    tables = set(ALWAYS_DISALLOWED_TABLES) | SPRYKER_DISALLOWED_TABLES
    tables |= {name.lower() for name in conf.get("DISALLOWED_TABLES")}
    for model in apps.get_models(include_auto_created=True):
        if model._meta.app_label in PROTECTED_APP_LABELS:
            tables.add(model._meta.db_table.lower())
    return tables


def is_disallowed(table_name):
    """Return whether `table_name` may never be exposed through the API."""
    return table_name.lower() in disallowed_tables()


def table_names():
    """Return the names of the real tables (and views) in the database, sorted."""
    with connection.cursor() as cursor:
        return sorted(connection.introspection.table_names(cursor, include_views=True))


def is_view(table_name):
    """Return whether `table_name` is a view (change capture needs a table's row triggers)."""
    with connection.cursor() as cursor:
        tables = connection.introspection.get_table_list(cursor)
    return any(t.name == table_name and t.type == "v" for t in tables)


def allowed_table_names():
    """Return the tables a back-office user may pick: existing and not disallowed."""
    blocked = disallowed_tables()
    return [name for name in table_names() if name.lower() not in blocked]


def describe_table(table_name):
    """Return the TableInfo of `table_name`, or None when the table does not exist."""
    if table_name not in table_names():
        return None
    introspection = connection.introspection
    with connection.cursor() as cursor:
        description = introspection.get_table_description(cursor, table_name)
        constraints = introspection.get_constraints(cursor, table_name)
        relations = introspection.get_relations(cursor, table_name)
    primary_keys = [n for n, c in constraints.items() if c["primary_key"]]
    primary_key = constraints[primary_keys[0]]["columns"][0] if primary_keys else None
    uniques = {
        name: tuple(c["columns"])
        for name, c in constraints.items()
        if (c["unique"] or c["primary_key"]) and c["columns"]
    }
    single_unique = {cols[0] for cols in uniques.values() if len(cols) == 1}
    columns = tuple(_column(info, primary_key, single_unique) for info in description)
    foreign_keys = tuple(
        ForeignKey(table_name, column, ref_table, ref_column)
        for column, (ref_column, ref_table) in sorted(relations.items())
    )
    return TableInfo(table_name, columns, primary_key, uniques, foreign_keys)


def _column(info, primary_key, unique_columns):
    """Return a Column from one row of Django's table description."""
    django_type = _django_type(info)
    is_pk = info.name == primary_key
    is_auto = django_type in AUTO_FIELD_TYPES or bool(getattr(info, "is_autofield", False))
    precision, scale = _numeric_size(info, django_type)
    return Column(
        name=info.name,
        django_type=django_type,
        api_type=API_TYPE_BY_DJANGO_TYPE.get(django_type, "string"),
        nullable=bool(info.null_ok) and not is_pk,
        has_default=dialect().has_default(info),
        is_auto=is_auto,
        max_length=_char_length(info, django_type),
        precision=precision,
        scale=scale,
        is_primary_key=is_pk,
        is_unique=is_pk or info.name in unique_columns,
        type_code=info.type_code,
    )


def _django_type(info):
    """Return Django's field type for a described column, for any type the database may hold.

    Django's reverse type maps only know the types Django itself creates; other columns get the
    dialect's fallback (SQLite's affinity rules), or TextField, so any real table can be described.
    """
    engine = dialect()
    try:
        django_type = connection.introspection.get_field_type(info.type_code, info)
    except KeyError:
        django_type = engine.fallback_field_type(info)
    if isinstance(django_type, tuple):
        django_type = django_type[0]
    if engine.is_boolean_column(info):
        return "BooleanField"
    return django_type or "TextField"


def _char_length(info, django_type):
    """Return the declared size of a char/varchar column (text columns have none)."""
    if django_type != "CharField":
        return None
    size = dialect().declared_char_length(info)
    return size if size and size > 0 else None


def _numeric_size(info, django_type):
    """Return (precision, scale) of a decimal column, or (None, None)."""
    if django_type != "DecimalField":
        return None, None
    return dialect().numeric_size(info)


def referencing_foreign_keys(table_name):
    """Return the foreign keys of other tables that point at `table_name`.

    One catalogue query where the dialect has one, instead of describing every table of a large
    schema; otherwise Django's introspection of each table.
    """
    sql = dialect().referencing_sql
    with connection.cursor() as cursor:
        if sql is not None:
            cursor.execute(sql, [table_name])
            return tuple(
                ForeignKey(table, column, table_name, ref_column)
                for table, column, ref_column in cursor.fetchall()
            )
        found = []
        for other in connection.introspection.table_names(cursor):
            relations = connection.introspection.get_relations(cursor, other)
            for column, (ref_column, ref_table) in sorted(relations.items()):
                if ref_table == table_name:
                    found.append(ForeignKey(other, column, ref_table, ref_column))
    return tuple(found)


@lru_cache(maxsize=256)
def propose_alias(table_name):
    """Return the alias proposed for a table: `spy_mime_type` → `mime-types`."""
    name = table_name
    for prefix in ("spy_", "pyz_"):
        if name.startswith(prefix):
            name = name[len(prefix) :]
            break
    name = name.replace("_", "-")
    return _pluralise(name)


def _pluralise(word):
    if word.endswith(("ss", "us", "x", "z", "ch", "sh")):
        return word + "es"
    if word.endswith("s"):
        return word
    if word.endswith("y") and len(word) > 1 and word[-2] not in "aeiou":
        return word[:-1] + "ies"
    return word + "s"
