"""URL configuration: the admin, the Data Exchange API, its token endpoint and documentation."""

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("dataexchange.urls")),
]

handler404 = "dataexchange.api.errors_views.not_found"
handler500 = "dataexchange.api.errors_views.server_error"
