"""The Endpoint admin page lets a back-office user grant the endpoint's permissions."""

from django.urls import reverse

from dataexchange.models import Endpoint


def test_endpoint_change_page_has_the_permission_grid(admin_client, db):
    endpoint = Endpoint.objects.create(
        alias="grant-me", table_name="dataexchange_missing", identifier="id"
    )
    response = admin_client.get(reverse("admin:dataexchange_endpoint_change", args=[endpoint.pk]))
    assert response.status_code == 200
    content = response.content.decode()
    assert 'name="permissions-TOTAL_FORMS"' in content or "endpointpermission" in content.lower()
    assert "can_view" in content
