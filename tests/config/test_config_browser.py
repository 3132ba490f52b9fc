"""A real browser creates an endpoint through the admin: picker, two fields, save, list."""

from django.contrib.auth import get_user_model

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

from dataexchange.auth.models import EndpointPermission
from dataexchange.models import Endpoint
from tests.support.browsers import chromium
from tests.support.endpoints import make_endpoint

pytestmark = pytest.mark.browser


@pytest.fixture
def browser():
    """Return a headless Chromium (tests/support/browsers.py)."""
    with chromium() as driver:
        yield driver


def log_in(browser, live_server):
    get_user_model().objects.create_superuser("boss", "boss@example.com", "s3cret-pass!")
    browser.get(f"{live_server.url}/admin/login/")
    browser.find_element(By.NAME, "username").send_keys("boss")
    browser.find_element(By.NAME, "password").send_keys("s3cret-pass!")
    browser.find_element(By.CSS_SELECTOR, "input[type=submit]").click()
    assert browser.find_element(By.ID, "user-tools")


def click(browser, element):
    """Click an element after scrolling it to the middle, clear of the sticky save bar."""
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'});", element)
    element.click()


def enable_field(browser, column):
    for select in browser.find_elements(By.CSS_SELECTOR, "select[name$='-column_name']"):
        if Select(select).first_selected_option.get_attribute("value") == column:
            prefix = select.get_attribute("name").removesuffix("-column_name")
            click(browser, browser.find_element(By.NAME, f"{prefix}-is_enabled"))
            return
    raise AssertionError(f"no field row for {column}")


def test_a_back_office_user_creates_an_endpoint_in_the_browser(
    transactional_db, live_server, browser
):
    log_in(browser, live_server)

    browser.get(f"{live_server.url}/admin/dataexchange/endpoint/")
    browser.find_element(By.CSS_SELECTOR, ".object-tools a.addlink").click()
    Select(browser.find_element(By.ID, "id_table_name")).select_by_value("dxt_part")
    browser.find_element(By.NAME, "_save").click()

    assert (
        "created for table dxt_part" in browser.find_element(By.CSS_SELECTOR, ".messagelist").text
    )
    enable_field(browser, "sku")
    enable_field(browser, "qty")
    click(browser, browser.find_element(By.NAME, "_save"))

    # The click returns when the form is submitted, not when the next page has loaded.
    WebDriverWait(browser, 20).until(lambda b: b.current_url.endswith("/endpoint/"))
    assert browser.current_url.endswith("/admin/dataexchange/endpoint/")
    assert "dxt-parts" in browser.find_element(By.ID, "result_list").text
    endpoint = Endpoint.objects.get(alias="dxt-parts")
    enabled = endpoint.fields.filter(is_enabled=True).values_list("column_name", flat=True)
    assert list(enabled) == ["id_part", "sku", "qty"]


def test_an_endpoint_from_the_empty_state_to_a_first_call(transactional_db, live_server, browser):
    log_in(browser, live_server)
    browser.get(f"{live_server.url}/admin/dataexchange/endpoint/add/")
    browser.find_element(By.CSS_SELECTOR, "#id_table_name option[value=dxt_part]").click()
    browser.find_element(By.NAME, "_save").click()
    enable_field(browser, "sku")
    click(browser, browser.find_element(By.ID, "id_is_active"))
    click(browser, browser.find_element(By.NAME, "_continue"))
    WebDriverWait(browser, 20).until(lambda b: b.find_elements(By.ID, "live-url"))
    browser.find_element(By.ID, "live-url").click()
    assert '"data"' in browser.find_element(By.TAG_NAME, "body").text


def assert_fits(browser, group):
    """Assert that the inline `group` (its element id) needs no sideways scrolling: neither
    inside its box nor on the page."""
    sizes = browser.execute_script(
        "const t = document.getElementById(arguments[0]).querySelector('.tabular');"
        "const page = document.documentElement;"
        "return [t.scrollWidth, t.clientWidth, page.scrollWidth, page.clientWidth];",
        group,
    )
    assert sizes[0] <= sizes[1] and sizes[2] <= sizes[3], (group, sizes)


CUT_OFF = """
    const width = document.documentElement.clientWidth, cut = [];
    for (const e of document.querySelectorAll('#content-main *')) {
      const box = e.getBoundingClientRect(), hides = getComputedStyle(e).overflowX !== 'visible';
      if (box.width && (box.right > width || (hides && e.scrollWidth > e.clientWidth + 1)))
        cut.push(`${e.tagName}.${e.className}`);
    }
    return cut;
"""


