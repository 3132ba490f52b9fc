"""The endpoint admin, driven through its own views: picker, field grid, messages, list, files."""

import json

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

import pytest

from dataexchange import registry
from dataexchange.config_io import endpoint_save, endpoints_export
from dataexchange.models import ConfigurationVersion, Endpoint, EndpointRelation
from tests.config.helpers import add_relation_row, change_form_data, field_row, widget_spec

pytestmark = pytest.mark.django_db

ADD_URL = reverse("admin:dataexchange_endpoint_add")
LIST_URL = reverse("admin:dataexchange_endpoint_changelist")
IMPORT_URL = reverse("admin:dataexchange_endpoint_import")


def change_url(endpoint):
    return reverse("admin:dataexchange_endpoint_change", args=[endpoint.pk])


def create(admin_client, table, alias=""):
    return admin_client.post(ADD_URL, {"table_name": table, "alias": alias})


def errors_of(response):
    """Return every error message shown on an admin change page."""
    found = [e for errors in response.context["adminform"].form.errors.values() for e in errors]
    for inline in response.context["inline_admin_formsets"]:
        found += list(inline.formset.non_form_errors())
        for form in inline.formset.forms:
            found += [e for errors in form.errors.values() for e in errors]
    return found


def picker_tables(response):
    return [value for value, _ in response.context["adminform"].form.fields["table_name"].choices]


def test_the_picker_offers_real_allowed_unconfigured_tables_with_proposed_aliases(admin_client):
    endpoint_save(widget_spec(alias="widgets"))

    response = admin_client.get(ADD_URL)

    tables = picker_tables(response)
    assert {"dxt_part", "dxt_tree", "spy_mime_type", "spy_country"} <= set(tables)
    for refused in (
        "dxt_widget",  # already configured
        "auth_user",
        "auth_group",
        "auth_permission",
        "django_session",
        "django_admin_log",
        "django_content_type",
        "django_migrations",
        "dataexchange_endpoint",
        "dataexchange_endpointfield",
        "dataexchange_configurationversion",
    ):
        assert refused not in tables
    assert "spy_mime_type → mime-types" in response.content.decode()


def test_creating_from_the_picker_proposes_the_fields_and_opens_the_edit_page(admin_client):
    version = ConfigurationVersion.current()

    response = create(admin_client, "dxt_widget")

    endpoint = Endpoint.objects.get()
    assert response.status_code == 302
    assert response.url == change_url(endpoint)
    assert (endpoint.alias, endpoint.table_name, endpoint.identifier) == (
        "dxt-widgets",
        "dxt_widget",
        "id_widget",
    )
    assert not endpoint.is_active
    rows = {f.column_name: f for f in endpoint.fields.all()}
    assert len(rows) == 11
    assert [c for c, f in rows.items() if f.is_enabled] == ["id_widget"]
    assert (rows["code"].type, rows["code"].max_length, rows["code"].is_required) == (
        "string",
        20,
        True,
    )
    assert (rows["weight"].precision, rows["weight"].scale) == (8, 2)
    assert (rows["id_widget"].is_creatable, rows["id_widget"].is_editable) == (False, False)
    assert ConfigurationVersion.current() > version

    page = admin_client.get(response.url)
    assert "created for table dxt_widget" in page.content.decode()
    assert page.context["inline_admin_formsets"][0].formset.total_form_count() == 11


def test_creating_with_a_chosen_alias(admin_client):
    create(admin_client, "dxt_part", "parts")
    assert Endpoint.objects.get().alias == "parts"


@pytest.mark.parametrize(
    ("table", "alias", "message"),
    [
        ("", "", "This field is required."),
        (
            "dxt_part",
            "bad alias",
            "Resource name `bad alias` is not valid. Allowed characters: a-z, A-Z, 0-9, _ and - "
            "(at most 255).",
        ),
        (
            "dxt_part",
            "WIDGETS",
            "Resource name `WIDGETS` is already used by the endpoint of table `dxt_widget`.",
        ),
        ("dxt_widget", "", "Table `dxt_widget` is already exposed by endpoint `widgets`."),
        ("dxt_gone", "", "Table `dxt_gone` does not exist in the database."),
        (
            "auth_user",
            "",
            "Table `auth_user` is not allowed for Data Exchange: it is on the list of tables "
            "that may never be exposed.",
        ),
        ("dxt_nokey", "", "Identifier is required: choose the column that identifies a row."),
    ],
)
def test_creating_reports_problems_in_plain_words(admin_client, table, alias, message):
    endpoint_save(widget_spec(alias="widgets"))

    response = create(admin_client, table, alias)

    assert response.status_code == 200
    assert errors_of(response) == [message]
    assert Endpoint.objects.count() == 1


