"""Faults with real processes: the action server killed or hung mid-conversation, and Redis restarted.

- Action server killed (SIGKILL) in the middle of the request checklist: the next message, on the website and
  the REST channel alike, gets a calm reply with 999, Samaritans and the 24/7 line within 2 seconds (and so
  does a crisis message); once the action server is started again, the same conversation carries on where
  it was, with no restart of the Rasa server.
- Action server hung (SIGSTOP): the reply comes after the action endpoint's timeout, with the same helplines.
- Redis restarted under the production profile (deploy/endpoints.production.yml; Redis keeps nothing on disk,
  so the conversations are gone): while Redis is down every message still gets a reply, and after the restart
  the conversation starts afresh and says so first; it then keeps its context again.
The timings go to results/faults.json.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
import urllib.request
import uuid
from pathlib import Path
from typing import Any, Dict, Iterator, List

import pytest
import redis
import yaml
from rasa.utils.endpoints import EndpointConfig

from content.loader import directory
from rasa_server.channels.website import CONVERSATION_LOST
from rasa_server.patches.action_fallback import action_timeout
from tests.conftest import ARTIFACTS, RESULTS, ROOT, Servers, free_port, start_action_server, start_servers
from tests.load.chat import Reply, WebsiteChat, allowed_origin

pytestmark = pytest.mark.load

HELPLINES = [directory()[service].phone for service in ("emergency_999", "samaritans", "rape_crisis_247")]
ACTION_TIMEOUT = action_timeout(
    EndpointConfig(**yaml.safe_load((ROOT / "endpoints.yml").read_text(encoding="utf-8"))["action_endpoint"])
)
TIMINGS: Dict[str, Any] = {}


def record(name: str, value: Any) -> None:
    """Keeps a measured value for results/faults.json (written after each test, so partial runs still report)."""
    TIMINGS[name] = value
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "faults.json").write_text(json.dumps(TIMINGS, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def rest(servers: Servers, sender: str, message: str) -> tuple[List[Dict[str, Any]], float]:
    """One REST message: the replies and how long they took."""
    request = urllib.request.Request(
        f"{servers.rasa_url}/webhooks/rest/webhook",
        json.dumps({"sender": sender, "message": message}).encode(),
        {"Content-Type": "application/json"},
    )
    started = time.monotonic()
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read()), time.monotonic() - started


def joined(messages: List[Dict[str, Any]]) -> str:
    return "\n".join(message.get("text") or "" for message in messages)


def assert_helplines(text: str) -> None:
    positions = [text.index(number) for number in HELPLINES]
    assert positions == sorted(positions), "999 first, then Samaritans, then the 24/7 line"


def wait_until_up(url: str, process: subprocess.Popen, timeout: float = 90) -> float:
    """Seconds until `url` answers."""
    started = time.monotonic()
    while True:
        try:
            urllib.request.urlopen(url, timeout=2).close()
            return time.monotonic() - started
        except OSError:
            if process.poll() is not None or time.monotonic() - started > timeout:
                raise RuntimeError(f"{url} did not come up") from None
            time.sleep(0.1)


# --- the action server -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def fault_servers(model_path: Path) -> Iterator[Servers]:
    yield from start_servers(model_path, "faults")


def start_checklist(chat: WebsiteChat) -> None:
    assert chat.start("therapist").status == 201
    assert "court order" in chat.say("check a request I've received").text


def test_killing_the_action_server_gives_helplines_within_2_seconds_and_the_chat_recovers(fault_servers: Servers):
    chat = WebsiteChat(fault_servers, allowed_origin(), "127.86.0.1")
    start_checklist(chat)
    sender = f"fault-{uuid.uuid4().hex}"
    assert "court order" in joined(rest(fault_servers, sender, "check a request I've received")[0])

    actions = fault_servers.processes["actions"]
    actions.send_signal(signal.SIGKILL)
    actions.wait(timeout=10)

    down: Reply = chat.say("a request from the police")
    assert down.status == 200 and down.seconds < 2, (down.status, down.seconds)
    assert_helplines(down.text)
    crisis = chat.say("I want to kill myself")
    assert crisis.status == 200 and crisis.seconds < 2
    assert_helplines(crisis.text)
    rest_down, rest_seconds = rest(fault_servers, sender, "a request from the police")
    assert rest_seconds < 2
    assert_helplines(joined(rest_down))
    record("action_server_killed_website_reply_seconds", round(down.seconds, 3))
    record("action_server_killed_crisis_reply_seconds", round(crisis.seconds, 3))
    record("action_server_killed_rest_reply_seconds", round(rest_seconds, 3))

    port = int(fault_servers.action_url.rsplit(":", 1)[1])
    restarted = start_action_server(port, fault_servers.logs["actions"], mode="a")
    fault_servers.processes["actions"] = restarted
    record("action_server_restart_seconds", round(wait_until_up(f"{fault_servers.action_url}/health", restarted), 1))

    # The same conversations carry on where they were: the checklist takes the answer it could not take before.
    back = chat.say("a request from the police")
    assert back.status == 200 and "in writing" in back.text, back.text
    assert "in writing" in joined(rest(fault_servers, sender, "a request from the police")[0])
    assert "exactly what information" in chat.say("yes").text
    record("action_server_recovered_reply_seconds", round(back.seconds, 3))


def test_a_hung_action_server_gives_helplines_after_the_timeout(fault_servers: Servers):
    chat = WebsiteChat(fault_servers, allowed_origin(), "127.86.0.2")
    start_checklist(chat)
    actions = fault_servers.processes["actions"]
    actions.send_signal(signal.SIGSTOP)
    try:
        hung = chat.say("I want to kill myself")
    finally:
        actions.send_signal(signal.SIGCONT)
    assert hung.status == 200
    assert ACTION_TIMEOUT <= hung.seconds < ACTION_TIMEOUT + 2, hung.seconds
    assert_helplines(hung.text)
    record("action_server_hung_reply_seconds", round(hung.seconds, 3))
    record("action_timeout_seconds", ACTION_TIMEOUT)
    assert "999" in chat.say("I want to kill myself").text.split("\n")[0], "normal crisis reply once it answers again"


# --- Redis under the production profile ------------------------------------------------------------------


class RestartableRedis:
    """A private Redis from scripts/redis.sh (deploy/redis.conf: nothing on disk) that can be stopped and started."""

    def __init__(self) -> None:
        self.port = free_port()
        self.log = ARTIFACTS / "faults-redis.log"
        self.process: subprocess.Popen = self._start("w")

    def _start(self, mode: str) -> subprocess.Popen:
        process = subprocess.Popen(
            ["scripts/redis.sh"],
            cwd=ROOT,
            env={**os.environ, "REDIS_PORT": str(self.port)},
            stdout=self.log.open(mode),
            stderr=subprocess.STDOUT,
        )
        client = redis.Redis(port=self.port)
        deadline = time.monotonic() + 30
        while True:
            try:
                client.ping()
                return process
            except redis.ConnectionError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"Redis did not start; see {self.log}") from None
                time.sleep(0.1)

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)

    def start(self) -> float:
        started = time.monotonic()
        self.process = self._start("a")
        return time.monotonic() - started


@pytest.fixture(scope="module")
def restartable_redis() -> Iterator[RestartableRedis]:
    server = RestartableRedis()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def production(model_path: Path, restartable_redis: RestartableRedis) -> Iterator[Servers]:
    """Both servers with deploy/endpoints.production.yml, against the restartable Redis."""
    text = (ROOT / "deploy" / "endpoints.production.yml").read_text(encoding="utf-8")
    text = text.replace("${REDIS_HOST}", "127.0.0.1").replace("${REDIS_PORT}", str(restartable_redis.port))
    config = yaml.safe_load(text)
    del config["action_endpoint"]  # start_servers points it at its own action server
    yield from start_servers(model_path, "faults-production", yaml.safe_dump(config))


def test_a_redis_restart_restarts_the_conversation_with_an_explanation(
    production: Servers, restartable_redis: RestartableRedis
):
    chat = WebsiteChat(production, allowed_origin(), "127.86.1.1")
    start_checklist(chat)
    assert "in writing" in chat.say("a request from the police").text, "the context is kept in Redis"
    sender = f"redis-{uuid.uuid4().hex}"
    rest(production, sender, "hello")
    assert redis.Redis(port=restartable_redis.port).keys("*"), "conversations are in Redis"

    restartable_redis.stop()
    down = chat.say("yes")
    assert down.status == 200 and down.body["messages"], "a reply, not an error, while Redis is down"
    assert down.body["messages"][0]["text"] == CONVERSATION_LOST
    crisis = chat.say("I want to kill myself")
    assert crisis.status == 200 and "999" in crisis.text, "crisis routes do not depend on Redis"
    rest_down, rest_down_seconds = rest(production, sender, "can police get my counselling notes?")
    assert "chief inspector" in joined(rest_down)
    record("redis_down_website_reply_seconds", round(down.seconds, 3))
    record("redis_down_rest_reply_seconds", round(rest_down_seconds, 3))

    record("redis_restart_seconds", round(restartable_redis.start(), 2))
    assert not redis.Redis(port=restartable_redis.port).keys("*"), "Redis keeps nothing across a restart"
    afresh = chat.say("yes")
    assert afresh.status == 200
    assert afresh.body["messages"][0]["text"] == CONVERSATION_LOST, "the person is told the chat started afresh"
    record("redis_restarted_reply_seconds", round(afresh.seconds, 3))

    # From here the conversation is kept again: a new checklist keeps its context from one message to the next.
    assert "court order" in chat.say("check a request I've received").text
    carried_on = chat.say("a request from the police")
    assert "in writing" in carried_on.text and CONVERSATION_LOST not in carried_on.text
    assert "chief inspector" in joined(rest(production, sender, "who has to sign off a request")[0])
