"""What the assistant tells people about their privacy is true of the code and configuration.

Two texts make promises: the plain-English answer to "what do you keep?" (data/knowledge/privacy.yml, intent
privacy_question) and the privacy page (web/templates/privacy.html, served by web/server.py and by the
website channel). Each promise is checked here against what enforces it, so that changing the code without
the words (or the words without the code) fails:

| promise | checked against |
|---|---|
| forgotten after N minutes with no messages | domain.yml session_config.session_expiration_time |
| what is taken out before a chat is kept | privacy/redaction.py's kinds, privacy/tracker_store.py's place and age |
| nothing typed reaches the logs | deploy/logging.yml and every script using it; tests/test_privacy_logs.py runs it |
| no cookies, no local storage (session storage only if the site opts in) | web/widget/widget.js; browser tests |
| no trackers, nothing loaded from other companies | widget.js, widget.css, the pages; a browser test |
| Exit or Clear deletes the chat from the server | the channel's /end route; browser and channel tests |
| Exit or Shift 3 times leaves for an everyday page, Back does not return | widget.js |
| addresses counted for rate limits only as a keyed hash, for minutes | rasa_server/channels/website.py |
"""

from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace
from typing import List, Set

import pytest
import yaml

from rasa_server.channels.pages import minutes_text, privacy_page, session_expiry_minutes
from rasa_server.channels.sessions import TokenSigner
from rasa_server.channels.website import CLEAN_UP_EVERY_SECONDS, WebsiteConfig, WebsiteInput
from rasa_server.privacy import redaction
from rasa_server.privacy.redaction import Redactor
from rasa_server.privacy.tracker_store import REVEALING_ENTITIES
from tests.conftest import ROOT

WIDGET = ROOT / "web" / "widget"
TEMPLATES = ROOT / "web" / "templates"
DOMAIN = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
EXPIRY = float(DOMAIN["session_config"]["session_expiration_time"])
ANSWER = next(
    entry["answer"]["default"]
    for entry in yaml.safe_load((ROOT / "data" / "knowledge" / "privacy.yml").read_text(encoding="utf-8"))["entries"]
    if entry["intent"] == "privacy_question"
)
PAGE_TEMPLATE = (TEMPLATES / "privacy.html").read_text(encoding="utf-8")
PAGE = privacy_page(session_expiry_minutes())
# How each text names what is taken out, by the placeholder the code puts in its place.
REMOVED_IN_ANSWER = {
    "phone number": "phone numbers",
    "email": "emails",
    "postcode": "postcodes",
    "address": "addresses",
    "date of birth": "dates of birth",
    "place": "places",
    "age": "ages",
    "name": "a name when you say it is your name",
}
REMOVED_ON_PAGE = {
    "phone number": "phone numbers",
    "email": "email addresses",
    "postcode": "postcodes",
    "address": "street addresses",
    "date of birth": "dates of birth",
    "place": "places",
    "age": "ages",
    "name": "your name when you say it is your name",
}