def edit_page(admin_client, table="dxt_widget"):
    create(admin_client, table)
    endpoint = Endpoint.objects.get(table_name=table)
    response = admin_client.get(change_url(endpoint))
    return endpoint, change_form_data(response)


def test_editing_fields_enables_renames_and_sets_rules(admin_client):
    endpoint, data = edit_page(admin_client)
    code, weight = field_row(data, "code"), field_row(data, "weight")
    data[f"{code}-is_enabled"] = "on"
    data[f"{code}-visible_name"] = "widgetCode"
    data[f"{code}-min_length"] = "2"
    data[f"{code}-constraints"] = ["url"]
    data[f"{weight}-is_enabled"] = "on"
    data[f"{weight}-is_editable"] = ""
    data["is_active"] = "on"
    data["is_deletable"] = "on"
    version = ConfigurationVersion.current()

    response = admin_client.post(change_url(endpoint), data)

    assert response.status_code == 302, errors_of(response)
    endpoint.refresh_from_db()
    assert endpoint.is_active and endpoint.is_deletable
    enabled = {f.column_name: f for f in endpoint.fields.filter(is_enabled=True)}
    assert list(enabled) == ["id_widget", "code", "weight"]
    assert (enabled["code"].visible_name, enabled["code"].min_length) == ("widgetCode", 2)
    assert enabled["code"].constraints == ["url"]
    assert not enabled["weight"].is_editable
    assert ConfigurationVersion.current() > version
    assert registry.snapshot().get(endpoint.alias).by_name["widgetCode"].min_length == 2


@pytest.mark.parametrize(
    ("column", "values", "message"),
    [
        (
            "stock",
            {"max_length": "5"},
            "Validation rule(s) `maxLength` not allowed for type `integer`. "
            "Allowed: isRequired, min, max.",
        ),
        ("stock", {"min_value": "10", "max_value": "1"}, "`min` must be less than `max`."),
        (
            "code",
            {"min_length": "9", "max_length": "3"},
            "`minLength` must not be greater than `maxLength`.",
        ),
        ("weight", {"precision": "2", "scale": "3"}, "`scale` must be less than `precision`."),
        ("code", {"visible_name": "name"}, "Visible name `name` is used by more than one field."),
        (
            "code",
            {"visible_name": "a b"},
            "Visible name `a b` is not valid. Allowed characters: "
            "a-z, A-Z, 0-9, _ and - (at most 255).",
        ),
        (
            "is_active",
            {"constraints": ["url"]},
            "Validation rule(s) `constraints` not allowed for type `boolean`. Allowed: isRequired.",
        ),
        ("id_widget", {"is_enabled": ""}, "Identifier `id_widget` must be an enabled field."),
        ("code", {"column_name": "name"}, "Column `name` is configured twice."),
        (
            "stock",
            {"enum_values": "1\nmany"},
            "The allowed values of a numeric field must be numbers, one per line.",
        ),
    ],
)
def test_every_field_rule_has_a_message(admin_client, column, values, message):
    endpoint, data = edit_page(admin_client)
    row = field_row(data, column)
    data[f"{row}-is_enabled"] = "on"
    for key, value in values.items():
        data[f"{row}-{key}"] = value

    response = admin_client.post(change_url(endpoint), data)

    assert response.status_code == 200
    assert message in errors_of(response)


@pytest.mark.parametrize(
    ("values", "message"),
    [
        (
            {"identifier": "name"},
            "Identifier `name` is not unique in table `dxt_widget`; choose the primary key or "
            "another column with a unique constraint.",
        ),
        (
            {"alias": "wid/gets"},
            "Resource name `wid/gets` is not valid. Allowed characters: a-z, A-Z, 0-9, _ and - "
            "(at most 255).",
        ),
        ({"alias": "Parts"}, "Resource name `Parts` is already used by the endpoint of table "
                             "`dxt_part`."),
    ],
)  # fmt: skip
def test_endpoint_settings_are_checked_on_save(admin_client, values, message):
    create(admin_client, "dxt_part", "parts")
    endpoint, data = edit_page(admin_client)
    data.update(values)

    response = admin_client.post(change_url(endpoint), data)

    assert response.status_code == 200
    assert message in errors_of(response)


