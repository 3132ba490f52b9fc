"""The endpoint admin as a new user meets it: an empty table picker says why, every problem of
a save shows at once, enum values are a list, a saved endpoint says where it is live; API keys
are owned by their creator by default and show their first characters."""

from django.db import connection
from django.urls import reverse

import pytest

from dataexchange.auth.models import ApiKey
from dataexchange.models import Endpoint
from tests.config.helpers import change_form_data, field_row
from tests.config.test_config_admin import ADD_URL, change_url, create, edit_page, errors_of

pytestmark = pytest.mark.django_db


def disallow_all_but(settings, *kept):
    tables = [t for t in connection.introspection.table_names() if t not in kept]
    settings.DATA_EXCHANGE = {**settings.DATA_EXCHANGE, "DISALLOWED_TABLES": tables}


def test_an_empty_picker_says_every_table_is_exposed(admin_client, settings):
    disallow_all_but(settings, "dxt_widget")
    create(admin_client, "dxt_widget")
    page = admin_client.get(ADD_URL).content.decode()
    assert "every allowed table of the database is already exposed" in page
    response = admin_client.post(ADD_URL, {"table_name": "", "alias": ""})
    (message,) = response.context["adminform"].form.errors["table_name"]
    assert (
        message.startswith("No table is left to pick") and "This field is required" not in message
    )


def test_an_empty_picker_says_no_table_is_allowed(admin_client, settings):
    disallow_all_but(settings)
    response = admin_client.post(ADD_URL, {"table_name": "", "alias": ""})
    (message,) = response.context["adminform"].form.errors["table_name"]
    assert message.startswith("No table can be exposed") and "DATA_EXCHANGE_DISALLOWED" in message


@pytest.mark.parametrize(
    ("typed", "stored", "shown"),
    [
        ("draft, final", ["draft", "final"], "draft\nfinal"),
        ("draft\r\nfinal, late\r\n\r\n", ["draft", "final, late"], "draft\nfinal, late"),
        ('["a", "b"]', ["a", "b"], "a\nb"),
        ("", [], ""),
    ],
)
def test_enum_values_are_edited_as_a_list(admin_client, typed, stored, shown):
    endpoint, data = edit_page(admin_client)
    row = field_row(data, "code")
    data[f"{row}-is_enabled"] = "on"
    data[f"{row}-enum_values"] = typed
    assert admin_client.post(change_url(endpoint), data).status_code == 302
    assert endpoint.fields.get(column_name="code").enum_values == stored
    again = change_form_data(admin_client.get(change_url(endpoint)))
    assert again[f"{row}-enum_values"] == shown


def test_numeric_enum_values_are_numbers(admin_client):
    endpoint, data = edit_page(admin_client)
    row = field_row(data, "stock")
    data.update({f"{row}-is_enabled": "on", f"{row}-enum_values": "1\n2.5"})
    assert admin_client.post(change_url(endpoint), data).status_code == 302
    assert endpoint.fields.get(column_name="stock").enum_values == [1, 2.5]


def test_every_problem_shows_in_one_save(admin_client):
    endpoint, data = edit_page(admin_client)
    code, ident = field_row(data, "code"), field_row(data, "id_widget")
    data[f"{code}-is_enabled"] = "on"
    data[f"{code}-visible_name"] = "a b"  # a row's own problem
    data[f"{ident}-is_enabled"] = ""  # a problem of the grid as a whole
    data["max_batch_size"] = "-1"  # the endpoint's own field
    errors = errors_of(admin_client.post(change_url(endpoint), data))
    assert any(e.startswith("Visible name `a b` is not valid") for e in errors)
    assert "Identifier `id_widget` must be an enabled field." in errors
    assert any("greater than or equal to" in e or "at least" in e for e in errors), errors


def test_saving_an_active_endpoint_says_where_it_is_live(admin_client):
    endpoint, data = edit_page(admin_client)
    response = admin_client.post(change_url(endpoint), data, follow=True)
    assert "is inactive: tick Active and save to serve it" in response.content.decode()
    data["is_active"] = "on"
    response = admin_client.post(change_url(endpoint), data, follow=True)
    alias = Endpoint.objects.get(pk=endpoint.pk).alias
    url = f"http://testserver/dynamic-entity/{alias}"
    assert f'Live at <a href="{url}" id="live-url">{url}</a>' in response.content.decode()


def test_a_new_api_key_is_owned_by_its_creator_and_shows_its_prefix(admin_client, admin_user):
    add = reverse("admin:dataexchange_auth_apikey_add")
    form = admin_client.get(add).context["adminform"].form
    assert form.initial["owner"] == admin_user.pk
    response = admin_client.post(
        add, {"name": "erp", "owner": admin_user.pk, "is_active": "on", "rate": "", **INLINE}
    )
    assert response.status_code == 200, response.context["adminform"].form.errors
    key = ApiKey.objects.get(name="erp")
    secret = response.context["secrets"][0][1]
    assert len(key.key_prefix) == 6 and secret.startswith(key.key_prefix)
    listing = admin_client.get(reverse("admin:dataexchange_auth_apikey_changelist"))
    assert f"<code>{key.key_prefix}…</code>" in listing.content.decode()
    assert (
        admin_client.get(
            reverse("admin:dataexchange_auth_apikey_changelist"), {"q": key.key_prefix}
        )
        .context["cl"]
        .result_count
        == 1
    )


INLINE = {
    "permissions-TOTAL_FORMS": "0",
    "permissions-INITIAL_FORMS": "0",
    "permissions-MIN_NUM_FORMS": "0",
    "permissions-MAX_NUM_FORMS": "1000",
}


def test_relation_child_columns_are_chosen_from_the_child_tables(admin_client):
    create(admin_client, "dxt_part", "parts")
    endpoint, data = edit_page(admin_client)
    response = admin_client.get(change_url(endpoint))
    relations = [
        f for f in response.context["inline_admin_formsets"] if f.formset.prefix == "relations"
    ]
    choices = dict(relations[0].formset.empty_form.fields["child_field"].choices)
    assert ("fk_widget", "fk_widget (integer)") in choices["parts"]
    assert [value for value, _ in choices["parts"]] == ["id_part", "fk_widget", "sku", "qty"]
    assert 'name="relations-__prefix__-child_field"' in response.content.decode()
    assert "<select" in str(relations[0].formset.empty_form["child_field"])
