"""The website channel: tokens, limits, CORS and malformed input, over real HTTP against a real Rasa server.

The unit tests at the top need no server (tokens, rate limits, the registry, reply shaping, tracker deletion).
The rest talk to the shared test servers (tests/conftest.py), whose website channel allows the demo origins.
Each test sends from its own loopback address (127.83.0.x): its own per-address rate-limit bucket, so the
tests neither use up each other's allowance nor the browser tests' on 127.0.0.1, and an unusual address is
easy to look for in the logs.
"""

from __future__ import annotations

import asyncio
import http.client
import itertools
import json
import re
import time
import uuid
from pathlib import Path
from typing import Any, Dict, Optional, Tuple
from urllib.parse import urlsplit

import pytest
import yaml
from rasa.core.tracker_store import FailSafeTrackerStore, InMemoryTrackerStore, RedisTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.exceptions import RasaException

from rasa_server.channels.sessions import RateLimiter, SessionRegistry, TokenError, TokenSigner
from rasa_server.channels.website import (
    ChannelError,
    WebsiteConfig,
    WebsiteInput,
    conversation_kept,
    forget_conversation,
    links_in,
    replies,
)
from tests.conftest import free_port

ROOT = Path(__file__).resolve().parent.parent
SECRET = "s" * 40
SOURCES = (f"127.83.0.{n}" for n in itertools.count(10))


def expiry_minutes() -> float:
    """The one expiry setting, read here independently of the code under test."""
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    return float(domain["session_config"]["session_expiration_time"])


class FakeClock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


# --- unit tests: no server -------------------------------------------------------------------------------


def test_tokens_round_trip_and_reject_tampering():
    signer = TokenSigner(SECRET)
    registry = SessionRegistry(signer, lifetime=60, max_sessions=10, clock=FakeClock())
    session_id = registry.create()
    token = registry.token(session_id)
    assert registry.resolve(token) == session_id

    version, sid, expires, signature = token.split(".")
    other = registry.token(registry.create())
    tampered = [
        f"{version}.{other.split('.')[1]}.{expires}.{signature}",  # someone else's session id
        f"{version}.{sid}.{int(expires) + 3600}.{signature}",  # a later expiry
        TokenSigner("t" * 40).token(sid, int(expires)),  # signed with another secret
        token[:-2] + ("AA" if not token.endswith("AA") else "BB"),
        "v1.not-base64!.123.abc",
        "v2" + token[2:],
        "v1.é.1.x",
        "",
    ]
    for bad in tampered:
        with pytest.raises(TokenError):
            registry.resolve(bad)


def test_tokens_expire_after_inactivity_and_stop_working_when_ended():
    clock = FakeClock()
    registry = SessionRegistry(TokenSigner(SECRET), lifetime=60, max_sessions=10, clock=clock)
    session_id = registry.create()
    token = registry.token(session_id)
    clock.now += 59
    assert registry.resolve(token) == session_id
    assert registry.touch(session_id)
    fresh = registry.token(session_id)
    clock.now += 30
    with pytest.raises(TokenError, match="expired_token"):
        registry.resolve(token)  # the old token carries the old expiry
    assert registry.resolve(fresh) == session_id
    clock.now += 31
    with pytest.raises(TokenError, match="expired_token"):
        registry.resolve(fresh)
    assert [s.sender_id for s in registry.expire()] == [TokenSigner(SECRET).sender_id(session_id)]
    with pytest.raises(TokenError, match="unknown_session"):
        registry.resolve(fresh, allow_expired=True)

    live = registry.create()
    ending = registry.token(live)
    assert registry.end(live) is not None
    assert not registry.touch(live)
    with pytest.raises(TokenError, match="unknown_session"):
        registry.resolve(ending)


def test_conversation_ids_are_derived_not_chosen_and_registry_is_bounded():
    signer = TokenSigner(SECRET)
    registry = SessionRegistry(signer, lifetime=60, max_sessions=2, clock=FakeClock())
    first, second = registry.create(), registry.create()
    assert registry.create() is None
    assert first != second
    sender = registry.get(first).sender_id
    assert sender.startswith("web-") and first not in sender
    assert TokenSigner("t" * 40).sender_id(first) != sender
    with pytest.raises(ValueError):
        TokenSigner("too short")


