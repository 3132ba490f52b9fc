"""A real browser on the documentation pages: Authorize in view, "Try it out" returns rows for a
user who is not staff, and Redoc shows the endpoints of a pasted API key."""

import io
import json

from django.core.management import call_command

import pytest
from rest_framework.test import APIClient
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

from dataexchange.auth.models import ApiKey, EndpointPermission
from dataexchange.models import Endpoint
from tests.api.test_demo_countries import ENDPOINTS_FILE
from tests.support.browsers import chromium

pytestmark = pytest.mark.browser
OPERATION = "operations-dynamic-entity-countries-get-collection-dynamic-api-countries"
STATUS = ".live-responses-table tr.response .response-col_status"


@pytest.fixture
def browser():
    with chromium() as driver:
        yield driver


@pytest.fixture
def countries(transactional_db, demo_data, live_server):
    """Return the demo `countries` endpoint, with every demo endpoint configured."""
    call_command("import_endpoints", str(ENDPOINTS_FILE), stdout=io.StringIO())
    return Endpoint.objects.get(alias="countries")


@pytest.fixture
def token(countries, django_user_model):
    """Return a bearer token of a user who is not staff and may only view `countries`."""
    user = django_user_model.objects.create_user("reader", "reader@example.com", "docs-pass-1!")
    EndpointPermission.objects.create(endpoint=countries, user=user, can_view=True)
    response = APIClient().post(
        "/token", {"grant_type": "password", "username": "reader", "password": "docs-pass-1!"}
    )
    assert response.status_code == 200, response.content
    return response.json()["access_token"]


@pytest.fixture
def api_key(countries, django_user_model):
    """Return an API key that may only view `countries`."""
    owner = django_user_model.objects.create_user("owner", "owner@example.com", "docs-pass-2!")
    key = ApiKey(name="docs reader", owner=owner)
    raw = key.set_new_key()
    key.save()
    EndpointPermission.objects.create(endpoint=countries, api_key=key, can_view=True)
    return raw


def wait_for(browser, selector, seconds=30):
    return WebDriverWait(browser, seconds).until(
        lambda b: b.find_element(By.CSS_SELECTOR, selector)
    )


def click(browser, element):
    """Click an element after scrolling it to the middle, clear of the sticky Authorize bar."""
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'});", element)
    element.click()


def authorize(browser, token):
    """Log in through Swagger UI's Authorize dialog with a bearer token."""
    button = wait_for(browser, ".scheme-container .btn.authorize")
    top = browser.execute_script("return arguments[0].getBoundingClientRect().top;", button)
    assert top < 300, f"Authorize is {top} px down"
    button.click()
    field = wait_for(browser, ".modal-ux input[type=text], .modal-ux input[type=password]")
    field.send_keys(token)
    browser.find_element(By.CSS_SELECTOR, ".modal-ux .auth-btn-wrapper .authorize").click()
    browser.find_element(By.CSS_SELECTOR, ".modal-ux .btn-done").click()


def test_swagger_try_it_out_on_a_get_returns_rows(token, live_server, browser):
    browser.get(f"{live_server.url}/api/docs/")
    authorize(browser, token)
    operation = wait_for(browser, f"#{OPERATION}")  # the document reloaded with credentials
    click(browser, operation.find_element(By.CSS_SELECTOR, ".opblock-summary-control"))
    click(browser, wait_for(browser, f"#{OPERATION} .try-out__btn"))
    boxes = operation.find_elements(By.CSS_SELECTOR, ".parameters input, .parameters textarea")
    assert boxes and all(box.get_attribute("value") == "" for box in boxes), [
        box.get_attribute("value") for box in boxes
    ]
    click(browser, wait_for(browser, f"#{OPERATION} .execute"))
    status = wait_for(browser, f"#{OPERATION} {STATUS}")
    assert status.text.strip().startswith("200"), status.text
    body = operation.find_element(By.CSS_SELECTOR, ".live-responses-table .microlight").text
    rows = json.loads(body)["data"]
    assert len(rows) > 200 and {"iso2_code", "name"} <= set(rows[0])


def test_redoc_shows_the_endpoints_of_a_pasted_api_key(api_key, live_server, browser):
    browser.get(f"{live_server.url}/api/redoc/")
    wait_for(browser, "#redoc-container .api-content")
    assert "countries" not in browser.find_element(By.ID, "redoc-container").text
    Select(browser.find_element(By.ID, "redoc-credential-kind")).select_by_value("apikey")
    browser.find_element(By.ID, "redoc-credential").send_keys(api_key)
    browser.find_element(By.CSS_SELECTOR, "#redoc-credentials button[type=submit]").click()
    WebDriverWait(browser, 30).until(
        lambda b: "dynamic-entity-countries" in b.find_element(By.ID, "redoc-container").text
    )
    status = browser.find_element(By.ID, "redoc-credentials-status").text
    assert "your API key" in status
