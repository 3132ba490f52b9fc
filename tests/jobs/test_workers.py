"""Real worker processes: THE KILL TEST (a worker SIGKILLed inside a claimed chunk, its rows
written but not committed; another worker takes the chunk after the lease, and every row is
stored exactly once), the named scheduler, and the Redis broker set-up."""

import os
import signal
import subprocess
import sys
from datetime import timedelta

from django.core.management import call_command
from django.utils import timezone

import pytest
import redis

from dataexchange.jobs import conf as jobs_conf
from dataexchange.jobs.models import Job, JobChunk, PeriodicTask
from dataexchange.jobs.scheduler import schedule_tick
from tests.jobs.conftest import LOOSE, items, rows, submit
from tests.support.servers import ROOT, database_url
from tests.support.waiting import wait_for

pytestmark = pytest.mark.multiprocess

LEASE_SECONDS = 2
# A Redis database of its own per test database backend: no other test's queue, also when the
# suite runs on the three backends side by side.
REDIS_DB = {"sqlite": 11, "postgresql": 12, "mysql": 13}


def redis_url():
    from django.db import connection

    return f"redis://127.0.0.1:6379/{REDIS_DB[connection.vendor]}"


def worker_env(**extra):
    return {
        **os.environ,
        "DATABASE_URL": database_url(),
        "PYTHONPATH": str(ROOT),
        "DATA_EXCHANGE_JOBS_LEASE_SECONDS": str(LEASE_SECONDS),
        **extra,
    }


def start_worker(*args, **env):
    """Start `manage.py <args>` (a task worker) in a process group of its own."""
    command = [sys.executable, "manage.py", *args]
    return subprocess.Popen(command, cwd=ROOT, env=worker_env(**env), start_new_session=True)


def db_worker(*extra, **env):
    return start_worker(
        "db_worker", "--no-reload", "--no-startup-delay", "--interval", "0.1", *extra, **env
    )


def finish(process, timeout=60):
    try:
        assert process.wait(timeout=timeout) == 0
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)


def test_killed_worker_chunk_completes_exactly_once(api, tmp_path):
    submit(api, "POST", items(3), headers=LOOSE)
    hold = tmp_path / "hold"
    hold.touch()
    first = db_worker(DX_TEST_HOLD_CHUNK=str(hold))
    try:
        wait_for((tmp_path / "hold.held").exists, what="the worker to hold inside its chunk")
        chunk = JobChunk.objects.get()
        assert (chunk.status, chunk.attempts) == ("claimed", 1)
        assert chunk.worker.endswith(f":{first.pid}")
        assert rows() == []  # written, not committed
    finally:
        os.killpg(first.pid, signal.SIGKILL)
        first.wait()
    wait_for(lambda: JobChunk.objects.get().lease_until < timezone.now(), what="the lease")
    assert schedule_tick(scheduler="test") == list(jobs_conf.get("PERIODIC"))
    finish(db_worker("--batch"))  # runs the reclaim, which enqueues the job again, then the job
    chunk = JobChunk.objects.get()
    assert (chunk.status, chunk.attempts) == ("done", 2)
    assert not chunk.worker.endswith(f":{first.pid}")
    assert [code for code, _, _ in rows()] == ["I00000", "I00001", "I00002"]
    job = Job.objects.get()
    assert (job.status, job.items_done, job.items_failed) == ("succeeded", 3, 0)
    assert (job.exchange.item_count, job.exchange.status) == (3, "processed")


def test_two_schedulers_never_fire_the_same_run(transactional_db):
    now = timezone.now()
    periodic = jobs_conf.get("PERIODIC")
    assert schedule_tick(scheduler="a", now=now) == list(periodic)
    assert schedule_tick(scheduler="b", now=now) == []
    later = now + timedelta(seconds=61)
    every_minute = [name for name, seconds in periodic.items() if seconds <= 61]
    assert "jobs.reclaim" in every_minute and "prune" not in every_minute
    assert schedule_tick(scheduler="b", now=later) == every_minute
    assert schedule_tick(scheduler="a", now=later) == []
    reclaim = PeriodicTask.objects.get(name="jobs.reclaim")
    assert (reclaim.runs, reclaim.last_scheduler) == (2, "b")


def test_scheduler_command_once(transactional_db):
    call_command("dataexchange_scheduler", "--once")
    assert PeriodicTask.objects.filter(runs=1).count() == len(jobs_conf.get("PERIODIC"))


def test_redis_broker_runs_the_job(api, settings, monkeypatch):
    import django_rq.settings

    url = redis_url()
    try:
        redis.Redis.from_url(url).ping()
    except redis.ConnectionError as exc:
        pytest.fail(f"Redis at {url} is not up: {exc}")
    redis.Redis.from_url(url).flushdb()
    monkeypatch.setitem(django_rq.settings.QUEUES, "default", {"URL": url})
    settings.TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
    settings.DATA_EXCHANGE_JOBS = {"CHUNK_SIZE": 2}
    submit(api, "POST", items(5), headers=LOOSE)
    assert redis.Redis.from_url(url).llen("rq:queue:default") == 3  # one task per chunk
    worker = start_worker(
        "rqworker", "default", "--burst", "--job-class", "django_tasks_rq.Job",
        DATA_EXCHANGE_TASKS_BACKEND="redis", REDIS_URL=url,
    )  # fmt: skip
    finish(worker)
    job = Job.objects.get()
    assert (job.status, job.items_done, job.chunks_done) == ("succeeded", 5, 3)
    assert len(rows()) == 5
