"""Browser test fixtures: the two demo sites on free ports, and Debian's Chromium driven by Playwright.

The sites are web/server.py, as `make run` starts them, on the ports the test Rasa server's website channel
allows (tests/conftest.py DEMO_PORTS). Each site's quick exit goes to the other site's /neutral page, so
leaving is a real change of website and no internet is needed. Nothing is downloaded: Playwright drives
/usr/bin/chromium (scripts/test.sh installs it with apt when it is missing).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Iterator, List

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Response, sync_playwright

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SITES = ("support", "partner")


@dataclass(frozen=True)
class DemoSites:
    """The running demo sites and the chat server they embed."""

    urls: Dict[str, str]  # site -> http://localhost:<port>
    chat_url: str

    def url(self, site: str) -> str:
        return self.urls[site]

    def other(self, site: str) -> str:
        return next(name for name in SITES if name != site)

    def exit_url(self, site: str) -> str:
        """Where quick exit on `site` goes: the other site's neutral page."""
        return f"{self.urls[self.other(site)]}/neutral"

    @property
    def widget_src(self) -> str:
        return f"{self.chat_url}/webhooks/website/widget.js"


def _wait_until_up(url: str, process: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"the demo site for {url} exited with {process.returncode}")
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except OSError:
            if time.monotonic() > deadline:
                raise TimeoutError(f"{url} did not answer within {timeout} s") from None
            time.sleep(0.3)


@pytest.fixture(scope="session")
def demo(servers, website) -> Iterator[DemoSites]:
    """Both demo sites, embedding the widget from the test Rasa server."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    sites = DemoSites(dict(website["origins"]), servers.rasa_url)
    processes: List[subprocess.Popen] = []
    try:
        for site in SITES:
            env = {**os.environ, "RC_CHAT_URL": sites.chat_url, "RC_EXIT_URL": sites.exit_url(site)}
            command = [sys.executable, "-m", "web.server", "--site", site, "--port", str(website["ports"][site])]
            log = (ARTIFACTS / f"web-{site}.log").open("w")
            processes.append(subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT))
        for site, process in zip(SITES, processes):
            _wait_until_up(f"http://127.0.0.1:{website['ports'][site]}/", process)
        yield sites
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=10)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Chromium for one test module. Module scope on purpose: Playwright's sync API keeps an asyncio loop
    running while it is open, which would break later tests that call asyncio.run()."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: scripts/test.sh installs it (apt-get install chromium)")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture()
def context(browser: Browser) -> Iterator[BrowserContext]:
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="en-GB")
    context.set_default_timeout(30_000)
    yield context
    context.close()


@pytest.fixture()
def console_errors() -> List[str]:
    """Script errors and failed loads on `page`. The test fails if any are left here at the end, so a test
    that expects some (a refused origin) checks them and clears the list."""
    return []


@pytest.fixture()
def page(context: BrowserContext, console_errors: List[str]) -> Iterator[Page]:
    page = context.new_page()
    page.on("pageerror", lambda error: console_errors.append(f"page error: {error}"))
    page.on("console", lambda message: console_errors.append(message.text) if message.type == "error" else None)
    yield page
    assert not console_errors, console_errors


@pytest.fixture()
def tokens(page: Page) -> List[str]:
    """Every session token the widget on `page` receives, to check later that it no longer works."""
    seen: List[str] = []

    def on_response(response: Response) -> None:
        if response.request.method == "POST" and response.url.endswith(("/session", "/message")) and response.ok:
            seen.append(response.json()["token"])

    page.on("response", on_response)
    return seen
