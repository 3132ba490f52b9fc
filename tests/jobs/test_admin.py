"""The admin's Jobs page: progress bars, status filter, failed items linked to the exchange log,
cancel, results as CSV."""

import csv
import io

from django.urls import reverse

from dataexchange.jobs.models import Job
from tests.jobs.conftest import LOOSE, items, run_worker, submit

CHANGELIST = reverse("admin:jobs_job_changelist")


def test_jobs_page(api, admin_client):
    body = items(2)
    body[1]["qty"] = -1
    submit(api, "POST", body, headers=LOOSE)
    run_worker()
    submit(api, "POST", items(1, start=10), headers=LOOSE)  # stays queued
    page = admin_client.get(CHANGELIST).content.decode()
    assert page.count("<progress") == 2 and 'value="100"' in page and 'value="0"' in page
    done = Job.objects.get(status="partially_failed")
    items_url = reverse("admin:exchangelog_exchangeitem_changelist")
    assert f"{items_url}?q={done.exchange_id}&amp;status__exact=failed" in page
    failed = admin_client.get(items_url, {"q": str(done.exchange_id), "status__exact": "failed"})
    assert failed.status_code == 200 and "1306" in failed.content.decode()
    filtered = admin_client.get(CHANGELIST, {"status__exact": "queued"}).content.decode()
    assert filtered.count("<progress") == 1
    assert admin_client.get(reverse("admin:jobs_job_change", args=[done.pk])).status_code == 200


def test_cancel_action_and_results_csv(api, admin_client):
    submit(api, "POST", items(2), headers=LOOSE)
    job = Job.objects.get()
    response = admin_client.post(
        CHANGELIST, {"action": "cancel", "_selected_action": [str(job.pk)]}, follow=True
    )
    assert "Cancelled 1 job(s)." in response.content.decode()
    assert Job.objects.get().status == "cancelled"

    submit(api, "POST", items(2, start=5), headers=LOOSE)
    run_worker()
    done = Job.objects.get(status="succeeded")
    response = admin_client.get(reverse("admin:jobs_job_results", args=[done.pk]))
    table = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [(row["index"], row["status"]) for row in table] == [
        ("0", "succeeded"),
        ("1", "succeeded"),
    ]


def test_staff_without_view_permission_cannot_download(api, client, django_user_model):
    submit(api, "POST", items(1), headers=LOOSE)
    staff = django_user_model.objects.create_user("staff", "st@example.com", "pw-1!", is_staff=True)
    client.force_login(staff)
    job = Job.objects.get()
    assert client.get(reverse("admin:jobs_job_results", args=[job.pk])).status_code == 403