def test_rate_limiter_slides_and_counts_refusals():
    clock = FakeClock()
    limiter = RateLimiter(limit=3, window=60, clock=clock)
    assert [limiter.allow("a") for _ in range(4)] == [True, True, True, False]
    assert limiter.allow("b")
    clock.now += 30
    assert not limiter.allow("a")  # refused requests still count: hammering does not help
    clock.now += 61
    assert limiter.allow("a")
    clock.now += 120
    limiter.prune()
    assert limiter.allow("a") and limiter.allow("a") and limiter.allow("a") and not limiter.allow("a")


def test_channel_refuses_to_start_without_a_proper_secret_or_with_wildcard_origins(monkeypatch):
    monkeypatch.delenv("RC_CHANNEL_SECRET", raising=False)
    monkeypatch.delenv("RC_ALLOWED_ORIGINS", raising=False)
    with pytest.raises(RasaException, match="RC_CHANNEL_SECRET"):
        WebsiteInput.from_credentials({"allowed_origins": ["http://localhost:8000"]})
    monkeypatch.setenv("RC_CHANNEL_SECRET", "short")
    with pytest.raises(RasaException, match="at least 32"):
        WebsiteInput.from_credentials({"allowed_origins": ["http://localhost:8000"]})
    monkeypatch.setenv("RC_CHANNEL_SECRET", SECRET)
    for bad in ("*", "https://*.example.org", "https://example.org/chat", "example.org"):
        with pytest.raises(RasaException, match="allowed origin"):
            WebsiteInput.from_credentials({"allowed_origins": [bad]})
    with pytest.raises(RasaException, match="max_message_length"):
        WebsiteInput.from_credentials({"max_message_length": "lots"})
    channel = WebsiteInput.from_credentials({"allowed_origins": ["https://Support.Example.org/"]})
    assert channel.config.allowed_origins == {"https://support.example.org"}
    assert channel.expiry_minutes == expiry_minutes()
    monkeypatch.setenv("RC_ALLOWED_ORIGINS", "http://localhost:1234, https://partner.example")
    channel = WebsiteInput.from_credentials({"allowed_origins": ["https://support.example.org"]})
    assert channel.config.allowed_origins == {"http://localhost:1234", "https://partner.example"}


def test_only_offered_buttons_may_send_intent_payloads():
    config = WebsiteConfig.from_credentials({"max_message_length": 40}, {})
    channel = WebsiteInput(config, TokenSigner(SECRET), 30)
    session_id = channel.sessions.create()
    channel.sessions.remember_payloads(session_id, ["/affirm"])
    assert channel._message_text({"message": " /affirm "}, session_id) == "/affirm"
    assert channel._message_text({"message": '/tell_role{"role":"x"}'}, session_id) == 'tell_role{"role":"x"}'
    for body, code in (
        ({"message": "/"}, "empty_message"),
        ({"message": "   "}, "empty_message"),
        ({"message": 5}, "invalid_message"),
        ({}, "invalid_message"),
        ({"message": "x" * 41}, "message_too_long"),
    ):
        with pytest.raises(ChannelError) as refused:
            channel._message_text(body, session_id)
        assert refused.value.code == code
    assert channel._message_text({"message": "x" * 40}, session_id) == "x" * 40


def test_replies_keep_text_buttons_and_http_links_only():
    text = (
        "Answer.\n\nSources:\n• Act (12 January 2026): https://www.legislation.gov.uk/a/b.\n"
        "• Not a link: javascript:alert(1) or /privacy\n• Again https://www.legislation.gov.uk/a/b"
    )
    shown = replies(
        [
            {"recipient_id": "x", "text": text, "buttons": [{"title": "Yes", "payload": "/affirm"}, {"title": "x"}]},
            {"recipient_id": "x", "image": "https://example.org/x.png"},
            {"recipient_id": "x", "text": None, "buttons": [{"title": "Go", "payload": "/help"}]},
        ]
    )
    assert shown == [
        {
            "text": text,
            "buttons": [{"title": "Yes", "payload": "/affirm"}],
            "links": ["https://www.legislation.gov.uk/a/b"],
        },
        {"text": "", "buttons": [{"title": "Go", "payload": "/help"}], "links": []},
    ]
    assert links_in("see http://a.example/x), and https://b.example/y?z=1;") == [
        "http://a.example/x",
        "https://b.example/y?z=1",
    ]


def test_forget_conversation_deletes_the_tracker():
    store = InMemoryTrackerStore(Domain.empty())

    async def run() -> Tuple[bool, bool]:
        await store.save(DialogueStateTracker("web-1", []))
        await store.save(DialogueStateTracker("web-2", []))
        await forget_conversation(store, "web-1")
        return await store.exists("web-1"), await store.exists("web-2")

    assert asyncio.run(run()) == (False, True)


