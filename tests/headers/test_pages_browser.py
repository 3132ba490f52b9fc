"""A real browser against the production command (DEBUG=0, gunicorn, collected static files):
the admin is styled, Swagger UI calls the API, Redoc shows the document and does not run a
hostile description, and the Content-Security-Policy reports nothing on any of them.

Runs on SQLite only (see `production_server`): the database plays no part here.
"""

from django.contrib.auth import get_user_model
from django.db import connection

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ready
from selenium.webdriver.support.ui import WebDriverWait

from dataexchange.models import Endpoint
from tests.auth.conftest import grant, make_key
from tests.support.browsers import chromium
from tests.support.endpoints import make_endpoint

pytestmark = [pytest.mark.browser, pytest.mark.multiprocess]

PASSWORD = "s3cret-pass!"
MARKER = "hostile-marker"
HOSTILE = f'Gadgets. <details open ontoggle="window.dxPwned = 1">{MARKER}</details>'
OPERATION = "operations-dynamic-entity-gadgets-get-collection-dynamic-api-gadgets"
TRANSPARENT = ("rgba(0, 0, 0, 0)", "transparent")
# Chromium reports an inline handler even when it merely parses it into an inert document, as
# the sanitiser (DOMPurify) does to strip it; such a report names the line that parsed it.
INERT_PARSE = "Executing inline event handler violates"


@pytest.fixture
def site(production_server, transactional_db):
    """A table with two rows behind the endpoint `gadgets`, an admin user and an API key that
    may read it; return the API key's secret."""
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE dxh_gadget (id INTEGER PRIMARY KEY, name VARCHAR(40))")
        cursor.execute("INSERT INTO dxh_gadget (id, name) VALUES (1, 'sprocket'), (2, 'cog')")
    fields = [dict(column_name="id", type="integer"), dict(column_name="name", type="string")]
    endpoint = make_endpoint("gadgets", "dxh_gadget", "id", fields, description="Gadgets.")
    boss = get_user_model().objects.create_superuser("boss", "boss@example.com", PASSWORD)
    key, raw = make_key(boss)
    grant(endpoint, "view", api_key=key)
    yield raw
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE dxh_gadget")


@pytest.fixture
def browser():
    with chromium(console=True) as driver:
        yield driver


def wait(driver, condition, seconds=20):
    return WebDriverWait(driver, seconds).until(condition)


def problems(driver):
    """Return the console's CSP violations and failed static loads since the last call."""
    messages = [m["message"] for m in driver.get_log("browser")]
    failed_static = [m for m in messages if "Failed to load" in m and "/static/" in m]
    return [m for m in messages if "Content Security Policy" in m] + failed_static


def log_in(driver, base):
    """Log in to the admin as the superuser: the documentation then shows every endpoint."""
    driver.get(f"{base}/admin/login/")
    driver.find_element(By.NAME, "username").send_keys("boss")
    driver.find_element(By.NAME, "password").send_keys(PASSWORD)
    driver.find_element(By.CSS_SELECTOR, "input[type=submit]").click()
    wait(driver, ready.presence_of_element_located((By.ID, "user-tools")))


def admin_is_styled(driver, base):
    log_in(driver, base)
    script = "return getComputedStyle(document.getElementById('header')).backgroundColor"
    assert driver.execute_script(script) not in TRANSPARENT
    driver.get(f"{base}/admin/dataexchange/endpoint/")
    driver.find_element(By.LINK_TEXT, "gadgets").click()
    wait(driver, ready.presence_of_element_located((By.NAME, "_save")))


def authorize(driver, api_key):
    """Enter the API key in Swagger UI's "Authorize" dialog."""
    wait(driver, ready.element_to_be_clickable((By.CSS_SELECTOR, ".btn.authorize"))).click()
    scheme = driver.find_element(
        By.XPATH, "//div[contains(@class,'auth-container')][.//code[text()='apiKeyHeader']]"
    )
    scheme.find_element(By.CSS_SELECTOR, "input").send_keys(api_key)
    scheme.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    driver.find_element(By.CSS_SELECTOR, ".btn-done").click()


def click_centred(driver, element):
    """Click an element scrolled to the middle, clear of Swagger UI's sticky Authorize bar."""
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", element)
    element.click()


def swagger_reads_rows(driver, base, api_key):
    driver.get(f"{base}/api/docs/")
    authorize(driver, api_key)
    operation = wait(driver, ready.presence_of_element_located((By.ID, OPERATION)))
    click_centred(driver, operation.find_element(By.CSS_SELECTOR, ".opblock-summary-control"))
    click_centred(
        driver, wait(driver, ready.element_to_be_clickable((By.CSS_SELECTOR, ".try-out__btn")))
    )
    # No parameter box is pre-filled: the request is sent as is.
    boxes = operation.find_elements(By.CSS_SELECTOR, ".parameters input, .parameters textarea")
    assert [box.get_attribute("value") for box in boxes] == [""] * len(boxes)
    click_centred(
        driver, wait(driver, ready.element_to_be_clickable((By.CSS_SELECTOR, ".btn.execute")))
    )
    status = (By.CSS_SELECTOR, ".live-responses-table tr.response .response-col_status")
    wait(driver, ready.text_to_be_present_in_element(status, "200"))
    assert "sprocket" in driver.find_element(By.CSS_SELECTOR, ".live-responses-table").text
    assert "X-Api-Key" in driver.find_element(By.CSS_SELECTOR, ".curl-command").text


def redoc_shows(driver, base, text):
    """Open Redoc and return the element holding `text` once the document is rendered."""
    driver.get(f"{base}/api/redoc/")
    return wait(driver, ready.presence_of_element_located((By.XPATH, text)), 30)


def test_admin_and_docs_work_under_the_policy(production_server, site, browser):
    found = {}
    admin_is_styled(browser, production_server)
    found["admin"] = problems(browser)
    swagger_reads_rows(browser, production_server, site)
    found["swagger"] = problems(browser)
    redoc_shows(browser, production_server, "//*[text()='Gadgets.']")
    found["redoc"] = problems(browser)

    assert found == {"admin": [], "swagger": [], "redoc": []}


def test_redoc_does_not_run_a_hostile_description(production_server, site, browser):
    endpoint = Endpoint.objects.get(alias="gadgets")
    endpoint.description = HOSTILE
    endpoint.save()
    log_in(browser, production_server)
    details = redoc_shows(browser, production_server, f"//details[contains(., '{MARKER}')]")

    assert details.get_attribute("ontoggle") is None
    assert browser.execute_script("return document.querySelectorAll('[ontoggle]').length") == 0
    assert browser.execute_script("return window.dxPwned") is None
    # No live element carries the handler (above), so a report left is the sanitiser's parse.
    assert [m for m in problems(browser) if INERT_PARSE not in m] == []
