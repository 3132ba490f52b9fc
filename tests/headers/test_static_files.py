"""Under the README's production command (DEBUG=0, gunicorn, no proxy) the application serves
its own static files: compressed, and cached forever under their hashed names."""

import re
import urllib.error
import urllib.request

import pytest

pytestmark = pytest.mark.multiprocess

FOREVER = "max-age=315360000, public, immutable"


def fetch(url, **headers):
    """Return (status, headers, body) of a GET; error statuses are answers too."""
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=20) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def assets(html, kind):
    """Return the /static/ addresses of a page's stylesheets ("href") or scripts ("src")."""
    return re.findall(rf'{kind}="(/static/[^"]+)"', html)


def test_admin_stylesheets_are_served_compressed_and_cached_forever(production_server):
    status, _, body = fetch(f"{production_server}/admin/login/")
    stylesheets = assets(body.decode(), "href")

    assert status == 200 and stylesheets
    for path in stylesheets:
        status, headers, _ = fetch(f"{production_server}{path}", **{"Accept-Encoding": "gzip"})
        assert status == 200, path
        assert headers["Content-Type"].startswith("text/css")
        assert headers["Content-Encoding"] == "gzip"
        assert headers["Cache-Control"] == FOREVER, path


@pytest.mark.parametrize("page", ["/api/docs/", "/api/redoc/"])
def test_docs_scripts_are_served(production_server, page):
    status, headers, body = fetch(f"{production_server}{page}")
    scripts = assets(body.decode(), "src")

    assert status == 200 and "script-src 'self';" in headers["Content-Security-Policy"]
    assert any("/dataexchange/openapi/" in path for path in scripts)
    for path in scripts:
        status, headers, _ = fetch(f"{production_server}{path}")
        assert status == 200, path
        assert "javascript" in headers["Content-Type"]
        assert headers["Cache-Control"] == FOREVER, path


def test_unknown_static_files_answer_404(production_server):
    assert fetch(f"{production_server}/static/admin/css/nothing.css")[0] == 404