def test_a_lost_conversation_is_noticed_even_when_redis_is_unreachable():
    """The channel says a chat started afresh when its conversation is gone (tests/load/test_faults.py: Redis)."""
    memory = FailSafeTrackerStore(InMemoryTrackerStore(Domain.empty()))
    asyncio.run(memory.save(DialogueStateTracker("web-1", [])))
    assert conversation_kept(memory, "web-1") and not conversation_kept(memory, "web-2")
    unreachable = RedisTrackerStore(Domain.empty(), host="127.0.0.1", port=free_port(), socket_timeout=1)
    assert not conversation_kept(FailSafeTrackerStore(unreachable), "web-1")


# --- over HTTP against the real server -------------------------------------------------------------------


class Response:
    def __init__(self, status: int, headers: Dict[str, str], body: bytes) -> None:
        self.status = status
        self.headers = headers
        self.body = body

    def json(self) -> Dict[str, Any]:
        return json.loads(self.body.decode("utf-8"))


class Client:
    """Raw HTTP to the website channel, from a chosen loopback address."""

    def __init__(self, rasa_url: str, origin: str) -> None:
        parts = urlsplit(rasa_url)
        self.host, self.port = parts.hostname, parts.port
        self.origin = origin
        self.source = next(SOURCES)

    def request(
        self,
        path: str,
        body: Any = None,
        *,
        token: Optional[str] = None,
        method: str = "POST",
        raw: Optional[bytes] = None,
        content_type: Optional[str] = "application/json",
        origin: Optional[str] = "default",
        headers: Optional[Dict[str, str]] = None,
    ) -> Response:
        sent = dict(headers or {})
        if content_type:
            sent["Content-Type"] = content_type
        if origin == "default":
            origin = self.origin
        if origin:
            sent["Origin"] = origin
        if token is not None:
            sent["Authorization"] = f"Bearer {token}"
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        connection = http.client.HTTPConnection(self.host, self.port, timeout=60, source_address=(self.source, 0))
        try:
            connection.request(method, f"/webhooks/website/{path}", body=data, headers=sent)
            reply = connection.getresponse()
            return Response(reply.status, {k.lower(): v for k, v in reply.getheaders()}, reply.read())
        finally:
            connection.close()

    def start(self, audience: str = "survivor") -> Dict[str, Any]:
        reply = self.request("session", {"audience": audience})
        assert reply.status == 201, reply.body
        return reply.json()

    def say(self, token: str, message: str) -> Response:
        return self.request("message", {"message": message}, token=token)


def assert_json_error(reply: Response, status: int, code: Optional[str] = None) -> Dict[str, Any]:
    """A refusal: the expected 4xx, a JSON body with a code and a readable message, and no stack trace."""
    assert reply.status == status, (reply.status, reply.body)
    assert reply.headers["content-type"].startswith("application/json")
    body = reply.json()
    assert body["message"] and "Traceback" not in reply.body.decode()
    if code:
        assert body["error"] == code
    return body


@pytest.fixture()
def client(servers, website) -> Client:
    """A client on a loopback address of its own."""
    return Client(servers.rasa_url, website["origins"]["support"])


@pytest.mark.slow
def test_a_conversation_gets_a_token_replies_and_sourced_links(client):
    opened = client.start()
    assert re.fullmatch(r"v1\.[A-Za-z0-9_-]{22}\.\d+\.[A-Za-z0-9_-]{43}", opened["token"])
    assert opened["expires_in"] == expiry_minutes() * 60
    assert opened["max_message_length"] == 1000
    greeting = opened["messages"][0]
    assert "Rights Companion" in greeting["text"]
    assert any(button["title"] == "I'm a survivor" for button in greeting["buttons"])

    reply = client.say(opened["token"], "can police get my counselling notes")
    assert reply.status == 200
    assert reply.headers["cache-control"] == "no-store"
    answer = reply.json()
    assert int(answer["token"].split(".")[2]) >= int(opened["token"].split(".")[2])  # a fresh expiry
    sourced = [m for m in answer["messages"] if "Source" in m["text"]]
    assert sourced and sourced[0]["links"] and all(link.startswith("https://") for link in sourced[0]["links"])
    assert all(link in sourced[0]["text"] for link in sourced[0]["links"])
    assert sourced[0]["buttons"]