def words(html: str) -> str:
    """The page's text: tags removed, white space collapsed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def code_of(path: Path) -> str:
    """JavaScript or CSS without its comments (a "//" right after ":" or a quote is part of a URL, not a comment)."""
    text = re.sub(r"/\*.*?\*/", "", path.read_text(encoding="utf-8"), flags=re.S)
    return re.sub(r"(?<![:\"'\\])//.*", "", text)


# --- how long --------------------------------------------------------------------------------------------


def test_the_answer_states_the_real_expiry():
    stated = {float(n) for n in re.findall(r"(\d+(?:\.\d+)?) minutes?", ANSWER)}
    assert stated == {EXPIRY}, f"privacy.yml says {stated} minutes; domain.yml says {EXPIRY:g}"


def test_the_page_fills_in_the_real_expiry_and_states_no_other():
    assert not re.search(r"\d+ minutes?", PAGE_TEMPLATE), "the page template must use $expiry, not a number"
    assert session_expiry_minutes() == EXPIRY
    assert f"after {minutes_text(EXPIRY)} with no messages" in words(PAGE)


def test_both_places_that_serve_the_page_fill_it_from_domain_yml():
    server = (ROOT / "web" / "server.py").read_text(encoding="utf-8")
    channel = (ROOT / "rasa_server" / "channels" / "website.py").read_text(encoding="utf-8")
    assert "privacy_page(session_expiry_minutes())" in server
    assert "privacy_page(self.expiry_minutes)" in channel and "session_expiry_minutes()" in channel


# --- what is kept -------------------------------------------------------------------------------------------


def redaction_categories() -> Set[str]:
    """Every placeholder the code can put into a stored message."""
    source = (ROOT / "rasa_server" / "privacy" / "redaction.py").read_text(encoding="utf-8")
    kinds = {getattr(redaction, name) for name in re.findall(r"Found\(([A-Z_]+),", source)}
    return kinds | set(REVEALING_ENTITIES.values())


@pytest.mark.parametrize(("text", "claims"), [(ANSWER, REMOVED_IN_ANSWER), (words(PAGE), REMOVED_ON_PAGE)])
def test_what_is_taken_out_is_exactly_what_the_code_takes_out(text: str, claims: dict):
    assert set(claims) == redaction_categories(), "a category was added to or removed from the code"
    for phrase in claims.values():
        assert phrase in text, f"the notice should say that {phrase} are taken out"


def test_each_category_named_is_really_taken_out():
    typed = (
        "My name is Sam Jones, call me on 07700 900123 or email sam.jones@example.org. "
        "I live at 12 Mill Close, CF10 1AA, and I was born on 3 April 1990."
    )
    kept = Redactor().redact(typed)
    for kind in redaction_categories() - set(REVEALING_ENTITIES.values()):
        assert f"[{kind}]" in kept, kind
    for secret in ("Sam", "07700", "sam.jones", "Mill Close", "CF10", "1990"):
        assert secret not in kept
    assert REVEALING_ENTITIES == {"nation": "place", "age_group": "age"}  # tests/test_tracker_store.py stores them


def test_the_notices_do_not_promise_to_remove_every_name():
    """The redactor finds names only where someone says it is their name (deploy/PRODUCTION.md, Known limits)."""
    for text in (ANSWER, words(PAGE)):
        assert not re.search(r"\bnames\b", text), "only a name introduced as a name is taken out"


# --- logs ----------------------------------------------------------------------------------------------------


def test_no_text_in_logs_is_enforced_everywhere_the_servers_start_and_tested_for_real():
    assert "never written to our logs" in ANSWER and "never written to our logs" in words(PAGE)
    logging = yaml.safe_load((ROOT / "deploy" / "logging.yml").read_text(encoding="utf-8"))
    assert logging["filters"]["privacy"]["()"] == "rasa_server.privacy.log_filter.PrivacyFilter"
    assert all("privacy" in handler.get("filters", []) for handler in logging["handlers"].values())
    assert "deploy/logging.yml" in (ROOT / "scripts" / "common.sh").read_text(encoding="utf-8")
    for path in ("scripts/run.sh", "scripts/shell.sh", "scripts/run_scaled.sh"):
        assert "server_env" in (ROOT / path).read_text(encoding="utf-8"), path
    assert "deploy/logging.yml" in (ROOT / "tests" / "conftest.py").read_text(encoding="utf-8")
    real = (ROOT / "tests" / "test_privacy_logs.py").read_text(encoding="utf-8")
    assert "def test_nothing_typed_reaches_logs_or_store" in real  # both servers' logs after real conversations


# --- the browser ------------------------------------------------------------------------------------------------


def test_the_widget_sets_no_cookies_and_uses_session_storage_only_when_the_site_asks():
    assert "no cookies, no local storage" in ANSWER and "no cookies, no local storage" in words(PAGE)
    code = code_of(WIDGET / "widget.js")
    for api in ("document.cookie", "localStorage", "indexedDB", "caches.", "serviceWorker", "openDatabase"):
        assert api not in code, f"widget.js uses {api}"
    assert code.count("sessionStorage") == 1
    assert "config.persist ? window.sessionStorage : null" in code
    assert 'persist: data.persist === "session"' in code
    assert '"session storage"' in PAGE_TEMPLATE, "the page explains the opt-in"
    browser = (ROOT / "tests" / "browser" / "test_widget.py").read_text(encoding="utf-8")
    assert browser.count('assert storage(page) == [0, 0, ""]') >= 2 and "context.cookies() == []" in browser


def absolute_urls(text: str) -> List[str]:
    return re.findall(r"""https?://[^\s"'`)<>]+""", text)


