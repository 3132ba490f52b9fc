"""Who sees what: the document shows a caller only what they may use, and stays current."""

import pytest

from dataexchange.auth.models import AccessToken, ApiKey, EndpointPermission
from dataexchange.models import EndpointField
from dataexchange.openapi.generator import document_for
from tests.openapi.conftest import client_for, fetch_document

PREFIX = "/dynamic-entity"


def operation_ids(document):
    return sorted(
        op["operationId"]
        for path, item in document["paths"].items()
        if path.startswith(PREFIX)
        for op in item.values()
    )


def grant(endpoint, **flags):
    return EndpointPermission.objects.create(endpoint=endpoint, **flags)


def test_without_credentials_only_the_token_endpoint_and_description(configuration):
    document = fetch_document(client_for())
    assert list(document["paths"]) == ["/token"]
    assert [tag["name"] for tag in document["tags"]] == ["token"]
    assert "## Access" in document["info"]["description"]
    assert "1318" in document["info"]["description"]
    names = document["components"]["schemas"]
    assert not any(name.startswith(("gadgets", "brands")) for name in names)
    assert "parameters" not in document["components"]


def test_invalid_token_is_refused_like_the_api(configuration):
    response = client_for().get("/api/schema/", HTTP_AUTHORIZATION="Bearer nope")
    assert response.status_code == 401
    assert response.json() == [{"message": "Invalid access token.", "status": 401, "code": "001"}]


def test_user_sees_only_granted_actions(configuration, staff_user):
    grant(configuration["gadgets"], user=staff_user, can_view=True, can_update=True)
    document = fetch_document(client_for(staff_user))
    assert operation_ids(document) == [
        "get-collection-dynamic-api-gadgets",
        "get-entity-dynamic-api-gadgets",
        "update-collection-dynamic-api-gadgets",
        "update-entity-dynamic-api-gadgets",
    ]
    schemas = document["components"]["schemas"]
    assert "brands.Row" not in schemas and "gadgets.Create" not in schemas


def test_put_needs_both_update_and_create(configuration, staff_user):
    grant(configuration["brands"], user=staff_user, can_update=True, can_create=True)
    document = fetch_document(client_for(staff_user))
    assert "upsert-collection-dynamic-api-brands" in operation_ids(document)


def test_relations_to_endpoints_the_caller_may_not_view_are_hidden(configuration, staff_user):
    grant(configuration["brands"], user=staff_user, can_view=True, can_create=True)
    document = fetch_document(client_for(staff_user))
    schemas = document["components"]["schemas"]
    assert "brandGadgets" not in schemas["brands.Row"]["properties"]
    assert "brandGadgets" not in schemas["brands.Create"]["properties"]
    get = document["paths"][f"{PREFIX}/brands"]["get"]
    assert not any(p["$ref"].endswith(".include") for p in get["parameters"])


def test_bearer_token_shows_the_callers_endpoints(configuration, superuser):
    _, access, _ = AccessToken.objects.issue(superuser)
    document = fetch_document_with(HTTP_AUTHORIZATION=f"Bearer {access}")
    assert "delete-entity-dynamic-api-gadgets" in operation_ids(document)


def test_api_key_shows_exactly_its_grants(configuration, superuser):
    key = ApiKey(name="importer", owner=superuser)
    raw = key.set_new_key()
    key.save()
    grant(configuration["gadgets"], api_key=key, can_create=True)
    document = fetch_document_with(HTTP_X_API_KEY=raw)
    assert operation_ids(document) == ["save-collection-dynamic-api-gadgets"]


def fetch_document_with(**headers):
    response = client_for().get("/api/schema/?format=json", **headers)
    assert response.status_code == 200, response.content
    return response.json()


def test_admin_change_shows_at_the_next_fetch(configuration, superuser):
    client = client_for(superuser)
    before = fetch_document(client)
    assert "nickname" not in before["components"]["schemas"]["brands.Row"]["properties"]
    field = EndpointField.objects.get(endpoint=configuration["brands"], column_name="name")
    field.visible_name = "nickname"
    field.description = "Shown as the brand's name."
    field.save()
    after = fetch_document(client)
    prop = after["components"]["schemas"]["brands.Row"]["properties"]["nickname"]
    assert prop["description"] == "Shown as the brand's name."
    configuration["gadgets"].is_deletable = False
    configuration["gadgets"].save()
    assert "delete-entity-dynamic-api-gadgets" not in operation_ids(fetch_document(client))
    configuration["brands"].is_active = False
    configuration["brands"].save()
    assert f"{PREFIX}/brands" not in fetch_document(client)["paths"]


@pytest.mark.django_db
def test_document_is_built_once_per_version_and_grants(configuration, superuser, rf):
    from rest_framework.request import Request

    def request():
        wrapped = Request(rf.get("/api/schema/"))
        wrapped.user = superuser
        return wrapped

    first = document_for(request())
    assert document_for(request()) is first
    configuration["gadgets"].description = "Changed."
    configuration["gadgets"].save()
    assert document_for(request()) is not first
