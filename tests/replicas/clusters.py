"""A real PostgreSQL primary and streaming standby for the read-replica tests, started by the
test itself as the `postgres` user (the tests run as root; PostgreSQL refuses to run as root)."""

import glob
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg
import pytest

from tests.support.servers import free_port

DATABASE = "dx_replicas"
SERVER_SETTINGS = """
listen_addresses = '127.0.0.1'
unix_socket_directories = '{sockets}'
wal_level = replica
max_wal_senders = 4
hot_standby = on
fsync = off
synchronous_commit = off
full_page_writes = off
shared_buffers = 16MB
"""


def postgres_bin():
    """Return the newest PostgreSQL server binary directory; fail when there is none."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda path: int(path.split("/")[4]))
    if not found:
        pytest.fail("no PostgreSQL server binaries under /usr/lib/postgresql/*/bin")
    return Path(found[-1])


def as_postgres(*command):
    """Run a command as the `postgres` user; fail the test with its output if it fails."""
    prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    done = subprocess.run([*prefix, *map(str, command)], capture_output=True, text=True)
    if done.returncode != 0:
        pytest.fail(f"{command[0]} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return done.stdout


class Cluster:
    """One PostgreSQL server: its data directory, port and connection URL."""

    def __init__(self, root, name, port):
        self.data, self.port, self.name = root / name, port, name
        self.log = root / f"{name}.log"

    @property
    def url(self):
        return f"postgres://postgres@127.0.0.1:{self.port}/{DATABASE}"

    def connect(self, dbname=DATABASE):
        """Return an autocommit psycopg connection to the cluster."""
        return psycopg.connect(
            host="127.0.0.1", port=self.port, user="postgres", dbname=dbname, autocommit=True
        )

    def start(self, binaries):
        as_postgres(binaries / "pg_ctl", "-D", self.data, "-l", self.log, "-w", "-t", "30", "start")

    def stop(self, binaries):
        if (self.data / "postmaster.pid").exists():
            as_postgres(binaries / "pg_ctl", "-D", self.data, "-m", "immediate", "-w", "stop")


def start_pair():
    """Start a primary and a standby streaming from it; return (primary, standby, cleanup)."""
    binaries = postgres_bin()
    root = Path(tempfile.mkdtemp(prefix="dx-replicas-"))
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
    primary = Cluster(root, "primary", free_port())
    standby = Cluster(root, "standby", free_port())

    def cleanup():
        for cluster in (standby, primary):
            cluster.stop(binaries)
        shutil.rmtree(root, ignore_errors=True)

    try:
        as_postgres(binaries / "initdb", "-D", primary.data, "-A", "trust", "-U", "postgres",
                    "--no-sync", "-E", "UTF8")  # fmt: skip
        with open(primary.data / "postgresql.conf", "a") as conf:
            conf.write(SERVER_SETTINGS.format(sockets=root) + f"port = {primary.port}\n")
        primary.start(binaries)
        with primary.connect("postgres") as db:
            db.execute(f"CREATE DATABASE {DATABASE}")
        as_postgres(binaries / "pg_basebackup", "-h", "127.0.0.1", "-p", primary.port,
                    "-U", "postgres", "-D", standby.data, "-R", "-X", "stream", "--no-sync",
                    "--checkpoint=fast")  # fmt: skip
        with open(standby.data / "postgresql.conf", "a") as conf:
            conf.write(f"port = {standby.port}\n")
        standby.start(binaries)
        wait_streaming(primary)
    except BaseException:
        cleanup()
        raise
    return primary, standby, cleanup


def wait_streaming(primary, timeout=20):
    """Wait until the primary has a standby streaming from it."""
    deadline = time.monotonic() + timeout
    with primary.connect() as db:
        while time.monotonic() < deadline:
            states = db.execute("SELECT state FROM pg_stat_replication").fetchall()
            if ("streaming",) in states:
                return
            time.sleep(0.05)
    pytest.fail("the standby did not start streaming")


def wait_replayed(primary, standby, timeout=20):
    """Wait until the standby replayed everything the primary wrote so far."""
    with primary.connect() as db:
        target = db.execute("SELECT pg_current_wal_lsn()").fetchone()[0]
    deadline = time.monotonic() + timeout
    with standby.connect() as db:
        while time.monotonic() < deadline:
            caught_up = db.execute(
                "SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", (str(target),)
            ).fetchone()[0]
            if caught_up:
                return
            time.sleep(0.05)
    pytest.fail("the standby did not catch up")


def pause_replay(standby):
    """Pause WAL replay on the standby and wait until it is paused (PostgreSQL 14+)."""
    with standby.connect() as db:
        db.execute("SELECT pg_wal_replay_pause()")
        for _ in range(400):
            if db.execute("SELECT pg_get_wal_replay_pause_state()").fetchone()[0] == "paused":
                return
            time.sleep(0.05)
    pytest.fail("WAL replay did not pause")


def resume_replay(standby):
    """Resume WAL replay on the standby."""
    with standby.connect() as db:
        db.execute("SELECT pg_wal_replay_resume()")
