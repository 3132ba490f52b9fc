"""Routes of the documentation: the document, its download, Swagger UI and Redoc."""

from django.urls import path

from dataexchange.openapi import views

urlpatterns = [
    path("api/schema/", views.SchemaView.as_view(), name="openapi-schema"),
    path(
        "api/schema/download/", views.SchemaDownloadView.as_view(), name="openapi-schema-download"
    ),
    path("api/docs/", views.SwaggerView.as_view(), name="openapi-swagger-ui"),
    path("api/redoc/", views.RedocView.as_view(), name="openapi-redoc"),
    path("api/redoc/redoc.standalone.js", views.redoc_bundle, name="openapi-redoc-bundle"),
]
