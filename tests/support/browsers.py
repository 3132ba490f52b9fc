"""Headless Chromium for browser tests: Debian's chromium and chromedriver, nothing downloaded."""

import os
import tempfile
from contextlib import contextmanager

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
CHROME_FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--window-size=1600,1000",
)


@contextmanager
def chromium(*, console=False):
    """Yield a headless Chromium; fail (CI installs it) rather than skip when it is missing.
    With `console`, `driver.get_log("browser")` returns the console, CSP violations included."""
    for binary in (CHROMIUM, CHROMEDRIVER):
        if not os.access(binary, os.X_OK):
            pytest.fail(f"{binary} is missing: install Debian's chromium and chromium-driver.")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in CHROME_FLAGS:
        options.add_argument(flag)
    if console:
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    with tempfile.TemporaryDirectory(prefix="dx-chromium-") as profile:
        options.add_argument(f"--user-data-dir={profile}")
        # An explicit driver path keeps Selenium Manager from trying to download anything.
        driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
        driver.implicitly_wait(5)
        try:
            yield driver
        finally:
            driver.quit()
