"""The portable dialect: standard SQL, and the hooks a database's own dialect overrides."""

UNIQUE, NOT_NULL, OTHER = "unique", "not_null", "other"  # kinds of integrity errors


class BaseDialect:
    """What the engine needs to know about a database, with standard-SQL defaults.

    Attributes are facts (as Django's `connection.features`), methods build SQL or read a
    driver's values (as `connection.ops`). A subclass overrides what its database does otherwise.
    """

    vendor = None  # Django's `connection.vendor`
    driver = None  # the top-level module of the DB-API driver whose errors `is_unavailable` reads
    max_params = 60000  # parameters one statement may carry
    default_values_sql = "DEFAULT VALUES"  # inserts a row of column defaults
    for_update_sql = " FOR UPDATE"  # locks the selected rows; '' where the database cannot
    updates_by_case = False  # update a batch with one `CASE key WHEN …` statement per chunk
    update_returning = True  # `UPDATE … RETURNING` (PostgreSQL, SQLite 3.35+; not MariaDB)
    # Django adds some columns by rebuilding the table, which drops the table's triggers (SQLite)
    rebuild_drops_triggers = False
    reuses_cursor = False  # keep one driver cursor per connection for the engine (engine.cursor)
    relax_durability_sql = None  # lets this transaction commit without waiting for the disk
    # An expression that, in a statement committed on its own (autocommit), lets that statement
    # commit without waiting for the disk: one round trip instead of BEGIN, SET, statement, COMMIT.
    relaxed_commit_sql = None
    referencing_sql = None  # one catalogue query for the foreign keys pointing at a table
    native_type_codes = {}  # API type → driver type codes whose values need no rendering
    now_sql = "CURRENT_TIMESTAMP"  # the current UTC time, in a trigger body
    upsert_names_target = True  # an upsert names its conflict columns (bulk_create unique_fields)
    identifier_quote = '"'  # encloses an identifier; doubled inside it
    backslash_escapes = False  # a backslash escapes in string literals (MySQL's default mode)
    transactional_ddl = True  # CREATE/DROP TRIGGER commit with the transaction, not at once
    # Makes the next transaction READ COMMITTED where a connection's default may be stricter.
    read_committed_sql = None

    upsert_returning = True  # an upsert (`upsert_sql`) may end with RETURNING
    # A statement may begin with a data-modifying `WITH x AS (UPDATE …) INSERT …`, so that two
    # writes travel in one round trip.
    modifying_with = False
    lateral_join = False  # `LEFT JOIN LATERAL (subquery) d ON TRUE` (api.read_ahead)

    def key_text(self, value):
        """Return a key value as text that compares equal where the database's `=` does
        (business keys sent against values read back)."""
        return None if value is None else str(value)

    def upsert_sql(self, key_columns, updates):
        """Return the clause after `INSERT … VALUES …` that updates the row whose unique
        `key_columns` (quoted) conflict: `updates` are (quoted column, True: the value the
        insert sent; False: NULL)."""
        sets = ", ".join(f"{c} = EXCLUDED.{c}" if sent else f"{c} = NULL" for c, sent in updates)
        return f" ON CONFLICT ({', '.join(key_columns)}) DO UPDATE SET {sets}"

    def trigger_sql(self, *, name, tables, events, body, when=None, per_row=False, function=None):
        """Return (create, drop) SQL lists of AFTER triggers running `body` on `events` of each
        of `tables`; `name` may hold `{table}`; `when` is a condition on the OLD and NEW rows;
        `per_row` asks for row triggers where the database also has statement triggers;
        `function` names the trigger function where the database needs one. In this standard
        form (SQLite's): one trigger per table and event, named `<name>_<event>`."""
        create, drop = [], []
        for table in tables:
            for event in events:
                trigger = f"{name.format(table=table)}_{event.lower()}"
                create.append(self.event_trigger_sql(trigger, event, table, body, when))
                drop.append(f"DROP TRIGGER IF EXISTS {trigger}")
        return create, drop

    def quote_identifier(self, name):
        """Return `name` quoted as an identifier, with the quote character doubled inside it
        (Django's `quote_name` leaves it as is), for DDL that cannot take parameters."""
        quote = self.identifier_quote
        return f"{quote}{name.replace(quote, quote * 2)}{quote}"

    def string_literal(self, value):
        """Return `value` as an SQL string literal, for DDL (trigger bodies) that cannot take
        parameters."""
        if self.backslash_escapes:
            value = value.replace("\\", "\\\\")
        return "'" + value.replace("'", "''") + "'"

    def event_trigger_sql(self, trigger, event, table, body, when):
        """Return the CREATE TRIGGER statement of one event of one table."""
        condition = f" FOR EACH ROW WHEN {when}" if when else ""
        return f"CREATE TRIGGER {trigger} AFTER {event} ON {table}{condition} BEGIN {body}; END"

    def counter_bump_sql(self, table):
        """Return the statement that adds one to the `version` of row 1 of `table`, creating
        the row (at 2) if it is missing."""
        return f"UPDATE {table} SET version = version + 1 WHERE id = 1"

    def insert_new_sql(self, table, columns, unique, key, *, relaxed=False):
        """Return the INSERT of one row of `columns` (quoted names, one placeholder each) that
        inserts nothing where a row with the same `unique` columns exists; `inserted_key` reads
        the new row's `key` afterwards. `relaxed`: the statement commits on its own and need
        not wait for the disk (`relaxed_commit_sql`, where the database has it)."""
        placeholders = ", ".join(["%s"] * len(columns))
        returning = [key, self.relaxed_commit_sql] if relaxed and self.relaxed_commit_sql else [key]
        return (
            f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders}) "
            f"ON CONFLICT ({', '.join(unique)}) DO NOTHING RETURNING {', '.join(returning)}"
        )

    def precompressed_column_sql(self, table, column, *, undo=False):
        """Return the statements that store the values of `column` (compressed already) in
        their row while the row fits a page, never compressing them again; `undo` reverts.
        Nothing where the database has no such setting."""
        return []

    def growing_rows_sql(self, table, *, fillfactor, undo=False):
        """Return the statements that leave (100 - `fillfactor`)% of each page of `table` free
        for its rows to grow into (an UPDATE that stays on its page writes no index entry);
        `undo` reverts. Nothing where the database has no such setting."""
        return []

    def partial_index_sql(self, name, table, columns, *, where, unique=False, undo=False):
        """Return the statements that turn the existing index (or, `unique`, the unique
        constraint) `name` on `columns` of `table` into one holding only the rows matching
        `where`, or create it anew when nothing of that name exists yet (`unique=None`);
        `undo` reverts. Nothing where the database has no partial indexes."""
        return []

    def inserted_key(self, cursor):
        """Return the key of the row an `insert_new_sql` statement inserted, or None."""
        row = cursor.fetchone()
        return None if row is None else row[0]

    def prepare_cursor(self, cursor):
        """Adjust a new driver cursor before the engine runs statements on it."""

    def as_array(self, values):
        """Return whether `values` can travel as one array parameter (`= ANY(%s)`)."""
        return False

    def json_batch_insert(self, endpoint, columns, rows):
        """Insert a batch as one JSON parameter and return the stored rows; None if not done."""
        return None

    def json_batch_update(self, endpoint, columns, rows):
        """Update a batch (unique keys last) as one JSON parameter; None if not done."""
        return None

    def copy_insert(self, endpoint, columns, values, returning):
        """Insert a batch (`values`: a list of database values per column) by the database's
        bulk load (COPY) and return the `returning` select list of the stored rows; None if
        not done (the caller inserts it in statements)."""
        return None

    def nulls_smallest_sql(self, descending):
        """Return what an ORDER BY term needs so that NULL sorts as the smallest value."""
        return ""

    def like_sql(self, column, pattern):
        """Return (sql, params) matching a LIKE pattern (`\\` escapes), case-sensitively."""
        return f"{column} LIKE %s", [pattern]

    def ilike_sql(self, column, pattern):
        """Return (sql, params) matching a LIKE pattern (`\\` escapes), ignoring case."""
        return f"LOWER({column}) LIKE LOWER(%s)", [pattern]

    def classify_integrity_error(self, error, table_info):
        """Return (UNIQUE, NOT_NULL or OTHER, column or None) for an IntegrityError/DataError."""
        return OTHER, None

    def is_unavailable(self, error):
        """Return whether driver error `error` means the database cannot serve now."""
        return False

    def is_conflict(self, error):
        """Return whether driver error `error` means the transaction lost a lock conflict and
        was rolled back (exchangelog.conflicts). SQLite has none: one writer at a time, and a
        writer waiting too long is "busy", which `is_unavailable` answers."""
        return False

    def fallback_field_type(self, info):
        """Return Django's field type for a column Django's introspection does not know."""
        return None

    def is_boolean_column(self, info):
        """Return whether a column of another type holds booleans by convention."""
        return False

    def has_default(self, info):
        """Return whether a described column has a database default."""
        return info.default is not None

    def declared_char_length(self, info):
        """Return the declared size of a char/varchar column, as described."""
        return info.display_size

    def numeric_size(self, info):
        """Return (precision, scale) of a decimal column, as described."""
        return info.precision, info.scale
