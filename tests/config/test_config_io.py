"""Configuration files (SPEC A10): import all-or-nothing, export, round trips, the commands."""

import copy
import json
from io import StringIO

from django.core.management import CommandError, call_command

import pytest

from dataexchange.config_io import (
    ConfigFileError,
    dump_entries,
    endpoints_export,
    endpoints_import,
    load_entries,
)
from dataexchange.models import ConfigurationVersion, Endpoint, EndpointField, EndpointRelation

pytestmark = pytest.mark.django_db


def field(column, type_="string", *, creatable=True, editable=True, **validation):
    return {
        "fieldName": column,
        "fieldVisibleName": column,
        "type": type_,
        "isCreatable": creatable,
        "isEditable": editable,
        "validation": {"isRequired": False, **validation},
    }


def widgets_entry(**changes):
    entry = {
        "tableName": "dxt_widget",
        "tableAlias": "widgets",
        "isActive": True,
        "definition": {
            "identifier": "id_widget",
            "isDeletable": True,
            "fields": [
                field("id_widget", "integer", creatable=False, editable=False),
                field("code", isRequired=True, minLength=2, maxLength=20),
                field("weight", "decimal", precision=8, scale=2),
                field("ratio", "float"),
            ],
        },
        "childRelations": [
            {
                "name": "widgetParts",
                "isEditable": True,
                "childDynamicEntityConfiguration": {"tableAlias": "parts"},
                "relationFieldMappings": [
                    {"childFieldName": "fk_widget", "parentFieldName": "id_widget"}
                ],
            }
        ],
    }
    entry.update(changes)
    return entry


def parts_entry():
    return {
        "tableName": "dxt_part",
        "tableAlias": "parts",
        "isActive": True,
        "definition": {
            "identifier": "sku",
            "isDeletable": False,
            "fields": [
                field("sku", isRequired=True, maxLength=64),
                field("fk_widget", "integer", isRequired=True, min=1),
            ],
        },
        "childRelations": [],
    }


def test_import_creates_endpoints_fields_and_relations_to_later_entries():
    before = ConfigurationVersion.current()

    report = endpoints_import(entries=[widgets_entry(), parts_entry()])

    assert report.created == ("widgets", "parts")
    assert report.lines() == [
        "Created 2 endpoints: widgets, parts",
        "Updated 0 endpoints: -",
        "Skipped 0 endpoints: -",
    ]
    widgets = Endpoint.objects.get(alias="widgets")
    assert (widgets.table_name, widgets.identifier, widgets.is_active) == (
        "dxt_widget",
        "id_widget",
        True,
    )
    enabled = widgets.fields.filter(is_enabled=True)
    assert [f.column_name for f in enabled] == ["id_widget", "code", "weight", "ratio"]
    code = enabled.get(column_name="code")
    assert (code.is_required, code.min_length, code.max_length) == (True, 2, 20)
    assert enabled.get(column_name="ratio").type == "float"
    # The columns the file leaves out are listed, disabled, for the admin.
    assert widgets.fields.filter(is_enabled=False).count() == 7
    relation = EndpointRelation.objects.get()
    assert (relation.parent.alias, relation.child.alias, relation.child_field) == (
        "widgets",
        "parts",
        "fk_widget",
    )
    assert ConfigurationVersion.current() > before


def test_existing_aliases_are_skipped_or_with_update_replaced():
    endpoints_import(entries=[widgets_entry(), parts_entry()])
    changed = widgets_entry(isActive=False)
    changed["definition"]["fields"] = changed["definition"]["fields"][:2]
    changed["childRelations"] = []

    report = endpoints_import(entries=[changed, parts_entry()])
    assert report.skipped == (("widgets", "already configured"), ("parts", "already configured"))
    assert Endpoint.objects.get(alias="widgets").is_active

    widgets_id = Endpoint.objects.get(alias="widgets").pk
    report = endpoints_import(entries=[changed], update=True)
    assert report.lines() == [
        "Created 0 endpoints: -",
        "Updated 1 endpoint: widgets",
        "Skipped 0 endpoints: -",
    ]
    widgets = Endpoint.objects.get(alias="widgets")
    assert widgets.pk == widgets_id
    assert not widgets.is_active
    assert list(widgets.fields.filter(is_enabled=True).values_list("column_name", flat=True)) == [
        "id_widget",
        "code",
    ]
    assert not widgets.relations.exists()


def test_a_table_exposed_under_another_alias_is_skipped():
    endpoints_import(entries=[parts_entry()])
    renamed = parts_entry()
    renamed["tableAlias"] = "components"
    report = endpoints_import(entries=[renamed])
    assert report.skipped == (("components", "table dxt_part already exposed by parts"),)