def test_a_unique_column_can_become_the_identifier(admin_client):
    endpoint, data = edit_page(admin_client)
    data["identifier"] = "code"
    data[f"{field_row(data, 'code')}-is_enabled"] = "on"
    response = admin_client.post(change_url(endpoint), data)
    assert response.status_code == 302, errors_of(response)
    endpoint.refresh_from_db()
    assert endpoint.identifier == "code"


def test_relations_are_edited_in_the_admin(admin_client):
    create(admin_client, "dxt_part", "parts")
    endpoint, data = edit_page(admin_client)
    parts = Endpoint.objects.get(alias="parts")
    add_relation_row(
        data,
        name="widgetParts",
        child=parts.pk,
        child_field="fk_widget",
        parent_field="id_widget",
        is_editable=True,
    )

    response = admin_client.post(change_url(endpoint), data)

    assert response.status_code == 302, errors_of(response)
    relation = EndpointRelation.objects.get()
    assert (relation.parent, relation.child, relation.child_field, relation.parent_field) == (
        endpoint,
        parts,
        "fk_widget",
        "id_widget",
    )


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"child_field": "fk_gadget"}, "Column `fk_gadget` not found in child table `dxt_part`."),
        ({"parent_field": "code", "name": "a b"}, "Relation name `a b` is not valid. Allowed "
         "characters: a-z, A-Z, 0-9, _ and - (at most 255)."),
        ({"child": ""}, "This field is required."),
    ],
)  # fmt: skip
def test_relation_problems_are_shown(admin_client, values, message):
    create(admin_client, "dxt_part", "parts")
    endpoint, data = edit_page(admin_client)
    row = {
        "name": "widgetParts",
        "child": Endpoint.objects.get(alias="parts").pk,
        "child_field": "fk_widget",
        "parent_field": "id_widget",
    }
    add_relation_row(data, **{**row, **values})

    response = admin_client.post(change_url(endpoint), data)

    assert response.status_code == 200
    assert message in errors_of(response)
    assert not EndpointRelation.objects.exists()


def test_a_self_relation_follows_a_renamed_alias(admin_client):
    endpoint, data = edit_page(admin_client, "dxt_tree")
    data["alias"] = "trees"
    add_relation_row(
        data, name="children", child=endpoint.pk, child_field="fk_parent", parent_field="id_tree"
    )
    response = admin_client.post(change_url(endpoint), data)
    assert response.status_code == 302, errors_of(response)
    assert EndpointRelation.objects.get().child.alias == "trees"


def test_a_table_disallowed_after_creation_is_refused_on_save_and_at_request_time(
    admin_client, settings
):
    endpoint, data = edit_page(admin_client)
    data["is_active"] = "on"
    assert admin_client.post(change_url(endpoint), data).status_code == 302
    registry.clear()
    assert registry.snapshot().get(endpoint.alias) is not None

    settings.DATA_EXCHANGE = {**settings.DATA_EXCHANGE, "DISALLOWED_TABLES": ["dxt_widget"]}
    response = admin_client.post(change_url(endpoint), data)

    assert response.status_code == 200
    assert (
        "Table `dxt_widget` is not allowed for Data Exchange: it is on the list of tables that "
        "may never be exposed." in errors_of(response)
    )
    assert "dxt_part" in picker_tables(admin_client.get(ADD_URL))
    registry.clear()
    assert registry.snapshot().get(endpoint.alias) is None


def list_page(admin_client, query=""):
    return admin_client.get(LIST_URL + query)


def test_the_list_shows_table_state_field_count_and_links(admin_client):
    spec = widget_spec(alias="widgets", is_active=True)
    endpoint_save(spec)
    endpoint_save(widget_spec(alias="parts", table_name="dxt_part", identifier="id_part",
                              fields=()))  # fmt: skip

    response = list_page(admin_client)
    html = response.content.decode()

    rows = {e.alias: e for e in response.context["cl"].result_list}
    assert rows["widgets"].enabled_fields == 4
    assert rows["parts"].enabled_fields == 0
    assert '<a href="/dynamic-entity/widgets">/dynamic-entity/widgets</a>' in html
    assert 'href="/dynamic-entity/parts"' not in html
    assert '<a href="/api/docs/' in html
    assert "Import configuration" in html


