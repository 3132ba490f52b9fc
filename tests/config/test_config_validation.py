"""The configuration rules (config_validation) and the proposal made from a table's columns."""

from dataclasses import replace

import pytest

from dataexchange import config_validation as rules
from dataexchange.config_validation import Catalog, FieldSpec, RelationSpec
from tests.config.helpers import messages_of, proposed, widget_spec, with_field

pytestmark = pytest.mark.django_db


def check(spec, others=None):
    return messages_of(rules.validate_endpoint_config(spec, Catalog(others or {})))


def test_proposal_follows_the_columns():
    spec = proposed("dxt_widget")
    by_column = {f.column_name: f for f in spec.fields}

    assert spec.alias == "dxt-widgets"
    assert spec.identifier == "id_widget"
    assert not spec.is_active
    assert list(by_column) == [
        "id_widget", "code", "name", "label", "weight", "stock", "is_active", "ratio",
        "released", "created_at", "notes",
    ]  # fmt: skip
    assert {c: f.type for c, f in by_column.items()} == {
        "id_widget": "integer",
        "code": "string",
        "name": "string",
        "label": "string",
        "weight": "decimal",
        "stock": "integer",
        "is_active": "boolean",
        "ratio": "float",
        "released": "date",
        "created_at": "datetime",
        "notes": "string",
    }
    assert [c for c, f in by_column.items() if f.is_enabled] == ["id_widget"]
    assert [c for c, f in by_column.items() if f.is_required] == ["code", "name"]
    identifier = by_column["id_widget"]
    assert (identifier.is_creatable, identifier.is_editable) == (False, False)
    assert (by_column["code"].is_creatable, by_column["code"].is_editable) == (True, True)
    assert by_column["code"].max_length == 20
    assert by_column["label"].max_length == 50
    assert by_column["notes"].max_length is None
    assert (by_column["weight"].precision, by_column["weight"].scale) == (8, 2)
    assert check(spec) == []


def test_proposal_without_primary_key_takes_no_identifier():
    spec = proposed("dxt_nokey")
    assert spec.identifier == ""
    assert check(spec) == ["Identifier is required: choose the column that identifies a row."]


def test_valid_configuration_has_no_problem():
    relation = RelationSpec("widgetParts", "parts", "fk_widget", "id_widget")
    spec = widget_spec(relations=(relation,))
    assert check(spec, {"parts": "dxt_part"}) == []


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"alias": ""}, "Resource name is required."),
        (
            {"alias": "wid gets"},
            "Resource name `wid gets` is not valid. Allowed characters: a-z, A-Z, 0-9, _ and - "
            "(at most 255).",
        ),
        ({"alias": "w/x"}, "Resource name `w/x` is not valid."),
        ({"alias": "x" * 256}, "is not valid."),
        ({"table_name": ""}, "Table name is required."),
        ({"max_batch_size": 0}, "`maxBatchSize` must be at least 1."),
        ({"max_page_limit": 2**40}, "`maxPageLimit` must be at most 2147483647."),
        ({"table_name": "dxt_missing"}, "Table `dxt_missing` does not exist in the database."),
        ({"identifier": ""}, "Identifier is required: choose the column that identifies a row."),
        ({"identifier": "nope"}, "Identifier `nope` is not a column of table `dxt_widget`."),
        (
            {"identifier": "name"},
            "Identifier `name` is not unique in table `dxt_widget`; choose the primary key or "
            "another column with a unique constraint.",
        ),
    ],
)
def test_endpoint_rules(changes, message):
    found = check(widget_spec(**changes))
    assert any(message in m for m in found), found


def test_a_unique_column_may_be_the_identifier():
    spec = with_field(widget_spec(identifier="code"), "code", is_enabled=True)
    assert check(spec) == []


def test_alias_and_table_must_be_unique_ignoring_case():
    others = {"Dxt-Widgets": "other_table", "gadgets": "DXT_WIDGET"}
    assert check(widget_spec(), others) == [
        "Resource name `dxt-widgets` is already used by the endpoint of table `other_table`.",
        "Table `dxt_widget` is already exposed by endpoint `gadgets`.",
    ]


@pytest.mark.parametrize(
    "table", ["auth_user", "auth_group", "django_session", "dataexchange_endpoint"]
)
def test_disallowed_tables_are_refused(table):
    spec = widget_spec(table_name=table, fields=(), identifier="id")
    assert check(spec)[0] == (
        f"Table `{table}` is not allowed for Data Exchange: it is on the list of tables that may "
        "never be exposed."
    )


def test_the_setting_adds_disallowed_tables(settings):
    settings.DATA_EXCHANGE = {**settings.DATA_EXCHANGE, "DISALLOWED_TABLES": ["DXT_Widget"]}
    assert "is not allowed for Data Exchange" in check(widget_spec())[0]


