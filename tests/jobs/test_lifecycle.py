"""`Prefer: respond-async`: 202 with Location, the job's status lifecycle, cancel, visibility."""

import pytest

from dataexchange.exchangelog.models import Exchange
from dataexchange.jobs.models import Job, JobChunk
from tests.jobs.conftest import LOOSE, URL, client_for, items, rows, run_worker, submit


def test_accepted_with_location_then_succeeds(api, owner, settings):
    settings.DATA_EXCHANGE_JOBS = {"CHUNK_SIZE": 2}
    status, body, response = submit(api, "POST", items(5), headers=LOOSE)
    assert status == 202, body
    assert response["Preference-Applied"] == "respond-async"
    job = body["data"]
    assert response["Location"] == f"/jobs/{job['id']}" == job["links"]["self"]
    assert (job["status"], job["items"]) == ("queued", {"total": 5, "succeeded": 0, "failed": 0})
    assert job["caller"] == "owner" and job["request_id"] == response["X-Request-Id"]
    assert rows() == []  # nothing written before a worker runs
    assert JobChunk.objects.filter(job_id=job["id"]).count() == 3

    run_worker()

    status, body, _ = api("GET", response["Location"])
    assert status == 200
    done = body["data"]
    assert (done["status"], done["items"]) == (
        "succeeded",
        {"total": 5, "succeeded": 5, "failed": 0},
    )
    assert done["started_at"] and done["finished_at"] and done["progress"] == 1
    assert [code for code, _, _ in rows()] == [f"I{n:05d}" for n in range(5)]
    exchange = Exchange.objects.get(pk=job["request_id"])
    assert (exchange.status, exchange.http_status, exchange.item_count) == ("processed", 202, 5)


def test_non_transactional_job_reports_failed_items(api):
    body = items(3)
    body[1]["qty"] = -1  # 1306
    status, accepted, _ = submit(api, "POST", body, headers=LOOSE)
    assert status == 202
    run_worker()
    job = Job.objects.get()
    assert (job.status, job.items_done, job.items_failed) == ("partially_failed", 2, 1)
    assert [code for code, _, _ in rows()] == ["I00000", "I00002"]
    exchange = job.exchange
    assert (exchange.status, exchange.failed_count) == ("partially_failed", 1)
    (item,) = exchange.items.all()
    assert (item.index, item.error_code) == (1, "1306")
    assert "job-items[1]" in item.message


def test_transactional_job_is_all_or_nothing(api, settings):
    settings.DATA_EXCHANGE_JOBS = {"CHUNK_SIZE": 2}
    body = items(5)
    body[4]["name"] = None  # fails in the last chunk: the first two chunks must not stay
    status, _, _ = submit(api, "POST", body)
    assert status == 202
    run_worker()
    job = Job.objects.get()
    assert (job.status, job.items_done, job.items_failed) == ("failed", 0, 5)
    assert rows() == []
    statuses = [c.status for c in job.chunks.all()]
    assert statuses == ["done", "done", "done"]
    exchange = job.exchange
    assert (exchange.status, exchange.failed_count, exchange.rolled_back_count) == ("failed", 1, 4)


def test_transactional_job_commits_when_all_items_pass(api, settings):
    settings.DATA_EXCHANGE_JOBS = {"CHUNK_SIZE": 2}
    assert submit(api, "POST", items(5))[0] == 202
    run_worker()
    assert Job.objects.get().status == "succeeded"
    assert len(rows()) == 5


def test_transactional_job_above_its_cap_is_refused(api, settings):
    settings.DATA_EXCHANGE_JOBS = {"CHUNK_SIZE": 2, "MAX_TRANSACTIONAL_ITEMS": 3}
    status, body, _ = submit(api, "POST", items(5))
    assert status == 413 and body[0]["code"] == "1425"
    assert not Job.objects.exists() and not JobChunk.objects.exists()
    assert submit(api, "POST", items(5), headers=LOOSE)[0] == 202  # non-transactional: fine


