"""A real browser sets up an alert rule and sees it fire without anyone pressing a button: the
rule is made on the admin's form, API calls fail, the scheduler enqueues `alerts.evaluate`, a
task worker runs it, and the rules list, reloaded, shows the rule firing and freshly evaluated;
the mail has gone out."""

from datetime import timedelta

from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

from dataexchange.exchangelog.models import AlertRule
from dataexchange.jobs.scheduler import schedule_tick
from tests.config.test_config_browser import click, log_in
from tests.exchangelog.conftest import ALIAS, URL, send
from tests.support.browsers import chromium

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("countries", "clean_countries")]
CHANGELIST = reverse("admin:exchangelog_alertrule_changelist")


@pytest.fixture
def browser():
    """Return a headless Chromium (tests/support/browsers.py)."""
    with chromium() as driver:
        yield driver


def create_rule(browser, base):
    """Fill in the add form of an alert rule: two failed items on the countries in an hour."""
    browser.get(f"{base}{CHANGELIST}add/")
    browser.find_element(By.ID, "id_name").send_keys("countries failing")
    Select(browser.find_element(By.ID, "id_kind")).select_by_value("failed_items")
    Select(browser.find_element(By.ID, "id_endpoint")).select_by_value(ALIAS)
    threshold = browser.find_element(By.ID, "id_threshold")
    threshold.clear()
    threshold.send_keys("2")
    browser.find_element(By.ID, "id_recipients").send_keys("ops@example.com")
    click(browser, browser.find_element(By.NAME, "_save"))
    WebDriverWait(browser, 20).until(lambda b: b.current_url.endswith(CHANGELIST))


def shown(browser, selector):
    return browser.find_element(By.CSS_SELECTOR, selector).text.replace("\xa0", " ")


def test_a_rule_made_in_the_browser_fires_through_the_scheduler(
    live_server, browser, api, mailoutbox
):
    log_in(browser, live_server)
    create_rule(browser, live_server.url)
    assert "quiet" in shown(browser, "#result_list tbody tr")
    assert "evaluated never" in shown(browser, ".messagelist")

    too_long = [{"iso2": "DEU", "name": "Germany"}, {"iso2": "NLD", "name": "Netherlands"}]
    response = send(api, "POST", URL, too_long, **{"X-Is-Transactional": "false"})
    assert response.status_code >= 400, response.content
    started = timezone.now()
    assert "alerts.evaluate" in schedule_tick(scheduler="browser-test")
    call_command("db_worker", "--batch", "--no-startup-delay", "--interval", "0", verbosity=0)

    browser.get(f"{live_server.url}{CHANGELIST}")
    row = shown(browser, "#result_list tbody tr")
    assert "● firing" in row, row
    assert "Rules last evaluated 0 minutes ago." in shown(browser, ".messagelist")
    assert shown(browser, "#result_list td.field-evaluated_at") not in ("", "-")
    rule = AlertRule.objects.get()
    assert started - timedelta(seconds=1) <= rule.evaluated_at <= timezone.now()
    assert [mail.to for mail in mailoutbox] == [["ops@example.com"]]
    assert "countries failing" in mailoutbox[0].subject
    assert "2 failed items on exl-countries" in mailoutbox[0].body
