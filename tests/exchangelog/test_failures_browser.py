"""A real browser finds failures: a failed item by a value it was sent, in three clicks, then
triaged; the exchange list on a phone shows a failed item's message without sideways scrolling."""

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

from dataexchange.exchangelog.models import ExchangeItem
from tests.config.test_config_browser import click, log_in
from tests.exchangelog.conftest import URL, send
from tests.support.browsers import chromium

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("countries", "clean_countries")]


@pytest.fixture
def browser():
    """Return a headless Chromium (tests/support/browsers.py)."""
    with chromium() as driver:
        yield driver


@pytest.fixture
def failed(api):
    """A stored DE, then a batch whose DE duplicate (named DEU) fails."""
    send(api, "POST", URL, [{"iso2": "DE", "name": "Germany"}])
    body = [{"iso2": "DE", "name": "DEU"}, {"iso2": "NL", "name": "Netherlands"}]
    send(api, "POST", URL, body, **{"X-Is-Transactional": "false"})
    return ExchangeItem.objects.get(status="failed")


def test_find_a_failed_item_by_a_sent_value_in_three_clicks_and_resolve_it(
    live_server, browser, failed
):
    log_in(browser, live_server)
    browser.get(f"{live_server.url}/admin/")
    browser.find_element(By.LINK_TEXT, "Exchange items").click()  # 1
    search = browser.find_element(By.ID, "searchbar")
    search.send_keys("DEU")
    search.send_keys(Keys.ENTER)  # 2
    rows = browser.find_elements(By.CSS_SELECTOR, "#result_list tbody tr")
    assert len(rows) == 1 and "Failed to persist" in rows[0].text
    rows[0].find_element(By.CSS_SELECTOR, "th a").click()  # 3
    assert "Entry is duplicated" in browser.find_element(By.ID, "content").text

    form = browser.find_element(By.ID, "triage-form")
    form.find_element(By.NAME, "note").send_keys("duplicate sent by the ERP")
    click(browser, form.find_element(By.CSS_SELECTOR, "button[value=resolve]"))
    WebDriverWait(browser, 20).until(
        lambda b: "1 failure resolved." in b.find_element(By.CSS_SELECTOR, ".messagelist").text
    )
    failed.refresh_from_db()
    assert failed.triage == ExchangeItem.Triage.RESOLVED
    assert failed.triage_note == "duplicate sent by the ERP"


def test_exchange_list_on_a_phone_shows_the_failure_message(live_server, browser, failed):
    log_in(browser, live_server)
    browser.set_window_size(390, 844)
    browser.get(f"{live_server.url}/admin/exchangelog/exchange/")
    width = browser.execute_script("return window.innerWidth")
    assert width <= 400
    message = browser.find_element(By.CSS_SELECTOR, "#result_list td.field-message")
    assert "Failed to persist" in message.text and message.is_displayed()
    box = browser.execute_script(
        "const r = arguments[0].getBoundingClientRect(); return [r.left, r.right];", message
    )
    assert 0 <= box[0] and box[1] <= width, box
    jump = browser.find_element(By.CSS_SELECTOR, "a.dx-jump")
    assert jump.is_displayed() and jump.location["y"] < message.location["y"]
