"""Views of the documentation: the document (YAML or JSON), its download, Swagger UI and Redoc.

Anyone may fetch them; credentials, when sent, decide which endpoints the document shows.
Swagger UI and Redoc load their assets from drf-spectacular-sidecar's static files, never a CDN,
and start from static scripts fed by a JSON data block: the pages need no inline scripts
(dataexchange/security_headers.py).
"""

from functools import lru_cache

from django.contrib.staticfiles import finders
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.urls import reverse

from drf_spectacular.settings import spectacular_settings
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.settings import api_settings

from dataexchange.api.exceptions import api_exception_handler
from dataexchange.openapi.generator import document_for
from dataexchange.openapi.operations import tag_name

FILENAME = "data-exchange-api"
# Schemes Swagger UI may send when it reloads the document after "Authorize".
SCHEMA_AUTH_NAMES = ["bearerAuth", "apiKeyHeader"]


class SchemaView(SpectacularAPIView):
    """Serve the caller's document: YAML by default, JSON with `?format=json`."""

    authentication_classes = api_settings.DEFAULT_AUTHENTICATION_CLASSES
    permission_classes = [AllowAny]
    disposition = "inline"

    def get_exception_handler(self):
        return api_exception_handler

    def _get_schema_response(self, request):
        version = self.api_version or request.version or self._get_version_parameter(request)
        document = document_for(
            request, urlconf=self.urlconf, api_version=version, patterns=self.patterns
        )
        suffix = self.perform_content_negotiation(request, force=True)[0].format
        disposition = f'{self.disposition}; filename="{FILENAME}.{suffix}"'
        return Response(data=document, headers={"Content-Disposition": disposition})


class SchemaDownloadView(SchemaView):
    """Serve the caller's document as a file to save (the admin's "download specification")."""

    disposition = "attachment"


class SwaggerView(SpectacularSwaggerView):
    """Swagger UI over the caller's document; "Authorize" reloads it with the credentials."""

    authentication_classes = api_settings.DEFAULT_AUTHENTICATION_CLASSES
    permission_classes = [AllowAny]
    url_name = "openapi-schema"
    template_name = "openapi/swagger_ui.html"

    def get_exception_handler(self):
        return api_exception_handler

    @extend_schema(exclude=True)
    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        response.data["config"] = self.page_config(request)
        return response

    def page_config(self, request):
        """Return what the start-up script needs for this request (swagger-ui-init.js)."""
        return {
            "schemaUrl": self._get_schema_url(request),
            "settings": spectacular_settings.SWAGGER_UI_SETTINGS,
            "schemaAuthNames": self._get_schema_auth_names(),
            "csrfHeaderName": self._get_csrf_header_name(),
            "csrfToken": get_token(request),
            "oauth2Config": spectacular_settings.SWAGGER_UI_OAUTH2_CONFIG or None,
        }

    def _get_schema_auth_names(self):
        return SCHEMA_AUTH_NAMES


class RedocView(SpectacularRedocView):
    """Redoc over the caller's document, with system fonts instead of web fonts."""

    authentication_classes = api_settings.DEFAULT_AUTHENTICATION_CLASSES
    permission_classes = [AllowAny]
    url_name = "openapi-schema"
    template_name = "openapi/redoc.html"

    def get_exception_handler(self):
        return api_exception_handler

    @extend_schema(exclude=True)
    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        response.data["config"] = self.page_config(request)
        return response

    def page_config(self, request):
        """Return what the start-up script needs for this request (redoc-init.js)."""
        # Descriptions are written by anyone who may configure an endpoint and read by admins:
        # Redoc must strip their HTML of scripts and event handlers, whatever the settings say.
        settings = {**(spectacular_settings.REDOC_UI_SETTINGS or {}), "sanitize": True}
        return {"schemaUrl": self._get_schema_url(request), "settings": settings}


# Redoc 2 always renders its vendor's logo from a CDN (no option turns it off): the bundle is
# served with that address replaced by an inline blank image, so the page loads nothing from
# elsewhere and the Content-Security-Policy has nothing to report.
REDOC_BUNDLE = "drf_spectacular_sidecar/redoc/bundles/redoc.standalone.js"
REDOC_CDN_LOGO = b"https://cdn.redoc.ly/redoc/logo-mini.svg"
BLANK_IMAGE = (
    b"data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' width='1' height='1'/%3E"
)


@lru_cache(maxsize=1)
def redoc_bundle_bytes():
    """Return Redoc's standalone bundle with the CDN logo replaced (read once per process)."""
    with open(finders.find(REDOC_BUNDLE), "rb") as bundle:
        return bundle.read().replace(REDOC_CDN_LOGO, BLANK_IMAGE)


def redoc_bundle(request):
    """Serve the patched Redoc bundle, cacheable for a day."""
    response = HttpResponse(redoc_bundle_bytes(), content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = "public, max-age=86400"
    return response


def documentation_url(alias):
    """Return the Swagger UI address of an endpoint's operations (its tag)."""
    return f"{reverse('openapi-swagger-ui')}#/{tag_name(alias)}"


def specification_url(fmt="yaml"):
    """Return the address that downloads the whole document as a file."""
    return f"{reverse('openapi-schema-download')}?format={fmt}"
