"""Fixtures of the header and static-file tests: an HTML scanner and a production-like server.

The production server runs as the README says: `DEBUG=0`, gunicorn, no proxy, after
`collectstatic` into a temporary STATIC_ROOT, so a fresh clone needs no manual step.
"""

import os
import subprocess
import sys
import tempfile
from html.parser import HTMLParser

from django.db import connection

import pytest

from tests.support.servers import ROOT, database_url, free_port, start_server, stop_server

DATA_BLOCK = "application/json"
URL_ATTRIBUTES = ("href", "src", "action", "formaction")


class InlineScripts(HTMLParser):
    """Collect what a script-src without 'unsafe-inline' blocks: inline scripts, event-handler
    attributes and javascript: links."""

    def __init__(self):
        super().__init__()
        self.found = []
        self._in_inline = False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "script" and "src" not in attributes:
            self._in_inline = attributes.get("type") != DATA_BLOCK
        for name, value in attrs:
            script_url = (value or "").strip().lower().startswith("javascript:")
            if name.startswith("on") or (name in URL_ATTRIBUTES and script_url):
                self.found.append(f"<{tag} {name}={value!r}>")

    def handle_endtag(self, tag):
        self._in_inline = self._in_inline and tag != "script"

    def handle_data(self, data):
        if self._in_inline and data.strip():
            self.found.append(f"<script>{data.strip()[:80]}")


def inline_scripts(html):
    """Return the inline scripts and event handlers in `html` (empty when CSP-clean)."""
    parser = InlineScripts()
    parser.feed(html)
    return parser.found


def production_env(static_root):
    """Return the environment of the README's production command, on the test database."""
    return {
        **os.environ,
        "DATABASE_URL": database_url(),
        "DEBUG": "0",
        "SECRET_KEY": "headers-test-secret-key-0123456789abcdefghijklmnopqrstuvwxyz-0123",
        "ALLOWED_HOSTS": "127.0.0.1",
        "STATIC_ROOT": str(static_root),
        # The test speaks plain HTTP to 127.0.0.1; production's cookies are HTTPS-only.
        "SESSION_COOKIE_SECURE": "0",
        "CSRF_COOKIE_SECURE": "0",
        "DB_CONN_MAX_AGE": "0",
    }


@pytest.fixture(scope="session")
def production_server(django_db_setup, django_db_blocker):
    """Return the base URL of gunicorn serving the project as in production (SQLite only: the
    database plays no part in headers and static files, and this costs a collectstatic)."""
    if connection.vendor != "sqlite":
        pytest.skip("static files and headers do not depend on the database: run on SQLite")
    with tempfile.TemporaryDirectory(prefix="dx-static-") as static_root:
        env = production_env(static_root)
        command = [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"]
        subprocess.run(command, cwd=ROOT, env=env, check=True, timeout=120)
        port = free_port()
        process = start_server(port, env, workers=2)
        yield f"http://127.0.0.1:{port}"
        stop_server(process)
