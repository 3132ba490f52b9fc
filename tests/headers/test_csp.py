"""Every HTML page carries a Content-Security-Policy that forbids inline scripts, and the
admin and documentation pages need none: their scripts are files, their data JSON blocks."""

import json
import re

from django.contrib import admin
from django.test import RequestFactory
from django.urls import reverse

import pytest
from drf_spectacular.settings import patched_settings

from dataexchange.security_headers import DEFAULT_POLICY, policy_header
from tests.headers.conftest import inline_scripts
from tests.support.endpoints import make_endpoint

DOCS_PAGES = ["/api/docs/", "/api/redoc/"]
EXTRA_ADMIN_PAGES = [
    "admin:index",
    "admin:password_change",
    "admin:dataexchange_endpoint_import",
    "admin:exchangelog_exchange_dashboard",
]


def directives(response):
    """Return the response's policy as {directive: [sources]}."""
    header = response.headers["Content-Security-Policy"]
    return {name: sources for name, *sources in (part.split() for part in header.split(";"))}


def data_block(html, element_id):
    match = re.search(rf'<script id="{element_id}" type="application/json">(.*?)</script>', html)
    assert match, f"no data block {element_id}"
    return json.loads(match.group(1))


@pytest.fixture
def country_endpoint(db):
    return make_endpoint(
        "countries", "spy_country", "iso2_code", [dict(column_name="iso2_code", type="string")]
    )


def admin_urls(user, endpoint):
    """Return the admin's index, every changelist and add form, and an endpoint's change form."""
    request = RequestFactory().get("/admin/")
    request.user = user
    urls = [reverse(name) for name in EXTRA_ADMIN_PAGES]
    for model, model_admin in admin.site._registry.items():
        info = (model._meta.app_label, model._meta.model_name)
        urls.append(reverse("admin:{}_{}_changelist".format(*info)))
        if model_admin.has_add_permission(request):
            urls.append(reverse("admin:{}_{}_add".format(*info)))
    return [*urls, reverse("admin:dataexchange_endpoint_change", args=[endpoint.pk])]


@pytest.mark.parametrize("url", [*DOCS_PAGES, "/admin/login/"])
def test_pages_forbid_inline_scripts(client, db, url):
    response = client.get(url)

    assert response.status_code == 200
    policy = directives(response)
    assert policy["script-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert "'unsafe-eval'" not in response.headers["Content-Security-Policy"]


@pytest.mark.parametrize("url", DOCS_PAGES)
def test_docs_pages_have_no_inline_scripts(client, db, url):
    html = client.get(url).content.decode()

    assert inline_scripts(html) == []
    assert "/static/dataexchange/openapi/" in html


def test_admin_pages_have_no_inline_scripts(admin_client, admin_user, country_endpoint):
    for url in admin_urls(admin_user, country_endpoint):
        response = admin_client.get(url)
        assert response.status_code == 200, url
        assert "script-src 'self';" in response.headers["Content-Security-Policy"], url
        assert inline_scripts(response.content.decode()) == [], url


def test_swagger_ui_gets_its_settings_from_a_data_block(client, db):
    html = client.get("/api/docs/?lang=de").content.decode()

    config = data_block(html, "swagger-ui-config")
    assert config["schemaUrl"] == "/api/schema/?lang=de"
    assert config["schemaAuthNames"] == ["bearerAuth", "apiKeyHeader"]
    assert config["csrfHeaderName"] == "X-CSRFTOKEN" and config["csrfToken"]
    assert config["settings"]["deepLinking"] is True
    assert config["settings"]["validatorUrl"] is None


def test_hostile_query_values_stay_inside_the_data_block(client, db):
    html = client.get("/api/redoc/?lang=</script><script>alert(1)</script>").content.decode()

    assert inline_scripts(html) == []
    assert data_block(html, "redoc-config")["schemaUrl"].startswith("/api/schema/?lang=")


def test_redoc_always_sanitises_descriptions(client, db):
    with patched_settings({"REDOC_UI_SETTINGS": {"sanitize": False, "hideDownloadButton": True}}):
        html = client.get("/api/redoc/").content.decode()

    config = data_block(html, "redoc-config")
    assert config["settings"] == {"sanitize": True, "hideDownloadButton": True}
    assert config["schemaUrl"] == "/api/schema/"


def test_api_answers_are_left_alone(client, db):
    response = client.get("/dynamic-entity/nothing-here")

    assert response["Content-Type"].startswith("application/json")
    assert "Content-Security-Policy" not in response.headers


def test_secure_csp_replaces_the_default_policy(client, db, settings):
    settings.SECURE_CSP = {**DEFAULT_POLICY, "img-src": ["'self'", "https://img.example.com"]}
    response = client.get("/admin/login/")

    assert directives(response)["img-src"] == ["'self'", "https://img.example.com"]
    assert response.headers["Content-Security-Policy"] == policy_header(settings.SECURE_CSP)
