"""Real-browser testing: Debian's chromium driven by Playwright (sync API) against the live server.

Never downloads a browser (``playwright install`` is not used): Playwright drives the system's
``chromium`` (``apt install chromium``; ``.ci/run`` installs it). Without it, browser tests skip
with that reason, except under ``CI=true``, where they fail (see ``require_tool``).

Fixtures, imported by a test module (``from tests.web.browser import chromium, open_page, page``):

* ``chromium``: one browser per test module (launching costs ~0.5 s).
* ``open_page(locale="en-GB")``: a new page in a new browser context (own cookies) on the ``live``
  server, so one test can act as two people. Every page records console errors, uncaught script
  errors, Content-Security-Policy violations and requests to any other origin (pages must work
  offline); the test fails at teardown if there were any, except those the test expected
  (``expect_status(page, 401)``, or ``log_of(page).allow(regex)``).
* ``page``: ``open_page()`` once, for the common case.

Helpers (plain functions of a page, language-independent selectors): :func:`log_in`, :func:`log_out`,
:func:`choose_language`, :func:`submit`, :func:`expect_status`, :func:`upload`, and :func:`map_points`
(where a Leaflet map drew its sites on its canvas: to check it drew, and to click one).
"""

from __future__ import annotations

import re
import shutil
import time
from dataclasses import dataclass, field
from urllib.parse import quote

import pytest

from tests.web.conftest import PASSWORD, require_tool

# --no-sandbox: CI runs as root, where chromium's sandbox cannot start. --disable-dev-shm-usage: a
# container's small /dev/shm would crash the renderer (Debian's launcher adds it only sometimes).
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--no-first-run", "--disable-sync", "--disable-quic", "--disable-dev-shm-usage"]
TIMEOUT_MS = 10_000  # a page of ours that takes longer than this on loopback is a failure, not slowness

# Reported as console errors, so that a CSP violation cannot pass unseen even if Chromium's own
# console message about it changed. Runs before the page's scripts (CDP bypasses the page's CSP).
_CSP_LISTENER = """
document.addEventListener('securitypolicyviolation', (e) => {
  console.error('CSP violation: ' + e.violatedDirective + ' blocked ' + (e.blockedURI || 'inline') +
                ' at ' + e.sourceFile + ':' + e.lineNumber);
});
"""


def chromium_path() -> str | None:
    """Debian's chromium (the launcher script, which applies /etc/chromium.d), or None."""
    return shutil.which("chromium")


@dataclass
class BrowserLog:
    """What went wrong in a page: console errors, uncaught exceptions, CSP violations."""

    errors: list[str] = field(default_factory=list)
    allowed: list[re.Pattern] = field(default_factory=list)

    def allow(self, pattern: str) -> None:
        """Expect errors matching ``pattern`` (a regex searched in the message)."""
        self.allowed.append(re.compile(pattern))

    def on_console(self, message) -> None:
        if message.type == "error":
            where = message.location.get("url", "") if message.location else ""
            self.errors.append(f"console error ({where}): {message.text}")

    def on_page_error(self, error) -> None:
        self.errors.append(f"uncaught script error: {error}")

    def on_request(self, origin: str):
        """Pages must work offline: every request goes to minewatch itself (no CDN, no tiles)."""

        def check(request) -> None:
            url = request.url
            if not (url == origin or url.startswith(origin + "/") or url.startswith(("data:", "blob:"))):
                self.errors.append(f"request to another origin: {request.method} {url}")

        return check

    def unexpected(self) -> list[str]:
        return [e for e in self.errors if not any(p.search(e) for p in self.allowed)]



@pytest.fixture(scope="module")
def chromium():
    """Debian's chromium, headless, launched by Playwright once for the test module."""
    path = chromium_path()
    require_tool("browser", path is not None, "Debian's chromium is not installed (apt install chromium)")
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS, headless=True)
    except Exception:
        playwright.stop()
        raise
    yield browser
    browser.close()
    playwright.stop()


