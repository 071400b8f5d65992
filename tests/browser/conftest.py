"""Browser fixtures: Debian's Chromium driven by Playwright against a real server process."""

import os
import shutil
from pathlib import Path

import pytest

from tests.conftest import IN_CI
from tests.servers import running_server

CHROMIUM = os.environ.get("WORKSHOP_TEST_CHROMIUM", "/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--disable-quic"]
PHONE = {"width": 360, "height": 740}
PROJECTOR = {"width": 1920, "height": 1080}
LAPTOP = {"width": 1366, "height": 900}


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


# Run before any page script, outside the page's Content-Security-Policy: every violation (an
# inline style or script, a blocked connection) becomes a console error the tests collect.
REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", function (e) {
  console.error("CSP violation: " + e.violatedDirective + " blocked " + (e.blockedURI || "inline")
                + " at " + e.sourceFile + ":" + e.lineNumber);
});
"""


class CheckedChromium:
    """The browser, whose every page reports Content-Security-Policy violations."""

    def __init__(self, browser):
        self.browser = browser
        self.violations: list[str] = []

    def new_context(self, **kwargs):
        context = self.browser.new_context(**kwargs)
        context.add_init_script(REPORT_VIOLATIONS)
        context.on("console", self._console)
        return context

    def _console(self, message) -> None:
        if message.type == "error" and ("CSP violation" in message.text
                                        or "Content Security Policy" in message.text):
            self.violations.append(message.text)

    def __getattr__(self, name):
        return getattr(self.browser, name)


@pytest.fixture(scope="session")
def chromium():
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        message = f"Chromium not found at {CHROMIUM} (make test installs Debian's package)"
        if IN_CI:
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield CheckedChromium(browser)
        browser.close()


@pytest.fixture(autouse=True)
def no_csp_violations(request):
    """Every page of every browser test keeps the Content-Security-Policy."""
    if "chromium" not in request.fixturenames:
        yield
        return
    browser = request.getfixturevalue("chromium")
    del browser.violations[:]
    yield
    assert browser.violations == []


@pytest.fixture(scope="module")
def live_server(tmp_path_factory):
    with running_server(tmp_path_factory.mktemp("browser")) as server:
        yield server


@pytest.fixture
def screenshot():
    SCREENSHOTS.mkdir(exist_ok=True)

    def take(page, name: str) -> Path:
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=False)
        return path

    return take
