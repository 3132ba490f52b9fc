"""Business keys in the configuration (issue 19): admin, file format, validation, compilation."""

import pytest

from dataexchange import config_validation as rules
from dataexchange import registry
from dataexchange.config_io import dump_entries, endpoints_export, endpoints_import, load_entries
from dataexchange.config_io.fileformat import entry_from_spec
from dataexchange.config_io.services import ConfigFileError
from dataexchange.models import Endpoint
from tests.config.helpers import change_form_data, field_row, messages_of, widget_spec
from tests.config.test_config_admin import change_url, create, errors_of

pytestmark = pytest.mark.django_db


def test_file_round_trip_and_absent_means_none():
    entry = entry_from_spec(widget_spec(alias="widgets", business_keys=(("code",),)))
    assert entry["definition"]["businessKeys"] == [["code"]]
    endpoints_import(entries=load_entries(dump_entries([entry])))
    endpoint = Endpoint.objects.get(alias="widgets")
    assert endpoint.business_keys == [["code"]]
    assert endpoints_export(endpoints=Endpoint.objects.all()) == [entry]
    plain = entry_from_spec(widget_spec(alias="widgets"))
    assert "businessKeys" not in plain["definition"]


@pytest.mark.parametrize(
    ("keys", "message"),
    [
        ((("name",),), "Business key `[name]` is not unique in table `dxt_widget`: choose the "
                       "columns of one of its unique constraints ([id_widget], [code])."),
        ((("label",),), "Business key `[label]`: column `label` is not an enabled field of this "
                        "endpoint."),
        ((("code",), ("code",)), "Business key `[code]` is declared twice."),
        (((),), "A business key needs at least one column."),
    ],
)  # fmt: skip
def test_validation_refuses_keys_the_database_does_not_make_unique(keys, message):
    spec = widget_spec(business_keys=keys)
    problems = rules.validate_endpoint_config(spec, rules.Catalog({}))
    assert message in messages_of(problems)


def test_a_file_with_a_malformed_key_names_its_place():
    entry = entry_from_spec(widget_spec(alias="widgets"))
    entry["definition"]["businessKeys"] = ["code"]
    with pytest.raises(ConfigFileError) as caught:
        endpoints_import(entries=[entry])
    assert caught.value.problems == [
        '[0] (widgets) definition.businessKeys[0]: must be a list of column names, e.g. ["sku"].'
    ]


def test_compiled_once_with_the_endpoint():
    endpoints_import(
        entries=[
            entry_from_spec(
                widget_spec(alias="widgets", is_active=True, business_keys=(("code",),))
            )
        ]
    )
    registry.clear()
    compiled = registry.snapshot().get("widgets")
    assert [key.columns for key in compiled.business_keys] == [("code",)]
    assert compiled.business_keys[0].names == frozenset({"code"})


def test_the_admin_offers_the_unique_constraints_and_saves_a_choice(admin_client):
    create(admin_client, "dxt_widget")
    endpoint = Endpoint.objects.get(table_name="dxt_widget")
    response = admin_client.get(change_url(endpoint))
    choices = response.context["adminform"].form.fields["business_keys"].choices
    assert choices == [("id_widget", "id_widget"), ("code", "code")]
    data = change_form_data(response)
    data[f"{field_row(data, 'code')}-is_enabled"] = "on"
    data["business_keys"] = ["code"]
    response = admin_client.post(change_url(endpoint), data)
    assert response.status_code == 302, errors_of(response)
    endpoint.refresh_from_db()
    assert endpoint.business_keys == [["code"]]


def test_the_admin_refuses_a_set_that_is_not_unique(admin_client):
    create(admin_client, "dxt_widget")
    endpoint = Endpoint.objects.get(table_name="dxt_widget")
    data = change_form_data(admin_client.get(change_url(endpoint)))
    data["business_keys"] = ["name"]  # not offered: a stale page or a forged post
    response = admin_client.post(change_url(endpoint), data)
    assert response.status_code == 200
    assert errors_of(response) == [
        "Business key `[name]` is not unique in table `dxt_widget`: choose the columns of one "
        "of its unique constraints."
    ]


def test_the_admin_refuses_a_key_whose_column_is_not_enabled(admin_client):
    create(admin_client, "dxt_widget")
    endpoint = Endpoint.objects.get(table_name="dxt_widget")
    data = change_form_data(admin_client.get(change_url(endpoint)))
    data["business_keys"] = ["code"]
    response = admin_client.post(change_url(endpoint), data)
    assert response.status_code == 200
    assert "Business key `[code]`: column `code` is not an enabled field of this endpoint." in (
        errors_of(response)
    )
