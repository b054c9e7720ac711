"""A real headless Chromium for tests and benchmarks, driven through Selenium.

Debian's ``chromium`` and ``chromium-driver`` (the same source package, so the driver
always matches the browser); scripts/test.sh installs both. Selenium is given both paths,
so it never looks for (or downloads) a driver of its own: the machine may be offline.

Chromium is started as the office PC would not start it, but as a test needs: headless,
without the sandbox (root in a container cannot have it), without GPU, first-run pages,
background networking, component updates or sync, in a fresh profile folder.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

CHROMIUM_NAMES = ("chromium", "chromium-browser")
DRIVER_NAMES = ("chromedriver",)
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


def _which(names: tuple[str, ...]) -> str | None:
    return next((found for n in names if (found := shutil.which(n))), None)


def available() -> bool:
    """Chromium, its driver and Selenium are all installed."""
    try:
        import selenium  # noqa: F401
    except ImportError:
        return False
    return _which(CHROMIUM_NAMES) is not None and _which(DRIVER_NAMES) is not None


@contextmanager
def browser(width: int = 1280, height: int = 1000) -> Iterator:
    """A Selenium WebDriver on a fresh headless Chromium; quit (and its profile removed)
    on exit."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    os.environ.setdefault("SE_AVOID_STATS", "true")  # Selenium Manager: no telemetry
    profile = tempfile.mkdtemp(prefix="gk-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = _which(CHROMIUM_NAMES) or "chromium"
    for flag in (*FLAGS, f"--user-data-dir={profile}", f"--window-size={width},{height}"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})  # the page's errors
    driver = webdriver.Chrome(options=options, service=Service(_which(DRIVER_NAMES)))
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def file_url(path: Path) -> str:
    """The address a double-click opens: ``file://`` and the absolute path."""
    return Path(path).resolve().as_uri()


def full_page_screenshot(driver, path: Path, width: int = 1280, limit: int = 12000) -> None:
    """A PNG of the whole page (the window grown to its height, up to ``limit`` pixels)."""
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(width, min(int(height) + 40, limit))
    driver.save_screenshot(str(path))
