"""Set-up steps of `make serve`: the admin user, created once, and scripts/serve.sh end to end."""

import io
import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management import call_command

import pytest

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = re.compile(r"Password:\s+(\S+)")


def ensure_admin():
    stdout = io.StringIO()
    call_command("ensure_admin", stdout=stdout)
    return stdout.getvalue()


@pytest.mark.django_db
def test_ensure_admin_prints_the_password_only_the_first_time():
    first = ensure_admin()
    password = PASSWORD.search(first).group(1)
    admin = get_user_model().objects.get(username="admin")
    assert admin.is_superuser and admin.is_staff and admin.check_password(password)
    assert "/admin/" in first

    second = ensure_admin()
    assert "already exists" in second and "/admin/" in second
    assert "Password" not in second
    admin.refresh_from_db()
    assert admin.check_password(password)


def run_serve(database, **env):
    environment = {
        **{key: value for key, value in os.environ.items() if key != "SITE_URL"},
        "DATABASE_URL": f"sqlite:///{database}",
        "SERVE_ADDR": "127.0.0.1:8123",
        "SERVE_NO_RUNSERVER": "1",
        "SERVE_SKIP_INSTALL": "1",
        "SERVE_PYTHON": sys.executable,
        "DEMO_PRODUCTS": "5",
        **env,
    }
    return subprocess.run(
        ["bash", "scripts/serve.sh"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_serve_script_sets_everything_up_without_starting_the_server(tmp_path):
    database = tmp_path / "serve.sqlite3"
    first = run_serve(database)
    assert first.returncode == 0, first.stdout + first.stderr
    assert PASSWORD.search(first.stdout)
    assert "http://127.0.0.1:8123/admin/" in first.stdout
    assert "not starting the server" in first.stdout
    with sqlite3.connect(database) as db:
        assert db.execute("SELECT COUNT(*) FROM spy_product_abstract").fetchone() == (5,)
        assert db.execute("SELECT COUNT(*) FROM spy_country").fetchone()[0] >= 249
        assert db.execute("SELECT is_superuser FROM auth_user WHERE username = 'admin'").fetchone()

    second = run_serve(database)
    assert second.returncode == 0, second.stdout + second.stderr
    assert "already exists" in second.stdout
    assert not PASSWORD.search(second.stdout)


@pytest.mark.parametrize("script", ["scripts/serve.sh", "scripts/test.sh", ".ci/run"])
def test_scripts_are_valid_bash(script):
    result = subprocess.run(["bash", "-n", script], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
