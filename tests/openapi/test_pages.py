"""The documentation pages: served from this site only, and the specification download."""

import re

import pytest

from tests.openapi.conftest import client_for

EXTERNAL = re.compile(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//|cdn""", re.IGNORECASE)


@pytest.mark.parametrize(
    ("url", "asset"),
    [
        ("/api/docs/", "/static/drf_spectacular_sidecar/"),
        ("/api/redoc/", "/api/redoc/redoc.standalone.js"),
    ],
)
def test_docs_pages_render_without_external_assets(db, url, asset):
    response = client_for().get(url)
    assert response.status_code == 200
    # The CSRF token in Swagger UI's data block is random text (it may spell "cdn"): not an asset.
    html = re.sub(r'"csrfToken": "\w*"', '"csrfToken": ""', response.content.decode())
    assert asset in html
    assert "/api/schema/" in html
    assert not EXTERNAL.search(html), EXTERNAL.search(html)
    assert "http://" not in html and "https://" not in html


def test_redoc_bundle_loads_no_logo_from_a_cdn(db):
    response = client_for().get("/api/redoc/redoc.standalone.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    body = response.content
    assert b"https://cdn.redoc.ly" not in body and b"spec-url" in body


def test_swagger_ui_reloads_the_document_after_authorize(db):
    html = client_for().get("/api/docs/").content.decode()
    assert '"bearerAuth"' in html and '"apiKeyHeader"' in html


@pytest.mark.parametrize(
    ("fmt", "media"),
    [("yaml", "application/vnd.oai.openapi;"), ("json", "application/vnd.oai.openapi+json")],
)
def test_download_is_an_attachment(configuration, superuser, fmt, media):
    response = client_for(superuser).get(f"/api/schema/download/?format={fmt}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith(media)
    assert response["Content-Disposition"] == f'attachment; filename="data-exchange-api.{fmt}"'
    assert b"save-collection-dynamic-api-gadgets" in response.content


def test_schema_is_inline_and_yaml_by_default(configuration, superuser):
    response = client_for(superuser).get("/api/schema/")
    assert response["Content-Type"].startswith("application/vnd.oai.openapi")
    assert response["Content-Disposition"] == 'inline; filename="data-exchange-api.yaml"'
    assert response.content.startswith(b"openapi: 3.0.3")


def test_admin_links(configuration):
    from dataexchange.openapi.views import documentation_url, specification_url

    assert documentation_url("gadgets") == "/api/docs/#/dynamic-entity-gadgets"
    assert specification_url() == "/api/schema/download/?format=yaml"