def test_the_list_route_prefix_follows_the_setting(admin_client, settings):
    endpoint_save(widget_spec(alias="widgets", is_active=True))
    settings.DATA_EXCHANGE = {**settings.DATA_EXCHANGE, "ROUTE_PREFIX": "/data/"}
    assert 'href="/data/widgets"' in list_page(admin_client).content.decode()


def test_the_list_searches_and_filters(admin_client):
    endpoint_save(widget_spec(alias="widgets", is_active=True))
    endpoint_save(widget_spec(alias="parts", table_name="dxt_part", identifier="id_part",
                              fields=()))  # fmt: skip

    def aliases(query):
        return [e.alias for e in list_page(admin_client, query).context["cl"].result_list]

    assert aliases("?q=dxt_part") == ["parts"]
    assert aliases("?q=widg") == ["widgets"]
    assert aliases("?is_active__exact=1") == ["widgets"]
    assert aliases("?is_deletable__exact=0") == ["parts", "widgets"]


def test_the_list_costs_the_same_queries_for_many_endpoints(admin_client):
    endpoint_save(widget_spec(alias="widgets"))
    with CaptureQueriesContext(connection) as one:
        list_page(admin_client)
    for table in ("dxt_part", "dxt_tree"):
        endpoint_save(widget_spec(alias=table, table_name=table, identifier="x", fields=()))
    with CaptureQueriesContext(connection) as three:
        list_page(admin_client)
    assert len(three) == len(one)


def test_export_action_downloads_the_selected_endpoints(admin_client):
    endpoint_save(widget_spec(alias="widgets"))
    endpoint_save(widget_spec(alias="parts", table_name="dxt_part", identifier="id_part",
                              fields=()))  # fmt: skip
    selected = Endpoint.objects.get(alias="widgets")

    response = admin_client.post(
        LIST_URL, {"action": "export_selected", "_selected_action": [selected.pk]}
    )

    assert response["Content-Type"] == "application/json"
    assert response["Content-Disposition"] == 'attachment; filename="endpoints.json"'
    expected = endpoints_export(endpoints=Endpoint.objects.filter(alias="widgets"))
    assert json.loads(response.content) == expected


def upload(admin_client, entries, **options):
    text = entries if isinstance(entries, str) else json.dumps(entries)
    data = {"file": SimpleUploadedFile("endpoints.json", text.encode()), **options}
    return admin_client.post(IMPORT_URL, data)


def exported_pair():
    endpoint_save(widget_spec(alias="widgets", is_active=True))
    entries = endpoints_export(endpoints=Endpoint.objects.all())
    Endpoint.objects.all().delete()
    return entries


def test_import_view_imports_and_reports(admin_client):
    entries = exported_pair()

    response = upload(admin_client, entries)

    assert response.status_code == 302
    assert Endpoint.objects.get().alias == "widgets"
    page = admin_client.get(response.url).content.decode()
    assert "Created 1 endpoint: widgets" in page
    assert "Skipped 0 endpoints: -" in page


def test_import_view_dry_run_reports_without_saving(admin_client):
    response = upload(admin_client, exported_pair(), dry_run="on")
    assert response.context["report"][:2] == [
        "Dry run: nothing was saved.",
        "Would create 1 endpoint: widgets",
    ]
    assert not Endpoint.objects.exists()


def test_import_view_lists_every_problem_and_saves_nothing(admin_client):
    entries = exported_pair()
    entries[0]["tableName"] = "django_session"
    entries.append({"tableAlias": "x"})

    response = upload(admin_client, entries)

    assert response.status_code == 200
    assert response.context["problems"] == [
        "[0] (widgets) tableName: Table `django_session` is not allowed for Data Exchange: it is "
        "on the list of tables that may never be exposed.",
        "[1] (x) tableName: is required.",
        "[1] (x) definition: is required.",
    ]
    assert "3 problems; nothing was imported." in response.content.decode()
    assert not Endpoint.objects.exists()
    assert "not valid JSON" in upload(admin_client, "{oops").context["problems"][0]


def test_import_view_refuses_oversized_files(admin_client, monkeypatch):
    monkeypatch.setattr("dataexchange.admin.endpoint.MAX_IMPORT_BYTES", 10)
    response = upload(admin_client, "[" + " " * 20 + "]")
    assert response.context["form"].errors["file"] == [
        "The file is larger than 10 MB; no configuration is."
    ]