def assert_nothing_cut_off(browser):
    """Assert that no element of the page runs past the viewport or is clipped sideways by its
    box (a help text or an error cut off at its end)."""
    assert browser.execute_script(CUT_OFF) == []


def assert_in_view_horizontally(browser, elements):
    """Assert that each element is displayed between the viewport's left and right edges."""
    width = browser.execute_script("return document.documentElement.clientWidth")
    for element in elements:
        assert element.is_displayed(), element.text
        assert 0 <= element.rect["x"] and element.rect["x"] + element.rect["width"] <= width


@pytest.mark.parametrize("width", [1440, 390])
def test_the_field_grid_fits_its_box_and_shows_every_error_at_once(
    transactional_db, live_server, browser, width
):
    log_in(browser, live_server)
    browser.set_window_size(width, 900)
    browser.get(f"{live_server.url}/admin/dataexchange/endpoint/add/")
    browser.find_element(By.CSS_SELECTOR, "#id_table_name option[value=dxt_widget]").click()
    click(browser, browser.find_element(By.NAME, "_save"))
    WebDriverWait(browser, 20).until(lambda b: b.find_elements(By.ID, "fields-group"))
    assert_fits(browser, "fields-group")
    enums = browser.find_elements(By.CSS_SELECTOR, "textarea[name$='-enum_values']")
    enums[1].send_keys("draft, final")  # the text column `code`: accepted
    click(browser, enums[5])
    enums[5].send_keys("draft, final")  # the integer column `stock`: refused
    ident = browser.find_elements(By.CSS_SELECTOR, "input[name$='-is_enabled']")[0]
    click(browser, ident)  # the identifier disabled: a problem of the grid as a whole
    name = browser.find_elements(By.CSS_SELECTOR, "input[name$='-visible_name']")[1]
    name.clear()
    name.send_keys("a b")  # a row's own problem
    click(browser, browser.find_element(By.NAME, "_continue"))
    WebDriverWait(browser, 20).until(lambda b: b.find_elements(By.CSS_SELECTOR, ".errornote"))
    errors = [e.text for e in browser.find_elements(By.CSS_SELECTOR, "#fields-group .errorlist li")]
    assert any("Visible name `a b` is not valid" in e for e in errors), errors
    assert any("must be an enabled field" in e for e in errors), errors
    enum_error = "#fields-group td.field-enum_values .errorlist"
    assert "must be numbers" in browser.find_element(By.CSS_SELECTOR, enum_error).text
    assert_in_view_horizontally(
        browser, browser.find_elements(By.CSS_SELECTOR, "#fields-group .errorlist")
    )
    assert_fits(browser, "fields-group")
    assert_nothing_cut_off(browser)
    kept = browser.find_elements(By.CSS_SELECTOR, "textarea[name$='-enum_values']")[1]
    assert kept.get_attribute("value") == "draft, final"  # kept as typed, and accepted
    assert "Enter a valid JSON" not in browser.page_source


def test_the_permission_grid_fits_its_box_on_a_desktop_and_a_phone(
    transactional_db, live_server, browser
):
    log_in(browser, live_server)
    fields = [("id_part", "integer", {}), ("sku", "string", {})]
    endpoint = make_endpoint("dxt-parts", "dxt_part", "id_part", fields)
    boss = get_user_model().objects.get(username="boss")
    EndpointPermission.objects.create(endpoint=endpoint, user=boss, can_view=True)
    browser.get(f"{live_server.url}/admin/dataexchange/endpoint/{endpoint.pk}/change/")
    add = browser.find_element(By.CSS_SELECTOR, "#permissions-group .add-row a")
    click(browser, add)  # a second, new row: the grid styles rows added in the page too
    rows = "#permissions-group tr.form-row:not(.empty-form)"
    assert len(browser.find_elements(By.CSS_SELECTOR, rows)) == 2
    for width in (1440, 390):
        browser.set_window_size(width, 900)
        assert_fits(browser, "permissions-group")
        labels = [
            browser.execute_script(
                "return getComputedStyle(arguments[0], '::before').content", cell
            )
            for cell in browser.find_elements(By.CSS_SELECTOR, f"{rows} td.field-api_key")
        ]
        assert labels == ['"API key"', '"API key"']
        cells = browser.find_elements(By.CSS_SELECTOR, f"{rows} td[class*=field-]")
        assert_in_view_horizontally(browser, cells)
