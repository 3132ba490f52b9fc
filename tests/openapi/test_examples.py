"""Request-body examples succeed as sent on the demo data (Swagger UI's "Try it out")."""

import io
import json

from django.core.management import call_command

import pytest

from tests.openapi.conftest import client_for, fetch_document
from tests.openapi.test_schemathesis import DEMO_ENDPOINTS

PREFIX = "/dynamic-entity"
# A link table's example pairs existing parents, and the demo links every pair already.
LINK_TABLES = {"product-abstract-localized-attributes", "stock-products"}


@pytest.fixture
def demo_document(demo_data, superuser):
    call_command("import_endpoints", str(DEMO_ENDPOINTS), stdout=io.StringIO())
    return fetch_document(client_for(superuser))


def example_of(operation):
    return operation["requestBody"]["content"]["application/json"]["example"]


# The demo data as `make serve` loads it: ids from 1 (the examples' foreign keys name row 1). An
# earlier test's demo load, rolled back, still advanced PostgreSQL's and MariaDB's sequences.
@pytest.mark.django_db(transaction=True, reset_sequences=True)
def test_every_post_example_creates_its_row_as_sent(demo_document, superuser):
    client = client_for(superuser)
    created = []
    for path, item in demo_document["paths"].items():
        alias = path.removeprefix(f"{PREFIX}/")
        if not path.startswith(PREFIX) or "{id}" in path or alias in LINK_TABLES:
            continue
        body = example_of(item["post"])
        assert all(not isinstance(v, (list, dict)) for v in body["data"][0].values()), path
        response = client.post(path, json.dumps(body), content_type="application/json")
        assert response.status_code == 201, (path, body, response.content)
        created.append(alias)
    assert len(created) >= 10


def test_every_write_example_is_one_flat_item(demo_document):
    for path, item in demo_document["paths"].items():
        for method, operation in item.items():
            if "requestBody" not in operation or not path.startswith(PREFIX):
                continue
            data = example_of(operation)["data"]
            rows = [data] if "{id}" in path else data
            assert len(rows) == 1 and rows[0], (method, path)
            assert not any(isinstance(v, (list, dict)) for v in rows[0].values()), (method, path)
