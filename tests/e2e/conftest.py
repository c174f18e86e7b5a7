"""Playwright on Debian's Chromium against a real `nnplayground serve`.

Every page is watched: a console error, an uncaught exception or a request to anything but
127.0.0.1 fails the test that caused it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, Request, sync_playwright

if TYPE_CHECKING:
    from tests.conftest import LiveServer

ROOT = Path(__file__).resolve().parents[2]

SCREENSHOTS = ROOT / "artifacts" / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="package")
def chromium() -> Iterator[Browser]:
    """Debian's Chromium (`playwright install` cannot run here), one for the whole e2e package.

    Not pytest-playwright's session-scoped `browser`: while a sync Playwright is alive it marks an
    asyncio loop as running in the main thread, and every later test calling `asyncio.run` fails.
    Package scope closes it when the browser tests are done.
    """
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@dataclass
class Watch:
    """What a page did that a test must not tolerate."""

    errors: list[str] = field(default_factory=list)
    foreign: list[str] = field(default_factory=list)

    def on_console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.errors.append(f"console: {message.text}")

    def on_request(self, request: Request) -> None:
        host = urlparse(request.url).hostname
        if request.url.startswith(("data:", "blob:")):
            return
        if host != "127.0.0.1":
            self.foreign.append(request.url)


@dataclass
class Playground:
    """Opens pages of the live server, each watched for errors and foreign requests."""

    browser: Browser
    server: LiveServer
    watches: list[Watch] = field(default_factory=list)

    def open(self, fragment: str = "", width: int = 1280, height: int = 800) -> Page:
        context = self.browser.new_context(viewport={"width": width, "height": height})
        page = context.new_page()
        watch = Watch()
        page.on("console", watch.on_console)
        page.on("pageerror", lambda exc: watch.errors.append(f"pageerror: {exc}"))
        page.on("request", watch.on_request)
        self.watches.append(watch)
        page.goto(f"{self.server.url}/{fragment}")
        wait_connected(page)
        return page


def poll(page: Page, predicate: str, arg: Any = None, timeout: float = 20_000) -> None:
    """Wait until the JS function `predicate(arg)` is truthy.

    Not `page.wait_for_function`: its in-page polling evaluates strings, which the page's CSP
    (script-src 'self', no 'unsafe-eval') rightly refuses; `page.evaluate` goes through CDP.
    """
    deadline = time.monotonic() + timeout / 1000
    while not page.evaluate(predicate, arg):
        if time.monotonic() > deadline:
            raise AssertionError(f"still false after {timeout / 1000:.0f} s: {predicate}")
        page.wait_for_timeout(50)


def wait_connected(page: Page) -> None:
    """The socket is open and a first frame has been drawn from."""
    poll(page, "() => window.nnplayground && nnplayground.store.state.connection === 'open'")
    poll(page, "() => nnplayground.store.state.frame !== null")


@pytest.fixture
def playground(chromium: Browser, live_server: LiveServer) -> Iterator[Playground]:
    pg = Playground(chromium, live_server)
    yield pg
    for watch in pg.watches:
        assert watch.errors == [], watch.errors
        assert watch.foreign == [], f"requests left 127.0.0.1: {watch.foreign}"
    for context in chromium.contexts:
        context.close()


@pytest.fixture(scope="session")
def screenshot() -> Callable[[Page, str], Path]:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def save(page: Page, name: str) -> Path:
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path))
        return path

    return save