def test_patch_put_and_delete_jobs(api):
    submit(api, "POST", items(3), headers=LOOSE)
    run_worker()
    assert submit(api, "PATCH", [{"code": "I00001", "name": "Renamed"}], headers=LOOSE)[0] == 202
    assert submit(api, "PUT", {"code": "I00002", "name": "Put"}, path=f"{URL}/I00002")[0] == 202
    run_worker()
    assert rows()[1:] == [("I00001", "Renamed", 1), ("I00002", "Put", None)]
    status, _, _ = submit(api, "DELETE", None, **{"filter[job-items.code]": "I00000"})
    assert status == 202
    run_worker()
    assert [code for code, _, _ in rows()] == ["I00001", "I00002"]
    assert Job.objects.filter(method="DELETE").get().status == "succeeded"


def test_cancel_between_chunks(api, settings):
    settings.DATA_EXCHANGE_JOBS = {"CHUNK_SIZE": 2}
    _, body, response = submit(api, "POST", items(5), headers=LOOSE)
    status, cancelled, _ = api("DELETE", response["Location"])
    assert status == 200 and cancelled["data"]["status"] == "cancelled"
    run_worker()
    assert rows() == []
    assert set(JobChunk.objects.values_list("status", flat=True)) == {"cancelled"}
    status, again, _ = api("DELETE", response["Location"])
    assert status == 409 and again[0]["code"] == "1426"


def test_other_callers_get_404_superusers_see_it(api, owner, django_user_model, admin_user):
    _, body, response = submit(api, "POST", items(1), headers=LOOSE)
    stranger = django_user_model.objects.create_user("stranger", "s@example.com", "pw-1!")
    for path in (response["Location"], response["Location"] + "/results"):
        status, error, _ = client_for(stranger)("GET", path)
        assert status == 404 and error[0]["code"] == "007"
    assert client_for(stranger)("DELETE", response["Location"])[0] == 404
    assert client_for(admin_user)("GET", response["Location"])[0] == 200
    assert Job.objects.get().status == "queued"


def test_unknown_job_and_anonymous(api, api_client):
    assert api("GET", "/jobs/00000000-0000-0000-0000-000000000000")[0] == 404
    assert api("GET", "/jobs/not-a-uuid")[0] == 404
    assert api_client.get("/jobs/00000000-0000-0000-0000-000000000000").status_code == 403


def test_permission_revoked_between_accept_and_run(api, owner, items_endpoint):
    submit(api, "POST", items(2), headers=LOOSE)
    items_endpoint.permissions.update(can_create=False)
    run_worker()
    job = Job.objects.get()
    assert (job.status, job.items_failed) == ("failed", 2)
    assert rows() == []
    (result,) = {r.results.splitlines()[0] for r in job.chunks.all()}
    assert '"1404"' in result


def test_refused_up_front(api, owner, items_endpoint, django_user_model):
    status, body, _ = submit(api, "POST", items(1), path="/dynamic-entity/nope")
    assert status == 404 and body[0]["code"] == "007"
    reader = django_user_model.objects.create_user("reader", "r@example.com", "pw-1!")
    status, body, _ = submit(client_for(reader), "POST", items(1))
    assert status == 403 and body[0]["code"] == "1404"
    status, body, _ = submit(api, "POST", [])
    assert status == 400 and body[0]["code"] == "1301"
    assert not Job.objects.exists()


@pytest.mark.parametrize("headers", [{"X-Dry-Run": "true"}, {"If-Match": '"x"'}])
def test_dry_run_and_if_match_stay_synchronous(api, headers):
    status, _, response = submit(api, "PUT", {"code": "I1", "name": "n"}, path=f"{URL}/I1",
                                 headers={"Prefer": "respond-async", **headers})  # fmt: skip
    assert status != 202 and "Preference-Applied" not in response
    assert not Job.objects.exists()


