"""The per-endpoint delete cap is configured like maxBatchSize: admin field, file key
`definition.maxDeleteRows` (round-tripping), validation, and the global default when unset."""

from django.urls import reverse

import pytest

from dataexchange import config_validation as rules
from dataexchange import registry
from dataexchange.config_io import endpoints_export, endpoints_import
from dataexchange.config_io.fileformat import read_entries
from dataexchange.models import Endpoint
from tests.config.helpers import change_form_data


def export_items():
    return endpoints_export(endpoints=Endpoint.objects.filter(alias="items"))


def test_max_delete_rows_round_trips_through_the_file_format(items_endpoint):
    Endpoint.objects.filter(alias="items").update(max_delete_rows=25)
    (entry,) = export_items()
    assert entry["definition"]["maxDeleteRows"] == 25
    assert list(entry["definition"]) == [
        "identifier", "isDeletable", "maxDeleteRows", "fields"
    ]  # fmt: skip
    Endpoint.objects.all().delete()
    endpoints_import(entries=[entry])
    assert Endpoint.objects.get(alias="items").max_delete_rows == 25
    assert export_items() == [entry]


def test_an_unset_cap_is_left_out_of_the_file_and_takes_the_default(items_endpoint, settings):
    (entry,) = export_items()
    assert "maxDeleteRows" not in entry["definition"]
    settings.DATA_EXCHANGE = {**settings.DATA_EXCHANGE, "MAX_DELETE_ROWS": 7}
    registry.clear()
    assert registry.snapshot().get("items").max_delete_rows == 7


def test_the_default_cap_is_a_thousand(items_endpoint):
    assert registry.snapshot().get("items").max_delete_rows == 1000


@pytest.mark.parametrize(
    "value, message",
    [
        (0, "`maxDeleteRows` must be at least 1."),
        (2**40, "`maxDeleteRows` must be at most 2147483647."),
    ],
)
def test_the_cap_is_validated(value, message, db):
    spec = rules.EndpointSpec("items", "dxa_item", "id_item", max_delete_rows=value)
    problems = rules.endpoint_problems(spec, rules.Catalog({}))
    assert message in [problem.message for problem in problems]


def test_a_file_value_that_is_no_whole_number_is_reported(items_endpoint):
    (entry,) = export_items()
    entry["definition"]["maxDeleteRows"] = "many"
    _, problems = read_entries([entry])
    assert problems == {
        0: ['[0] (items) definition.maxDeleteRows: must be a whole number, got "many".']
    }


def test_the_admin_edits_the_cap(admin_client, items_endpoint):
    url = reverse("admin:dataexchange_endpoint_change", args=[items_endpoint.pk])
    data = change_form_data(admin_client.get(url))
    data["max_delete_rows"] = "0"
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert (
        "`maxDeleteRows` must be at least 1."
        in response.context["adminform"].form.errors["max_delete_rows"]
    )
    data["max_delete_rows"] = "40"
    assert admin_client.post(url, data).status_code == 302
    assert Endpoint.objects.get(pk=items_endpoint.pk).max_delete_rows == 40
