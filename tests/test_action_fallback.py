"""A failed custom action gives the person a calm message with helplines, at once, instead of silence.

These tests call Rasa's RemoteAction as the Rasa server does, against action servers that are not there, hang
or refuse; tests/load/test_faults.py kills and restarts a real action server under real conversations.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from typing import Awaitable, Callable, List, Optional

import pytest
import yaml
from rasa.core.actions.action import ActionExecutionRejection, RemoteAction
from rasa.core.channels.channel import CollectingOutputChannel
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecutionRejected, BotUttered, Event, FollowupAction, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

from content.loader import directory, wording
from rasa_server.patches import install
from rasa_server.patches.action_fallback import DEFAULT_TIMEOUT, action_timeout, unavailable_message
from tests.conftest import ROOT, free_port

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


def run_action(name: str, url: str, timeout: Optional[float] = None, tracker=None) -> tuple[List[Event], float]:
    """Runs a custom action through RemoteAction against `url`; returns its events and how long it took."""
    endpoint = EndpointConfig(url, **({"timeout": timeout} if timeout else {}))
    tracker = tracker or DialogueStateTracker.from_events("fallback-test", [UserUttered("hello")])
    started = time.monotonic()
    events = asyncio.run(RemoteAction(name, endpoint).run(CollectingOutputChannel(), None, tracker, Domain.empty()))
    return events, time.monotonic() - started


def with_server(handler: Handler, name: str, timeout: Optional[float] = None) -> tuple[List[Event], float]:
    """Runs a custom action against a local server that answers with `handler`."""

    async def main() -> tuple[List[Event], float]:
        server = await asyncio.start_server(handler, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        endpoint = EndpointConfig(f"http://127.0.0.1:{port}/webhook", **({"timeout": timeout} if timeout else {}))
        tracker = DialogueStateTracker.from_events("fallback-test", [UserUttered("hello")])
        started = time.monotonic()
        async with server:
            events = await RemoteAction(name, endpoint).run(CollectingOutputChannel(), None, tracker, Domain.empty())
        return events, time.monotonic() - started

    return asyncio.run(main())


def fallback_events(name: str = "action_answer") -> List[Event]:
    events: List[Event] = [BotUttered(text=unavailable_message()), FollowupAction(ACTION_LISTEN_NAME)]
    if name.startswith("validate_"):
        events.append(ActionExecutionRejected(name))
    return events


@pytest.fixture(autouse=True, scope="module")
def patched() -> None:
    """Rasa as `python -m rasa_server` runs it (tests/test_patches.py checks that it does)."""
    install()


@pytest.mark.hazard("HAZ-10")
def test_the_message_gives_999_samaritans_and_the_24_7_line_from_the_directory():
    message = unavailable_message()
    services = directory()
    numbers = [services[route].phone for route in ("emergency_999", "samaritans", "rape_crisis_247")]
    assert all(number in message for number in numbers)
    assert message.index(numbers[0]) < message.index(numbers[1]) < message.index(numbers[2])
    own_words = (ROOT / "data" / "wording" / "unavailable.yml").read_text(encoding="utf-8")
    code = (ROOT / "rasa_server" / "patches" / "action_fallback.py").read_text(encoding="utf-8")
    assert not re.search(r"(?<!\w)\d{3}", own_words + code), "numbers come from data/support/services.yml only"
    assert wording("wording/unavailable")["routes"][0] == "emergency_999"


@pytest.mark.hazard("HAZ-10")
@pytest.mark.parametrize("name", ["action_crisis_response", "validate_request_check_form"])
def test_an_action_server_that_is_not_there_gives_the_message_at_once(name: str):
    events, took = run_action(name, f"http://127.0.0.1:{free_port()}/webhook")
    assert events == fallback_events(name)
    assert took < 2


@pytest.mark.hazard("HAZ-10")
def test_an_action_server_that_hangs_is_given_up_after_the_timeout():
    async def hang(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await asyncio.sleep(30)

    events, took = with_server(hang, "action_answer", timeout=0.5)
    assert events == fallback_events()
    assert 0.5 <= took < 2


@pytest.mark.parametrize(
    "reply",
    [
        b"HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\n\r\n",
        b'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 17\r\n\r\n{"events": "bad"}',
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 5\r\n\r\n{nope",
    ],
    ids=["server-error", "invalid-reply", "not-json"],
)
@pytest.mark.hazard("HAZ-10")
def test_an_action_server_error_gives_the_message(reply: bytes):
    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(reply)
        await writer.drain()
        writer.close()

    events, _ = with_server(answer, "action_answer")
    assert events == fallback_events()


def test_a_form_rejecting_a_reply_is_not_a_failure():
    body = json.dumps({"action_name": "validate_request_check_form", "error": "no"}).encode()

    async def reject(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 400 Bad Request\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body))
        await writer.drain()
        writer.close()

    with pytest.raises(ActionExecutionRejection):
        with_server(reject, "validate_request_check_form")


@pytest.mark.hazard("HAZ-10")
def test_the_message_is_given_once_per_turn():
    url = f"http://127.0.0.1:{free_port()}/webhook"
    told = DialogueStateTracker.from_events(
        "fallback-test", [UserUttered("hello"), BotUttered(text=unavailable_message())]
    )
    assert run_action("action_ask_in_writing", url, tracker=told)[0] == [FollowupAction(ACTION_LISTEN_NAME)]
    next_turn = DialogueStateTracker.from_events("fallback-test", [*told.events, UserUttered("are you there?")])
    assert run_action("action_answer", url, tracker=next_turn)[0] == fallback_events()


@pytest.mark.parametrize(
    ("setting", "seconds"),
    [({"timeout": 2}, 2.0), ({"timeout": 0.5}, 0.5), ({}, DEFAULT_TIMEOUT), ({"timeout": "soon"}, DEFAULT_TIMEOUT)],
)
@pytest.mark.hazard("HAZ-10")
def test_the_timeout_comes_from_the_action_endpoint(setting: dict, seconds: float):
    assert action_timeout(EndpointConfig("http://127.0.0.1:5055/webhook", **setting)) == seconds


@pytest.mark.hazard("HAZ-10")
def test_the_endpoint_files_set_a_short_timeout():
    for name in ("endpoints.yml", "deploy/endpoints.production.yml"):
        endpoint = yaml.safe_load((ROOT / name).read_text(encoding="utf-8"))["action_endpoint"]
        assert 0 < endpoint["timeout"] <= 10, name
