"""The pages and the widget ask nobody but the site itself and the chat server for anything, in a real browser.

This is the privacy notice's "no trackers ... the chat does not load anything from other companies ... it only
talks to our chat server" claim, checked while a whole conversation happens and the privacy pages are read;
tests/test_privacy_claims.py checks the same claim in the code, and tests/browser/test_widget.py checks that
nothing is kept in cookies or storage.
"""

from __future__ import annotations

from typing import List
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import BrowserContext, Page, expect

pytestmark = [pytest.mark.slow, pytest.mark.browser]


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


@pytest.mark.hazard("HAZ-07")
@pytest.mark.parametrize("site", ["support", "partner"])
def test_only_the_site_and_the_chat_server_are_asked_for_anything(page: Page, context: BrowserContext, demo, site):
    requested: List[str] = []
    context.on("request", lambda request: requested.append(request.url))

    page.goto(demo.url(site))
    page.locator(".rc-launcher").click()
    expect(page.locator(".rc-msg-bot").first).to_be_visible()
    page.locator(".rc-input").fill("can police get my counselling notes")
    page.keyboard.press("Enter")
    expect(page.locator(".rc-msg-bot", has_text="Source")).to_be_visible()
    page.locator(".rc-reply").first.click()
    expect(page.locator(".rc-msg-user")).to_have_count(2)
    page.goto(page.locator(".rc-privacy a").get_attribute("href"))
    expect(page.locator("h1")).to_contain_text("Privacy")

    asked = {origin_of(url) for url in requested if not url.startswith("data:")}
    assert asked <= {demo.url(site), origin_of(demo.chat_url)}, asked
    assert len(requested) >= 5, "the page, the widget, its stylesheet and the chat API were all requested"
    assert context.cookies() == []