def test_dry_run_reports_and_saves_nothing():
    version = ConfigurationVersion.current()
    report = endpoints_import(entries=[widgets_entry(), parts_entry()], dry_run=True)
    assert report.lines()[:2] == [
        "Dry run: nothing was saved.",
        "Would create 2 endpoints: widgets, parts",
    ]
    assert not Endpoint.objects.exists()
    assert not EndpointField.objects.exists()
    assert ConfigurationVersion.current() == version


def test_one_invalid_entry_writes_nothing_and_every_problem_is_reported():
    bad_widgets = widgets_entry()
    bad_widgets["definition"]["fields"][1]["validation"]["min"] = 3
    bad_widgets["definition"]["fields"][2]["type"] = "money"
    bad_parts = parts_entry()
    bad_parts["tableName"] = "auth_user"
    good = {**parts_entry(), "tableAlias": "other-parts", "tableName": "dxt_tree"}
    good["definition"] = {"identifier": "id_tree", "fields": [field("id_tree", "integer")]}

    with pytest.raises(ConfigFileError) as caught:
        endpoints_import(entries=[good, bad_widgets, bad_parts])

    assert caught.value.problems == [
        "[1] (widgets) definition.fields[1].validation.min: Validation rule(s) `min` not allowed "
        "for type `string`. Allowed: isRequired, minLength, maxLength, constraints.",
        "[1] (widgets) definition.fields[2].type: Type `money` is not supported. Allowed types: "
        "integer, string, boolean, decimal, float, date, datetime.",
        "[2] (parts) tableName: Table `auth_user` is not allowed for Data Exchange: it is on the "
        "list of tables that may never be exposed.",
    ]
    assert not Endpoint.objects.exists()


def test_structural_problems_are_reported_with_their_position():
    entry = widgets_entry()
    entry["isActive"] = "true"
    entry["colour"] = "red"
    fields = entry["definition"]["fields"]
    fields[0]["isEditable"] = "false"
    del fields[1]["fieldVisibleName"]
    fields[2]["validation"]["precision"] = 8.5
    fields[3]["validation"]["constraints"] = [{"nom": "url"}]
    entry["childRelations"][0]["relationFieldMappings"].append(
        {"childFieldName": "a", "parentFieldName": "b"}
    )

    with pytest.raises(ConfigFileError) as caught:
        endpoints_import(entries=[entry, "parts", parts_entry()])

    assert caught.value.problems == [
        "[0] (widgets) colour: unknown key. Known keys: tableName, tableAlias, isActive, "
        "trackChanges, description, definition, childRelations.",
        '[0] (widgets) isActive: must be true or false, got "true".',
        '[0] (widgets) definition.fields[0].isEditable: must be true or false, got "false".',
        "[0] (widgets) definition.fields[1].fieldVisibleName: is required.",
        "[0] (widgets) definition.fields[2].validation.precision: must be a whole number, got 8.5.",
        '[0] (widgets) definition.fields[3].validation.constraints[0]: must be {"name": "url"}.',
        "[0] (widgets) childRelations[0].relationFieldMappings: needs exactly one field mapping, "
        "got 2.",
        "[1]: must be an object with tableName, tableAlias, ...",
    ]
    assert not Endpoint.objects.exists()


def test_spryker_files_import_examples_lists_and_numbers_as_strings():
    entry = widgets_entry(childRelations=[])
    code = entry["definition"]["fields"][1]
    code["examples"] = ["AB", "CD"]
    code["enumValues"] = ["AB", "CD"]
    code["description"] = "Short code."
    code["validation"]["maxLength"] = "20"

    endpoints_import(entries=[entry])

    row = EndpointField.objects.get(column_name="code")
    assert (row.examples, row.enum_values, row.max_length) == ("AB, CD", ["AB", "CD"], 20)


def test_export_then_import_round_trips_exactly():
    widgets = widgets_entry()
    widgets["description"] = "Widgets of the test schema."
    widgets["definition"]["maxBatchSize"] = 50
    widgets["definition"]["maxPageLimit"] = 500
    code = widgets["definition"]["fields"][1]
    code.update(description="Short code.", examples="AB, CD", enumValues=["AB", "CD"])
    code["fieldVisibleName"] = "widgetCode"
    code["validation"]["constraints"] = [{"name": "url"}]
    endpoints_import(entries=[widgets, parts_entry()])

    exported = endpoints_export(endpoints=Endpoint.objects.order_by("alias"))
    assert exported == [parts_entry(), widgets]

    endpoints_import(entries=exported, update=True)
    assert endpoints_export(endpoints=Endpoint.objects.order_by("alias")) == exported

    Endpoint.objects.all().delete()
    endpoints_import(entries=load_entries(dump_entries(exported)))
    assert endpoints_export(endpoints=Endpoint.objects.order_by("alias")) == exported