@pytest.mark.parametrize(
    ("column", "changes", "message"),
    [
        ("code", {"column_name": "nope"}, "Column `nope` does not exist in table `dxt_widget`."),
        ("code", {"column_name": ""}, "Column name is required."),
        ("code", {"visible_name": ""}, "Visible name is required."),
        (
            "code",
            {"visible_name": "the code"},
            "Visible name `the code` is not valid. Allowed characters: a-z, A-Z, 0-9, _ and - "
            "(at most 255).",
        ),
        (
            "code",
            {"visible_name": "identifier"},
            "Visible name `identifier` is reserved for the identifier field.",
        ),
        (
            "code",
            {"type": "money"},
            "Type `money` is not supported. Allowed types: integer, string, boolean, decimal, "
            "float, date, datetime.",
        ),
        (
            "stock",
            {"is_enabled": True, "max_length": 3},
            "Validation rule(s) `maxLength` not allowed for type `integer`. "
            "Allowed: isRequired, min, max.",
        ),
        (
            "code",
            {"min_value": 1, "precision": 3},
            "Validation rule(s) `min, precision` not allowed for type `string`. "
            "Allowed: isRequired, minLength, maxLength, constraints.",
        ),
        (
            "is_active",
            {"constraints": ("url",)},
            "Validation rule(s) `constraints` not allowed for type `boolean`. Allowed: isRequired.",
        ),
        ("stock", {"min_value": 5, "max_value": 5}, "`min` must be less than `max`."),
        ("stock", {"min_value": 9, "max_value": 1}, "`min` must be less than `max`."),
        (
            "code",
            {"min_length": 5, "max_length": 4},
            "`minLength` must not be greater than `maxLength`.",
        ),
        ("weight", {"precision": 4, "scale": 4}, "`scale` must be less than `precision`."),
        ("weight", {"precision": None, "scale": 2}, "`scale` needs `precision`."),
        ("weight", {"precision": 0, "scale": None}, "`precision` must be at least 1."),
        ("code", {"min_length": -1}, "`minLength` must be at least 0."),
        ("code", {"max_length": 0}, "`maxLength` must be at least 1."),
        ("code", {"max_length": 2**31}, "`maxLength` must be at most 2147483647."),
        ("stock", {"min_value": 2**63}, "`min` must be at most 9223372036854775807."),
        (
            "code",
            {"constraints": ("email",)},
            "Constraint `email` is not supported. Allowed constraints: url.",
        ),
    ],
)
def test_field_rules(column, changes, message):
    problems = rules.field_problems(with_field(widget_spec(), column, **changes), Catalog({}))
    assert message in messages_of(problems)
    problem = next(p for p in problems if p.message == message)
    assert problem.section == "fields"
    assert problem.index is not None


def test_fitting_rules_pass():
    spec = with_field(widget_spec(), "code", min_length=2, max_length=2, constraints=("url",))
    spec = with_field(spec, "stock", is_enabled=True, min_value=-5, max_value=5)
    spec = with_field(spec, "notes", is_enabled=True, min_length=3, max_length=3)
    assert check(spec) == []


def test_identifier_must_be_an_enabled_field():
    spec = with_field(widget_spec(), "id_widget", is_enabled=False)
    problems = rules.field_problems(spec, Catalog({}))
    assert messages_of(problems) == ["Identifier `id_widget` must be an enabled field."]
    assert (problems[0].index, problems[0].attr) == (0, "is_enabled")

    without_row = replace(spec, fields=spec.fields[1:])
    problems = rules.field_problems(without_row, Catalog({}))
    assert (problems[0].section, problems[0].attr) == ("endpoint", "identifier")


def test_duplicate_columns_and_visible_names():
    extra = FieldSpec("label", "CODE")
    again = FieldSpec("code", "code2")
    spec = widget_spec(fields=(*widget_spec().fields[:2], extra, again))
    assert check(spec) == [
        "Column `code` is configured twice.",
        "Visible name `CODE` is used by more than one field.",
    ]


@pytest.mark.parametrize(
    ("relation", "message"),
    [
        (
            RelationSpec("widgetParts", "gadgets", "fk_widget", "id_widget"),
            "Child endpoint `gadgets` does not exist.",
        ),
        (
            RelationSpec("widgetParts", "parts", "fk_gadget", "id_widget"),
            "Column `fk_gadget` not found in child table `dxt_part`.",
        ),
        (
            RelationSpec("widgetParts", "parts", "fk_widget", "id_gadget"),
            "Column `id_gadget` not found in parent table `dxt_widget`.",
        ),
        (
            RelationSpec("widget parts", "parts", "fk_widget", "id_widget"),
            "Relation name `widget parts` is not valid. Allowed characters: a-z, A-Z, 0-9, _ and "
            "- (at most 255).",
        ),
        (RelationSpec("", "parts", "fk_widget", "id_widget"), "Relation name is required."),
        (
            RelationSpec("widgetParts", "parts", "", "id_widget"),
            "The child column of the relation is required.",
        ),
    ],
)
def test_relation_rules(relation, message):
    spec = widget_spec(relations=(relation,))
    assert check(spec, {"parts": "dxt_part"}) == [message]


def test_relation_names_are_unique_and_self_relations_use_the_own_table():
    tree = proposed("dxt_tree", "trees")
    children = RelationSpec("children", "trees", "fk_parent", "id_tree")
    assert check(replace(tree, relations=(children,))) == []
    twice = replace(tree, relations=(children, children))
    assert check(twice) == ["Relation name `children` is used twice."]
