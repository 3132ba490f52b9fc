"""The OpenAPI document lists the feed of each tracked endpoint the caller may view."""

import json

from openapi_spec_validator import validate
from rest_framework.test import APIClient

from dataexchange.openapi.generator import clear_cache
from tests.changes.conftest import ALIAS, FIELDS, TABLE
from tests.support.endpoints import make_endpoint


def document_for(user):
    clear_cache()
    client = APIClient()
    client.force_authenticate(user=user)
    response = client.get("/api/schema/?format=json")
    assert response.status_code == 200
    return json.loads(response.content)


def test_the_feed_is_documented_with_the_rows_schema(tracked, admin_user):
    document = document_for(admin_user)
    validate(document)
    operation = document["paths"][f"/changes/{ALIAS}"]["get"]
    assert [p["name"] for p in operation["parameters"]] == ["after", "limit", "wait"]
    assert {"200", "400", "404", "410"} <= set(operation["responses"])
    change = document["components"]["schemas"][f"{ALIAS}.Changes"]["properties"]["data"]["items"]
    assert change["properties"]["data"]["anyOf"] == [{"$ref": f"#/components/schemas/{ALIAS}.Row"}]
    assert change["properties"]["identifier"] == {"type": "integer"}


def test_a_caller_without_view_does_not_see_the_feed(tracked, django_user_model):
    user = django_user_model.objects.create_user("nobody", "n@example.com", "pw-1!")
    assert f"/changes/{ALIAS}" not in document_for(user)["paths"]


def test_an_untracked_endpoint_has_no_feed(item_table, admin_user):
    make_endpoint(ALIAS, TABLE, "id_item", FIELDS)
    assert f"/changes/{ALIAS}" not in document_for(admin_user)["paths"]