def test_load_entries_refuses_what_is_not_a_json_array():
    with pytest.raises(ValueError, match="The file is not valid JSON"):
        load_entries("[{")
    with pytest.raises(ValueError, match="must hold a JSON array"):
        load_entries('{"tableName": "x"}')
    with pytest.raises(ValueError, match="nested too deeply"):
        load_entries("[" * 100_000)


def test_import_command_prints_the_report(tmp_path):
    path = tmp_path / "endpoints.json"
    path.write_text(json.dumps([widgets_entry(), parts_entry()]))
    out = StringIO()

    call_command("import_endpoints", str(path), stdout=out)
    call_command("import_endpoints", str(path), "--dry-run", stdout=out)

    assert out.getvalue().splitlines() == [
        "Created 2 endpoints: widgets, parts",
        "Updated 0 endpoints: -",
        "Skipped 0 endpoints: -",
        "Dry run: nothing was saved.",
        "Would create 0 endpoints: -",
        "Would update 0 endpoints: -",
        "Would skip 2 endpoints: widgets (already configured), parts (already configured)",
    ]


def test_import_command_lists_every_problem_and_writes_nothing(tmp_path):
    entry = widgets_entry()
    entry["tableAlias"] = "bad alias"
    path = tmp_path / "endpoints.json"
    path.write_text(json.dumps([entry]))

    with pytest.raises(CommandError) as caught:
        call_command("import_endpoints", str(path))

    assert str(caught.value).splitlines() == [
        f"2 problems in {path}; nothing was imported:",
        "  [0] (bad alias) tableAlias: Resource name `bad alias` is not valid. Allowed "
        "characters: a-z, A-Z, 0-9, _ and - (at most 255).",
        "  [0] (bad alias) childRelations[0].childDynamicEntityConfiguration.tableAlias: Child "
        "endpoint `parts` does not exist.",
    ]
    assert not Endpoint.objects.exists()


def test_import_command_refuses_missing_and_broken_files(tmp_path):
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("import_endpoints", str(tmp_path / "missing.json"))
    broken = tmp_path / "broken.json"
    broken.write_text("not json")
    with pytest.raises(CommandError, match="The file is not valid JSON"):
        call_command("import_endpoints", str(broken))


def test_export_command_prints_the_file_format(tmp_path):
    endpoints_import(entries=[widgets_entry(), parts_entry()])
    out = StringIO()
    call_command("export_endpoints", stdout=out)
    assert json.loads(out.getvalue()) == [parts_entry(), widgets_entry()]

    out = StringIO()
    call_command("export_endpoints", "widgets", stdout=out)
    assert json.loads(out.getvalue()) == [widgets_entry()]

    target = tmp_path / "out.json"
    call_command("export_endpoints", "parts", "--output", str(target))
    assert json.loads(target.read_text()) == [parts_entry()]

    with pytest.raises(CommandError, match="No endpoint with resource name: gadgets."):
        call_command("export_endpoints", "widgets", "gadgets")


def test_the_demo_configuration_imports_onto_the_demo_schema_and_round_trips():
    with open("dataexchange/demo/endpoints.json", encoding="utf-8") as handle:
        demo = json.load(handle)

    report = endpoints_import(entries=copy.deepcopy(demo))

    assert len(report.created) == 15
    aliases = {
        "countries", "tax-rates", "tax-sets", "locales", "currencies", "product-abstracts",
        "products", "product-abstract-localized-attributes", "stocks", "stock-products",
        "price-products", "urls", "mime-types", "categories", "category-nodes",
    }  # fmt: skip
    assert set(report.created) == aliases
    relations = {
        (r.parent.alias, r.name, r.child.alias, r.child_field, r.parent_field)
        for r in EndpointRelation.objects.select_related("parent", "child")
    }
    assert {
        ("countries", "countryTaxRates", "tax-rates", "fk_country", "id_country"),
        ("product-abstracts", "productAbstractProducts", "products", "fk_product_abstract",
         "id_product_abstract"),
        ("stocks", "stockStockProducts", "stock-products", "fk_stock", "id_stock"),
        ("categories", "categoryCategoryNodes", "category-nodes", "fk_category", "id_category"),
        ("category-nodes", "categoryNodeChildren", "category-nodes", "fk_parent_category_node",
         "id_category_node"),
    } <= relations  # fmt: skip
    exported = {e["tableAlias"]: e for e in endpoints_export(endpoints=Endpoint.objects.all())}
    assert exported == {e["tableAlias"]: e for e in demo}