@pytest.mark.slow
def test_therapist_audience_opens_with_the_request_checker(client):
    opened = client.start("therapist")
    titles = [button["title"] for message in opened["messages"] for button in message["buttons"]]
    assert "Check a request I've received" in titles


@pytest.mark.slow
def test_a_token_only_reaches_its_own_conversation(client):
    first, second = client.start(), client.start()
    asked = client.say(first["token"], "check a request I've received").json()
    kind_question = asked["messages"][-1]
    assert "court order" in kind_question["text"]
    police = next(b for b in kind_question["buttons"] if b["title"] == "A request from the police")

    # The other conversation is not in the checklist, cannot send the first one's button payload, and
    # cannot choose a conversation by naming a sender.
    other = client.request(
        "message", {"message": police["payload"], "sender": "anything"}, token=second["token"]
    ).json()
    next_question = "Did the request come in writing"
    assert not any(next_question in m["text"] for m in other["messages"])
    carried_on = client.say(asked["token"], police["payload"]).json()
    assert any(next_question in m["text"] for m in carried_on["messages"])


@pytest.mark.slow
def test_forged_expired_and_ended_tokens_are_rejected(client, website):
    opened = client.start()
    token = opened["token"]
    _, session_id, expires, _ = token.split(".")
    real = TokenSigner(website["secret"])
    forged = {
        "missing_token": "",
        "malformed_token": "not-a-token",
        "invalid_token": TokenSigner("f" * 40).token(session_id, int(expires)),
        "unknown_session": real.token("A" * 22, int(time.time()) + 600),  # properly signed, never issued
        "expired_token": real.token(session_id, int(time.time()) - 1),  # a live session, but past its expiry
    }
    for code, bad in forged.items():
        assert_json_error(client.say(bad, "hello"), 401, code)
    assert client.request("message", {"message": "hello"}, headers={"Authorization": "Basic abc"}).status == 401
    assert client.request("message", {"message": "hi"}, token="x" * 500).status == 401

    assert client.say(token, "hello").status == 200  # none of that ended the real conversation
    ended = client.request("end", {}, token=token)
    assert ended.status == 200 and ended.json() == {"ended": True}
    assert_json_error(client.say(token, "hello"), 401, "unknown_session")
    assert_json_error(client.request("end", {}, token=token), 401, "unknown_session")


@pytest.mark.slow
def test_long_messages_get_a_kind_reply(client):
    token = client.start()["token"]
    body = assert_json_error(client.say(token, "a" * 1001), 422, "message_too_long")
    assert "1,000 characters" in body["message"]
    assert client.say(token, "a" * 1000).status == 200


@pytest.mark.slow
def test_one_conversation_is_rate_limited(client):
    token = client.start()["token"]
    assert [client.say(token, "hello").status for _ in range(20)] == [200] * 20
    refused = client.say(token, "hello")
    assert_json_error(refused, 429, "rate_limited")
    assert refused.headers["retry-after"] == "60"
    assert client.start()["token"]  # other conversations from the same address carry on


@pytest.mark.slow
def test_one_address_is_rate_limited(servers, website):
    flood = Client(servers.rasa_url, website["origins"]["partner"])
    statuses = [flood.say("nonsense", "hi").status for _ in range(120)]
    assert statuses == [401] * 120  # refused requests count too: guessing tokens uses up the allowance
    assert_json_error(flood.request("session", {}), 429, "rate_limited")
    assert Client(servers.rasa_url, website["origins"]["partner"]).request("session", {}).status == 201


