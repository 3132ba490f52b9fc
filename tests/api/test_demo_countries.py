"""The README tour on the demo schema: countries listed, filtered, paged, created, updated,
upserted and deleted through the demo endpoint file (`import_endpoints`)."""

import io
from datetime import datetime
from pathlib import Path

from django.core.management import call_command

import pytest

from core.models import Country

ENDPOINTS_FILE = Path(__file__).resolve().parents[2] / "dataexchange" / "demo" / "endpoints.json"
COUNTRY_KEYS = [
    "id_country",
    "iso2_code",
    "iso3_code",
    "name",
    "postal_code_mandatory",
    "postal_code_regex",
]


@pytest.fixture
def demo(demo_data):
    """The demo tables with reference data, and the demo endpoints imported from their file."""
    call_command("import_endpoints", str(ENDPOINTS_FILE), stdout=io.StringIO())
    return {c.iso2_code: c.pk for c in Country.objects.filter(iso2_code__in=["DE", "FR", "AD"])}


def codes(response):
    assert response.status_code == 200, response.content
    return [row["iso2_code"] for row in response.json()["data"]]


def test_page_of_countries(api, demo):
    response = api.get("countries", **{"page[offset]": "0", "page[limit]": "2"})
    rows = response.json()["data"]
    assert len(rows) == 2
    assert [list(row) for row in rows] == [COUNTRY_KEYS, COUNTRY_KEYS]
    assert rows[0]["id_country"] < rows[1]["id_country"]
    everything = api.get("countries").json()["data"]
    assert len(everything) == Country.objects.count()
    assert [row["id_country"] for row in everything] == sorted(
        Country.objects.values_list("pk", flat=True)
    )


def test_filter_in_with_included_tax_rates(api, demo):
    response = api.get(
        "countries",
        include="countryTaxRates",
        **{"filter[countries.iso2_code]": '{"in":["DE","FR"]}'},
    )
    rows = response.json()["data"]
    assert sorted(row["iso2_code"] for row in rows) == ["DE", "FR"]
    germany = next(row for row in rows if row["iso2_code"] == "DE")
    assert germany["postal_code_mandatory"] is True
    assert sorted(rate["rate"] for rate in germany["countryTaxRates"]) == ["19.00", "7.00"]
    assert {rate["fk_country"] for rate in germany["countryTaxRates"]} == {demo["DE"]}


def test_filters_combine_like_the_spryker_example(api, demo):
    params = {
        "filter[countries.iso2_code]": '{"in": ["UA","AD","AE","DE"]}',
        "filter[countries.postal_code_mandatory]": "1",
    }
    assert codes(api.get("countries", **params)) == ["DE"]
    params["filter[countries.postal_code_mandatory]"] = "0"
    assert sorted(codes(api.get("countries", **params))) == ["AD", "AE", "UA"]


def test_one_country(api, demo):
    response = api.get(f"countries/{demo['DE']}")
    assert response.status_code == 200
    assert response.json()["data"] == {
        "id_country": demo["DE"],
        "iso2_code": "DE",
        "iso3_code": "DEU",
        "name": "Germany",
        "postal_code_mandatory": True,
        "postal_code_regex": r"^\d{5}$",
    }


