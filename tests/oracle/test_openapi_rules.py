"""The document tells each caller the trust rules that apply to it: sparse write rows and no
DELETE 1303 without `view`, the delete cap and paging codes, the CSV escaping."""

import pytest

from dataexchange.openapi.generator import clear_cache
from tests.openapi.conftest import client_for, fetch_document
from tests.oracle.conftest import grant

ITEMS = "/dynamic-entity/items"


@pytest.fixture(autouse=True)
def fresh_documents():
    """Forget cached documents: rolled-back tests reuse configuration versions."""
    clear_cache()
    yield
    clear_cache()


def document_of(clerk, endpoint, *actions):
    grant(endpoint, *actions, user=clerk)
    return fetch_document(client_for(clerk))


def success_schema(document, path, method, status="200"):
    response = document["paths"][path][method]["responses"][status]
    return response["description"], response["content"]["application/json"]["schema"]


def test_write_rows_of_a_caller_without_view_are_sparse(clerk, items_endpoint):
    document = document_of(clerk, items_endpoint, "update")
    description, schema = success_schema(document, ITEMS, "patch")
    assert "only its identifier and the fields you sent" in description
    assert schema["anyOf"][0] == {"$ref": "#/components/schemas/items.SparseCollection"}
    partial = document["components"]["schemas"]["items.CollectionNonTransactional"]
    assert partial["properties"]["data"]["items"] == {
        "$ref": "#/components/schemas/items.SparseRow"
    }
    sparse_row = document["components"]["schemas"]["items.SparseRow"]
    assert "the identifier and the fields sent" in sparse_row["description"]


def test_write_rows_of_a_viewer_are_whole(clerk, items_endpoint):
    document = document_of(clerk, items_endpoint, "update", "view")
    description, schema = success_schema(document, ITEMS, "patch")
    assert "fields you sent" not in description
    assert schema["anyOf"][0] == {"$ref": "#/components/schemas/items.Collection"}


@pytest.mark.parametrize("actions, has_1303", [(("delete",), False), (("delete", "view"), True)])
def test_delete_lists_1303_only_for_viewers(clerk, items_endpoint, actions, has_1303):
    document = document_of(clerk, items_endpoint, *actions)
    for path in (ITEMS, ITEMS + "/{id}"):
        operation = document["paths"][path]["delete"]
        assert ("`1303`" in operation["description"]) is has_1303
        assert ("404" in operation["responses"]) is has_1303
        assert "`1417`" in operation["description"]
    assert "`1411`" in document["paths"][ITEMS]["delete"]["description"]


def test_the_guide_states_the_rules(clerk, items_endpoint):
    description = document_of(clerk, items_endpoint, "view")["info"]["description"]
    assert "## Permissions" in description and "A caller without `view`" in description
    assert "text/csv; escape=none" in description and "`1411`" in description