@pytest.mark.slow
@pytest.mark.parametrize(
    ("raw", "content_type", "status", "code"),
    [
        (b'{"message": "hi"}', "text/plain", 415, "unsupported_media_type"),
        (b"message=hi", "application/x-www-form-urlencoded", 415, "unsupported_media_type"),
        (b'{"message": "hi"}', None, 415, "unsupported_media_type"),
        (b"{", "application/json", 400, "invalid_json"),
        (b"\xff\xfe\x00", "application/json", 400, "invalid_json"),
        (b"[" * 5000 + b"]" * 5000, "application/json", 400, "invalid_json"),
        (b'["hi"]', "application/json", 400, "invalid_body"),
        (b'"hi"', "application/json", 400, "invalid_body"),
        (b"null", "application/json", 400, "invalid_body"),
        (b"{}", "application/json", 400, "invalid_message"),
        (b'{"message": 5}', "application/json", 400, "invalid_message"),
        (b'{"message": ["hi"]}', "application/json", 400, "invalid_message"),
        (b'{"message": null}', "application/json", 400, "invalid_message"),
        (b'{"message": ""}', "application/json", 400, "empty_message"),
        (b'{"message": "x"}' + b" " * 20_000, "application/json", 413, "body_too_large"),
        (b'{"message": "' + b"x" * 2_000_000 + b'"}', "application/json", 413, "body_too_large"),
    ],
)
def test_malformed_messages_get_4xx_json(client, raw, content_type, status, code):
    token = client.start()["token"]
    assert_json_error(client.request("message", raw=raw, content_type=content_type, token=token), status, code)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"audience": "police"}, 400, "invalid_audience"),
        ({"audience": ["survivor"]}, 400, "invalid_audience"),
        ({"audience": {"a": 1}}, 400, "invalid_audience"),
        ([], 400, "invalid_body"),
    ],
)
def test_malformed_session_requests_get_4xx_json(client, body, status, code):
    assert_json_error(client.request("session", body), status, code)


@pytest.mark.slow
def test_wrong_methods_and_paths_are_4xx(client):
    for method, path in (("GET", "message"), ("PUT", "session"), ("DELETE", "end"), ("GET", "nothing-here")):
        reply = client.request(path, method=method, content_type=None)
        assert 400 <= reply.status < 500 and b"Traceback" not in reply.body


@pytest.mark.slow
def test_only_listed_origins_may_use_the_channel(client, website):
    for origin in website["origins"].values():
        preflight = client.request(
            "message",
            method="OPTIONS",
            content_type=None,
            origin=origin,
            headers={"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "authorization"},
        )
        assert preflight.status == 204
        assert preflight.headers["access-control-allow-origin"] == origin
        assert "authorization" in preflight.headers["access-control-allow-headers"].lower()
        assert "origin" in preflight.headers["vary"].lower()
        assert client.request("session", {}, origin=origin).headers["access-control-allow-origin"] == origin

    for origin in (
        "http://evil.example",
        "http://localhost:1",
        "null",
        website["origins"]["support"] + ".evil.example",
    ):
        preflight = client.request(
            "session",
            method="OPTIONS",
            content_type=None,
            origin=origin,
            headers={"Access-Control-Request-Method": "POST"},
        )
        assert_json_error(preflight, 403, "origin_not_allowed")
        assert "access-control-allow-origin" not in preflight.headers
        refused = client.request("session", {}, origin=origin)
        assert_json_error(refused, 403, "origin_not_allowed")
        assert "access-control-allow-origin" not in refused.headers
    assert_json_error(client.request("session", {}, origin=None), 403, "origin_not_allowed")


@pytest.mark.slow
def test_widget_files_are_served_with_cache_headers(client):
    for name, kind in (("widget.js", "application/javascript"), ("widget.css", "text/css")):
        reply = client.request(name, method="GET", content_type=None, origin=None)
        assert reply.status == 200 and reply.headers["content-type"].startswith(kind)
        assert reply.headers["cache-control"] == "public, max-age=300"
        assert reply.headers["x-content-type-options"] == "nosniff"
        assert reply.body == (ROOT / "web" / "widget" / name).read_bytes()
        again = client.request(
            name, method="GET", content_type=None, origin=None, headers={"If-None-Match": reply.headers["etag"]}
        )
        assert again.status == 304 and again.body == b""


@pytest.mark.slow
def test_privacy_page_states_the_real_expiry(client):
    page = client.request("privacy", method="GET", content_type=None, origin=None)
    assert page.status == 200
    text = page.body.decode()
    assert f"{expiry_minutes():g} minutes" in text
    for promise in ("no cookies", "no local storage", "never written to our logs", "Shift"):
        assert promise in text


@pytest.mark.slow
def test_logs_hold_no_message_text_tokens_or_addresses(client, servers):
    marker = f"zebra{uuid.uuid4().hex[:8]}"
    opened = client.start()
    client.say(opened["token"], f"my name is {marker}, can police get my counselling notes")
    client.say(opened["token"], f"/{marker}")
    client.request("end", {}, token=opened["token"])
    time.sleep(1)
    log = Path(servers.logs["rasa"]).read_text(encoding="utf-8", errors="replace")
    assert marker not in log
    assert opened["token"].split(".")[1] not in log
    assert client.source not in log