def test_create_update_upsert_delete(api, demo):
    created = api.post(
        "countries", {"data": [{"iso2_code": "XA", "iso3_code": "XAA", "name": "Atlantis"}]}
    )
    assert created.status_code == 201, created.content
    row = created.json()["data"][0]
    pk = row["id_country"]
    assert row == {
        "id_country": pk,
        "iso2_code": "XA",
        "iso3_code": "XAA",
        "name": "Atlantis",
        "postal_code_mandatory": False,  # database default
        "postal_code_regex": None,
    }

    patched = api.patch("countries", {"data": [{"id_country": pk, "name": "Atlantis Nova"}]})
    assert patched.status_code == 200
    assert patched.json()["data"][0]["name"] == "Atlantis Nova"
    assert patched.json()["data"][0]["iso3_code"] == "XAA"

    put = api.put(
        f"countries/{pk}",
        {"data": {"iso2_code": "XA", "name": "Atlantis", "postal_code_regex": "^x$"}},
    )
    assert put.status_code == 200, put.content
    assert put.json()["data"] == {
        "id_country": pk,
        "iso2_code": "XA",
        "iso3_code": None,  # not sent, so reset
        "name": "Atlantis",
        "postal_code_mandatory": None,
        "postal_code_regex": "^x$",
    }

    assert api.delete(f"countries/{pk}").status_code == 204
    assert api.get(f"countries/{pk}").status_code == 404
    assert not Country.objects.filter(pk=pk).exists()


def test_upsert_without_identifier_creates(api, demo):
    response = api.put("countries", {"data": [{"iso2_code": "XB", "name": "Upserted"}]})
    assert response.status_code == 200, response.content
    assert Country.objects.get(iso2_code="XB").name == "Upserted"


def test_upsert_with_an_unknown_id_is_1308(api, demo):
    response = api.put("countries/999999", {"data": {"iso2_code": "XB"}})
    assert response.status_code == 400
    assert response.json()[0]["message"] == (
        "Entity `countries[0].id_country: 999999` not found by identifier, and new identifier"
        " can not be persisted. Please update the request."
    )


def test_errors_of_a_failed_batch(api, demo):
    response = api.post("countries", {"data": [{"iso2_code": "XBB", "name": 7}]})
    assert response.status_code == 400
    assert response.json() == [
        {
            "message": (
                "Invalid data value `countries[0]` for field: `iso2_code`. Field rules:"
                " min_length: 2, max_length: 2, is_required: 1"
            ),
            "status": 400,
            "code": "1306",
        },
        {
            "message": "Invalid data type `countries[0]` for field `name`",
            "status": 400,
            "code": "1305",
        },
    ]
    assert not Country.objects.filter(iso2_code="XBB").exists()


def test_item_by_item_processing(api, demo):
    response = api.post(
        "countries",
        {"data": [{"iso2_code": "XC", "iso3_code": "XCC"}, {"iso2_code": "DE"}]},
        headers={"X-Is-Transactional": "false"},
    )
    assert response.status_code == 201
    body = response.json()
    assert [row["iso2_code"] for row in body["data"]] == ["XC"]
    assert body["errors"] == [
        {
            "code": "1309",
            "status": 400,
            "message": (
                "Failed to persist the data for `countries[1].iso2_code`. Please verify the"
                " provided data and try again. Entry is duplicated."
            ),
        }
    ]


def test_country_with_tax_rates_cannot_be_deleted(api, demo):
    response = api.delete(f"countries/{demo['DE']}")
    assert response.status_code == 400
    assert response.json() == [
        {
            "message": (
                f"Failed to delete the data for `countries.id_country = {demo['DE']}`. The entity"
                " has a child entity and can not be deleted. Child entity: `spy_tax_rate`."
            ),
            "status": 400,
            "code": "1317",
        }
    ]
    assert Country.objects.filter(iso2_code="DE").exists()


def test_delete_countries_by_filter(api, demo):
    api.post("countries", {"data": [{"iso2_code": "XD"}, {"iso2_code": "XE"}]})
    response = api.delete("countries", **{"filter[c.iso2_code]": '{"in": ["XD", "XE"]}'})
    assert response.status_code == 204
    assert not Country.objects.filter(iso2_code__in=["XD", "XE"]).exists()


def test_datetimes_are_iso_8601(api, demo):
    rows = api.get("tax-rates", **{"filter[t.fk_country]": str(demo["DE"])}).json()["data"]
    assert len(rows) == 2
    for row in rows:
        created = datetime.fromisoformat(row["created_at"])
        assert created.tzinfo is not None
        assert row["rate"] in ("19.00", "7.00")