def test_the_widget_loads_nothing_from_anyone_but_the_chat_server():
    assert "no trackers" in ANSWER and "does not load anything from other companies" in words(PAGE)
    code = code_of(WIDGET / "widget.js")
    # The only addresses written in the code: where quick exit goes (a page the browser is sent to, not
    # something loaded) and the SVG namespace (a name, never fetched).
    assert set(absolute_urls(code)) == {"https://www.bbc.co.uk/weather", "http://www.w3.org/2000/svg"}
    for api in ("XMLHttpRequest", "WebSocket", "EventSource", "sendBeacon", "new Image", "import(", "<iframe"):
        assert api not in code, f"widget.js uses {api}"
    assert re.findall(r"fetch\(([^,]+),", code) == ["apiBase + path"], "every request goes to the chat server"
    created = set(re.findall(r"createElement(?:NS)?\([^)]*?\"(\w+)\"\)", code))
    assert not created & {"script", "img", "iframe", "audio", "video", "object", "embed"}
    assert 'stylesheet.href = apiBase + "widget.css"' in code
    css = code_of(WIDGET / "widget.css")
    assert "url(" not in css and "@import" not in css and "@font-face" not in css


def test_the_pages_load_nothing_from_other_sites():
    """Every src, href, url() and @import in the pages is on the same site, inline data, or the widget's tag."""
    pattern = r"""(?:src|href)="([^"]+)"|url\(\s*['"]?([^'")]+)|@import\s+(?:url\()?['"]?([^'");]+)"""
    for name in ("privacy.html", "support.html", "partner.html", "neutral.html", "demo.css"):
        text = (TEMPLATES / name).read_text(encoding="utf-8")
        for groups in re.findall(pattern, text):
            target = "".join(groups)
            external = target.startswith(("http:", "https:", "//"))
            assert not external, f"{name} loads {target}"
            assert target.startswith(("/", "data:", "#", "$widget_src")), f"{name}: unexpected {target}"
    assert 'href="data:,"' in PAGE_TEMPLATE  # no favicon request
    browser = (ROOT / "tests" / "browser" / "test_privacy_requests.py").read_text(encoding="utf-8")
    assert "def test_only_the_site_and_the_chat_server_are_asked_for_anything" in browser


# --- leaving and deleting --------------------------------------------------------------------------------------


def test_exit_and_shift_three_times_clear_the_chat_and_leave_without_a_way_back():
    page = words(PAGE)
    assert "Shift three times" in ANSWER and "press the Shift key 3 times" in page
    code = code_of(WIDGET / "widget.js")
    assert "const SHIFT_PRESSES = 3;" in code
    assert "window.location.replace(config.exitUrl)" in code, "replace(): Back does not return to the chat"
    assert 'const DEFAULT_EXIT_URL = "https://www.bbc.co.uk/weather";' in code and "BBC weather page" in page
    assert 'call("end", {}, token, keepalive)' in code, "the server is told to delete the conversation"
    channel = (ROOT / "rasa_server" / "channels" / "website.py").read_text(encoding="utf-8")
    assert "await forget_conversation(agent.tracker_store, session.sender_id)" in channel
    tests = (ROOT / "tests" / "test_website_channel.py").read_text(encoding="utf-8")
    assert "def test_forget_conversation_deletes_the_tracker" in tests


# --- rate limits ---------------------------------------------------------------------------------------------


def test_addresses_are_counted_only_as_a_keyed_hash_and_only_for_minutes():
    page = words(PAGE)
    assert "scrambled form of the address (not the address itself), for a few minutes at most" in page
    channel = WebsiteInput(WebsiteConfig.from_credentials({}, {}), TokenSigner("k" * 40), EXPIRY)
    address = "203.0.113.77"
    channel._check_address(SimpleNamespace(remote_addr=address, ip=address))
    keys = list(channel.address_limit._events)
    assert len(keys) == 1 and address not in keys[0] and "203" not in keys[0]
    other_secret = WebsiteInput(WebsiteConfig.from_credentials({}, {}), TokenSigner("j" * 40), EXPIRY)
    assert other_secret.signer.address_key(address) != keys[0], "keyed by the secret: not reversible by lookup"
    assert channel.address_limit.window + CLEAN_UP_EVERY_SECONDS <= 5 * 60, "forgotten within a few minutes"