def test_prune_deletes_finished_jobs_past_retention(api, settings):
    from datetime import timedelta

    from django.core.management import call_command
    from django.utils import timezone

    submit(api, "POST", items(1), headers=LOOSE)
    run_worker()
    submit(api, "POST", items(1, start=1), headers=LOOSE)  # queued: never pruned
    Job.objects.filter(status="succeeded").update(finished_at=timezone.now() - timedelta(days=8))
    call_command("prune", "--only", "jobs")
    assert list(Job.objects.values_list("status", flat=True)) == ["queued"]
    assert JobChunk.objects.count() == 1
    assert Exchange.objects.count() == 2  # the log keeps its own retention


def test_chunks_respect_the_endpoint_batch_limit(api, items_endpoint, settings):
    items_endpoint.max_batch_size = 2
    items_endpoint.save()
    assert submit(api, "POST", items(5), headers=LOOSE)[0] == 202  # synchronously: 1401
    assert list(JobChunk.objects.values_list("size", flat=True)) == [2, 2, 1]
    run_worker()
    assert Job.objects.get().status == "succeeded" and len(rows()) == 5


def test_a_task_hands_the_rest_of_its_job_on(api, settings):
    from django_tasks_db.models import DBTaskResult

    settings.DATA_EXCHANGE_JOBS = {"CHUNK_SIZE": 1, "CHUNKS_PER_TASK": 2, "FANOUT": 1}
    submit(api, "POST", items(5), headers=LOOSE)
    run_worker()
    assert Job.objects.get().status == "succeeded" and len(rows()) == 5
    assert DBTaskResult.objects.count() == 3  # 2 + 2 + 1 chunks


def test_a_chunk_whose_workers_keep_dying_is_given_up(api, settings):
    from datetime import timedelta

    from django.utils import timezone

    from dataexchange.jobs.maintenance import jobs_reclaim

    settings.DATA_EXCHANGE_JOBS = {"MAX_ATTEMPTS": 2}
    submit(api, "POST", items(2), headers=LOOSE)
    expired = timezone.now() - timedelta(seconds=1)
    JobChunk.objects.update(status="claimed", attempts=2, worker="dead:1", lease_until=expired)
    run_worker()  # the task enqueued at intake finds the chunk and gives it up
    job = Job.objects.get()
    assert (job.status, job.items_failed) == ("failed", 2) and rows() == []
    result = job.chunks.get().results.splitlines()[0]
    assert '"1427"' in result and "Items `0`" in result
    assert jobs_reclaim() == 0  # nothing left to reclaim


def test_reclaim_enqueues_expired_claims_and_forgotten_jobs(api):
    from datetime import timedelta

    from django.utils import timezone

    from django_tasks_db.models import DBTaskResult

    from dataexchange.jobs.maintenance import jobs_reclaim

    submit(api, "POST", items(1), headers=LOOSE)
    submit(api, "POST", items(1, start=1), headers=LOOSE)
    DBTaskResult.objects.all().delete()  # the tasks were lost
    first, second = Job.objects.order_by("created_at")
    JobChunk.objects.filter(job=first).update(
        status="claimed", attempts=1, worker="dead:1", lease_until=timezone.now()
    )
    Job.objects.filter(pk=second.pk).update(created_at=timezone.now() - timedelta(hours=1))
    assert jobs_reclaim() == 2
    run_worker()
    assert set(Job.objects.values_list("status", flat=True)) == {"succeeded"}
    assert len(rows()) == 2


def test_prune_deletes_old_task_rows(api):
    from datetime import timedelta

    from django.utils import timezone

    from django_tasks_db.models import DBTaskResult

    from dataexchange.jobs.maintenance import task_results_prune

    submit(api, "POST", items(1), headers=LOOSE)
    submit(api, "POST", items(1, start=1), headers=LOOSE)
    run_worker()
    assert task_results_prune() == 0  # finished just now
    old = timezone.now() - timedelta(days=2)
    first, second = DBTaskResult.objects.all()
    DBTaskResult.objects.filter(pk=first.pk).update(finished_at=old)
    DBTaskResult.objects.filter(pk=second.pk).update(status="RUNNING", started_at=old)
    assert task_results_prune() == 2 and not DBTaskResult.objects.exists()
