"""Routes of the product: the Data Exchange API under its prefix."""

from django.urls import include, path, re_path

from dataexchange import conf
from dataexchange.api.views import DynamicEntityView
from dataexchange.auth.views import TokenView
from dataexchange.changes.views import ChangeFeedView
from dataexchange.jobs.views import JobResultsView, JobView

prefix = conf.get("ROUTE_PREFIX").strip("/")
# The dynamic endpoint routes (api.direct serves bearer requests on them by the same patterns).
COLLECTION_ROUTE = rf"^{prefix}/(?P<alias>[A-Za-z0-9_-]+)$"
ITEM_ROUTE = rf"^{prefix}/(?P<alias>[A-Za-z0-9_-]+)/(?P<entity_id>[^/]+)$"
CHANGES_ROUTE = r"^changes/(?P<alias>[A-Za-z0-9_-]+)$"

urlpatterns = [
    path("token", TokenView.as_view(), name="token"),
    re_path(COLLECTION_ROUTE, DynamicEntityView.as_view(), name="dynamic-entity-collection"),
    re_path(ITEM_ROUTE, DynamicEntityView.as_view(), name="dynamic-entity-item"),
    re_path(CHANGES_ROUTE, ChangeFeedView.as_view(), name="changes-feed"),
    path("jobs/<uuid:job_id>", JobView.as_view(), name="job"),
    path("jobs/<uuid:job_id>/results", JobResultsView.as_view(), name="job-results"),
    path("", include("dataexchange.openapi.urls")),
]