@pytest.fixture
def open_page(chromium, live):
    """``open_page(locale=...)``: a page in a fresh browser context on the live server."""
    opened = []

    def open_(*, locale: str = "en-GB"):
        context = chromium.new_context(base_url=live.url, locale=locale, service_workers="block")
        context.set_default_timeout(TIMEOUT_MS)
        context.add_init_script(script=_CSP_LISTENER)
        page = context.new_page()
        log = BrowserLog()
        page.on("console", log.on_console)
        page.on("pageerror", log.on_page_error)
        page.on("request", log.on_request(live.url))
        _LOGS[id(page)] = log
        opened.append((context, page, log))
        return page

    yield open_
    problems = []
    for context, page, log in opened:
        problems += log.unexpected()
        _LOGS.pop(id(page), None)
        context.close()
    if problems:
        pytest.fail("the browser reported errors:\n  " + "\n  ".join(problems), pytrace=False)


@pytest.fixture
def page(open_page):
    """A page in a fresh context (English) on the live server."""
    return open_page()


_LOGS: dict[int, BrowserLog] = {}


def log_of(page) -> BrowserLog:
    """The error log of a page opened by ``open_page``."""
    return _LOGS[id(page)]


def expect_status(page, status: int) -> None:
    """The next document is expected to answer ``status`` (Chromium logs a console error for it)."""
    log_of(page).allow(rf"the server responded with a status of {status}\b")


def submit(page, form: str, *, button: str = "[type=submit]"):
    """Submit ``form`` (a CSS selector) with its button; waits for the new page, returns its HTTP status."""
    with page.expect_navigation() as navigation:
        page.locator(f"{form} {button}").first.click()
    return navigation.value.status


def log_in(page, email: str, password: str = PASSWORD, *, next: str | None = None) -> int:
    """Log in through the login form; returns the HTTP status of the page landed on."""
    page.goto("/login" + (f"?next={quote(next)}" if next else ""))
    page.locator("form[action='/login'] input[name=email]").fill(email)
    page.locator("form[action='/login'] input[name=password]").fill(password)
    return submit(page, "form[action='/login']")


def log_out(page) -> int:
    return submit(page, "form[action='/logout']")


def choose_language(page, language: str) -> int:
    """Pick ``language`` (en, fr, es) in the header's language selector and apply it."""
    page.locator("#language").select_option(language)
    return submit(page, "form[action='/language']")


def upload(page, selector: str, path) -> None:
    """Put a file into a file input (``input[type=file]``)."""
    page.locator(selector).set_input_files(str(path))


# Interior pixels of the circles a Leaflet canvas layer drew (sites are drawn on one canvas, not as
# DOM nodes): a pixel whose neighbours 3 px away are all painted is inside a circle of radius 5.
_PAINTED_POINTS = """([selector, limit]) => {
  const canvas = document.querySelector(selector + ' .leaflet-overlay-pane canvas');
  const map = document.querySelector(selector);
  if (!canvas || !map || map.querySelector('.leaflet-zoom-anim')) { return null; }  // still zooming
  const w = canvas.width, h = canvas.height;
  const rect = canvas.getBoundingClientRect(), view = map.getBoundingClientRect();
  if (!w || !h || Math.abs(rect.width * window.devicePixelRatio - w) > 1) { return null; }  // scaled mid-animation
  const data = canvas.getContext('2d').getImageData(0, 0, w, h).data;
  const painted = (x, y) => x >= 0 && y >= 0 && x < w && y < h && data[(y * w + x) * 4 + 3] > 200;
  const points = [];
  for (let y = 3; y < h - 3 && points.length < limit; y += 2) {
    for (let x = 3; x < w - 3 && points.length < limit; x += 2) {
      if (painted(x, y) && painted(x - 3, y) && painted(x + 3, y) && painted(x, y - 3) && painted(x, y + 3)) {
        const px = rect.left + x * rect.width / w, py = rect.top + y * rect.height / h;
        if (px > view.left && px < view.right && py > view.top && py < view.bottom) { points.push([px, py]); }
      }
    }
  }
  return points;
}"""


def map_points(page, selector: str = "#map", *, limit: int = 50) -> list[tuple[float, float]]:
    """Page coordinates inside the circles drawn on a Leaflet map's canvas, once it has drawn some.

    Polls with ``page.evaluate`` rather than ``wait_for_function``, which some Playwright releases
    run through ``eval`` in the page: our CSP (no 'unsafe-eval') refuses that."""
    deadline = time.monotonic() + TIMEOUT_MS / 1000
    while True:
        points = page.evaluate(_PAINTED_POINTS, [selector, limit])
        if points:
            return [tuple(p) for p in points]
        if time.monotonic() > deadline:
            raise AssertionError(f"nothing drawn on the map {selector} within {TIMEOUT_MS} ms")
        page.wait_for_timeout(50)
