"""Regenerate the screenshots of the admin's main pages into docs/screenshots/.

    .venv/bin/python scripts/screenshots.py [--out docs/screenshots]

Self-contained: a throw-away SQLite database in a temporary directory gets the migrations, a
small demo catalogue and the demo endpoints; a development server on a free local port serves
it; a few writes fail on purpose (a duplicate country named DEU, a too long ISO code), one is
fixed later, so the exchange log has something to show; a user `erp` is granted `countries`, so
its permission grid has a row; then headless Chromium (Debian's, as the browser tests use)
photographs each page at 1440 px, and the lists and an endpoint's page again at 390 px.
"""

import argparse
import base64
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PASSWORD = "screenshots-Pass-1"  # noqa: S105  (a throw-away database's user)
PAGES = (  # file name, path, width
    ("dashboard", "/admin/exchangelog/exchange/dashboard/", 1440),
    ("exchanges", "/admin/exchangelog/exchange/", 1440),
    ("exchanges-phone", "/admin/exchangelog/exchange/", 390),
    ("failures", "/admin/exchangelog/exchangeitem/", 1440),
    ("failures-search-DEU", "/admin/exchangelog/exchangeitem/?q=DEU", 1440),
    ("failures-phone", "/admin/exchangelog/exchangeitem/", 390),
    ("failure", "/admin/exchangelog/exchangeitem/1/change/", 1440),
    ("endpoints", "/admin/dataexchange/endpoint/", 1440),
    ("endpoint-change", "/admin/dataexchange/endpoint/2/change/", 1440),
    ("endpoint-change-phone", "/admin/dataexchange/endpoint/2/change/", 390),
    ("endpoint-add", "/admin/dataexchange/endpoint/add/", 1440),
)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def manage(env, *args):
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True)


def request(base, method, path, body=None, token=None, headers=None):
    """Send a JSON request to the served API; return (status, parsed body)."""
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(f"{base}{path}", data=data, method=method)
    req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    for name, value in (headers or {}).items():
        req.add_header(name, value)
    try:
        with urllib.request.urlopen(req, timeout=30) as response:  # noqa: S310 (local server)
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def token_of(base):
    form = f"grant_type=password&username=admin&password={PASSWORD}".encode()
    req = urllib.request.Request(f"{base}/token", data=form, method="POST")
    with urllib.request.urlopen(req, timeout=30) as response:  # noqa: S310 (local server)
        return json.loads(response.read())["access_token"]


def wait_until_up(base, server):
    for _ in range(300):
        if server.poll() is not None:
            sys.exit("the development server stopped")
        try:
            urllib.request.urlopen(f"{base}/admin/login/", timeout=2)  # noqa: S310
            return
        except OSError:
            time.sleep(0.2)
    sys.exit("the development server did not start")


def fill_the_log(base):
    """Writes that fail and succeed, so the log's pages have something to show."""
    token = token_of(base)
    path = "/dynamic-entity/countries"
    loose = {"X-Is-Transactional": "false"}
    request(base, "POST", path, {"data": [{"iso2_code": "DE", "iso3_code": "DEU", "name": "DEU"}]},
            token, loose)  # fmt: skip
    request(base, "POST", path, {"data": [{"iso2_code": "TOOLONG", "iso3_code": "TLG"},
                                          {"iso2_code": "XA", "iso3_code": "XAA", "name": "A"}]},
            token, loose)  # fmt: skip
    request(base, "POST", path, {"data": [{"iso2_code": "XB", "iso3_code": "XBBB"}]}, token)
    request(base, "POST", path, {"data": [{"iso2_code": "XB", "iso3_code": "XBB", "name": "B"}]},
            token)  # fmt: skip
    request(base, "GET", path, token="wrong")


GRANT = """
from django.contrib.auth.models import User
from dataexchange.auth.models import EndpointPermission
from dataexchange.models import Endpoint
erp = User.objects.create_user("erp", "erp@example.com")
EndpointPermission.objects.create(
    endpoint=Endpoint.objects.get(alias="countries"), user=erp, can_view=True, can_create=True
)
"""


def grant_the_erp(env):
    """A user `erp` that may read and create countries: the endpoint's permission grid has a row."""
    manage(env, "shell", "-c", GRANT)


def shoot(base, out):
    from selenium.webdriver.common.by import By

    from tests.support.browsers import chromium

    out.mkdir(parents=True, exist_ok=True)
    with chromium() as browser:
        browser.get(f"{base}/admin/login/")
        browser.find_element(By.NAME, "username").send_keys("admin")
        browser.find_element(By.NAME, "password").send_keys(PASSWORD)
        browser.find_element(By.CSS_SELECTOR, "input[type=submit]").click()
        browser.find_element(By.ID, "user-tools")
        for name, path, width in PAGES:
            browser.set_window_size(width, 900)
            browser.get(f"{base}{path}")
            height = browser.execute_script("return document.documentElement.scrollHeight")
            shot = browser.execute_cdp_cmd(
                "Page.captureScreenshot",
                {
                    "captureBeyondViewport": True,
                    "clip": {
                        "x": 0,
                        "y": 0,
                        "width": width,
                        "height": min(height, 2400),
                        "scale": 1,
                    },
                },
            )
            (out / f"{name}.png").write_bytes(base64.b64decode(shot["data"]))
            print(f"{out / name}.png")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="dx-screens-") as tmp:
        env = {
            **os.environ,
            "DATABASE_URL": f"sqlite:///{tmp}/db.sqlite3",
            "DJANGO_SUPERUSER_PASSWORD": PASSWORD,
            "DEBUG": "1",
        }
        manage(env, "migrate", "--noinput", "-v0")
        manage(env, "load_demo", "--products", "50", "--quiet")
        manage(env, "import_endpoints", str(ROOT / "dataexchange" / "demo" / "endpoints.json"))
        manage(
            env,
            "createsuperuser",
            "--noinput",
            "--username",
            "admin",
            "--email",
            "admin@example.com",
        )
        grant_the_erp(env)
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        server = subprocess.Popen(
            [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            wait_until_up(base, server)
            fill_the_log(base)
            shoot(base, options.out)
        finally:
            server.terminate()
            server.wait(timeout=10)


if __name__ == "__main__":
    main()
