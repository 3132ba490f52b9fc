"""Row triggers capture every insert, update and delete of a tracked table, whoever writes."""

import pytest

from dataexchange.changes.capture import installed_triggers, triggers_sync
from dataexchange.changes.triggers import capture_builder
from dataexchange.engine.query.dialects import dialect
from dataexchange.models import Endpoint
from tests.changes.conftest import TABLE, logged, sql

ALL = ["id_item", "code", "name", "qty"]


def test_plain_sql_writes_outside_the_app_are_captured(tracked):
    sql(f"INSERT INTO {TABLE} (code, name, qty) VALUES ('A', 'Apple', 1)")
    sql(f"UPDATE {TABLE} SET name = 'Apricot' WHERE code = 'A'")
    sql(f"UPDATE {TABLE} SET qty = 2, name = 'Avocado' WHERE code = 'A'")
    sql(f"DELETE FROM {TABLE} WHERE code = 'A'")
    (row_id,) = {identifier for _, identifier, _ in logged()}
    assert logged() == [
        ("create", row_id, ALL),
        ("update", row_id, ["name"]),
        ("update", row_id, ["name", "qty"]),
        ("delete", row_id, ALL),
    ]


def test_a_changed_identifier_is_a_delete_and_a_create(tracked):
    sql(f"INSERT INTO {TABLE} (id_item, code, name) VALUES (7, 'A', 'Apple')")
    sql(f"UPDATE {TABLE} SET id_item = 8 WHERE id_item = 7")
    assert logged()[1:] == [("delete", "7", ALL), ("create", "8", ALL)]


def test_one_statement_moving_one_identifier_and_updating_another_row(tracked):
    # PostgreSQL looks for deletes and creates only when some old row lost its identifier.
    sql(f"INSERT INTO {TABLE} (id_item, code, name) VALUES (1, 'A', 'Apple'), (7, 'B', 'Bean')")
    sql(
        f"UPDATE {TABLE} SET id_item = CASE id_item WHEN 7 THEN 9 ELSE id_item END, "
        "name = 'Changed' WHERE id_item IN (1, 7)"
    )
    assert sorted(logged()[2:]) == [
        ("create", "9", ALL),
        ("delete", "7", ALL),
        ("update", "1", ["name"]),
    ]


def test_a_change_of_letter_case_alone_is_a_change(tracked):
    sql(f"INSERT INTO {TABLE} (id_item, code, name) VALUES (1, 'A', 'apple')")
    sql(f"UPDATE {TABLE} SET name = 'Apple' WHERE id_item = 1")
    assert logged()[1:] == [("update", "1", ["name"])]


def test_untracked_tables_capture_nothing(item_table):
    sql(f"INSERT INTO {TABLE} (code, name) VALUES ('A', 'Apple')")
    assert logged() == []
    assert installed_triggers(capture_builder(dialect())) == {}


def test_turning_tracking_off_removes_the_triggers(tracked):
    assert set(installed_triggers(capture_builder(dialect())).values()) == {TABLE}
    Endpoint.objects.filter(pk=tracked.pk).update(track_changes=False)
    report = triggers_sync()
    assert report.dropped and not report.created
    assert installed_triggers(capture_builder(dialect())) == {}
    sql(f"INSERT INTO {TABLE} (code, name) VALUES ('A', 'Apple')")
    assert logged() == []


def test_a_sync_with_nothing_changed_runs_no_ddl(tracked):
    assert triggers_sync() == triggers_sync().__class__((), ())


def test_a_column_added_later_is_still_captured(tracked):
    sql(f"ALTER TABLE {TABLE} ADD COLUMN colour VARCHAR(20)")
    sql(f"INSERT INTO {TABLE} (id_item, code, name) VALUES (1, 'A', 'Apple')")
    sql(f"UPDATE {TABLE} SET colour = 'red' WHERE id_item = 1")
    entries = logged()
    assert [(op, identifier) for op, identifier, _ in entries] == [("create", "1"), ("update", "1")]
    generic = dialect().vendor == "postgresql"  # PostgreSQL's trigger compares whole rows
    assert entries[1][2] == (["colour"] if generic else [])
    triggers_sync()  # what the next configuration save does
    sql(f"UPDATE {TABLE} SET colour = 'green' WHERE id_item = 1")
    sql(f"INSERT INTO {TABLE} (id_item, code, name) VALUES (2, 'B', 'Banana')")
    assert logged()[2:] == [("update", "1", ["colour"]), ("create", "2", [*ALL, "colour"])]


def test_a_dropped_column_never_fails_silently(tracked):
    """PostgreSQL's trigger does not name columns. SQLite refuses to drop a column a trigger
    names. MariaDB drops it, and then every write fails loudly until the triggers are
    regenerated (configuration save, periodic sync); nothing is written uncaptured."""
    sql(f"INSERT INTO {TABLE} (id_item, code, name, qty) VALUES (1, 'A', 'Apple', 3)")
    vendor = dialect().vendor
    try:
        sql(f"ALTER TABLE {TABLE} DROP COLUMN qty")
    except Exception:
        assert vendor == "sqlite"
        return
    assert vendor != "sqlite"
    write = f"UPDATE {TABLE} SET name = 'Apricot' WHERE id_item = 1"
    if vendor == "mysql":
        with pytest.raises(Exception, match="qty"):
            sql(write)
        assert sql(f"SELECT name FROM {TABLE}") == [("Apple",)]
        triggers_sync()
    sql(write)
    assert logged()[1:] == [("update", "1", ["name"])]


@pytest.mark.parametrize("statement", ["UPDATE {t} SET qty = qty WHERE id_item = 1"])
def test_an_update_that_changes_nothing(tracked, statement):
    """PostgreSQL compares whole rows and records nothing; MariaDB and SQLite record the
    update with no changed column (they cannot tell a column added since from no change)."""
    sql(f"INSERT INTO {TABLE} (id_item, code, name, qty) VALUES (1, 'A', 'Apple', 3)")
    sql(statement.format(t=TABLE))
    expected = [] if dialect().vendor == "postgresql" else [("update", "1", [])]
    assert logged()[1:] == expected


def test_a_view_cannot_be_tracked(item_table):
    from dataexchange import config_validation as rules

    sql(f"CREATE VIEW chg_item_view AS SELECT id_item, code FROM {TABLE}")
    try:
        spec = rules.EndpointSpec(
            alias="item-view", table_name="chg_item_view", identifier="id_item",
            track_changes=True,
        )  # fmt: skip
        problems = rules.endpoint_problems(spec, rules.Catalog({}))
        assert [p.message for p in problems if p.attr == "track_changes"] == [
            "Changes of `chg_item_view` cannot be tracked: it is a view, and row triggers need "
            "a table."
        ]
        untracked = rules.EndpointSpec(
            alias="item-view", table_name="chg_item_view", identifier="id_item"
        )
        problems = rules.endpoint_problems(untracked, rules.Catalog({}))
        assert not [p for p in problems if p.attr == "track_changes"]
    finally:
        sql("DROP VIEW chg_item_view")
