"""What people type never reaches a log, and stored conversations hold no identifiers.

The end-to-end tests start both servers as the production profile does (deploy/endpoints.production.yml
against a real Redis, deploy/logging.yml), send messages with unique markers and a phone number through
every channel in credentials.yml that the test can talk to, then read both servers' logs and every key
in Redis.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from typing import Callable, Dict, Iterator, List

import pytest
import redis
import yaml
from rasa.shared.core.domain import Domain

from rasa_server.privacy.tracker_store import expiration_seconds
from tests.conftest import DEMO_PORTS, ROOT, Servers, rasa_env, start_servers

# How this test sends one message as one conversation, per channel name in credentials.yml. A channel
# without a client here is reported as skipped. `conversation` names one chat (the same for all its messages).
ChannelClient = Callable[[Servers, str, str], object]


def rest_client(servers: Servers, conversation: str, text: str) -> object:
    return servers.rest(conversation, text)


# The website channel's current token for each conversation (a new one comes back with every reply).
WEBSITE_TOKENS: Dict[str, str] = {}


def website_client(servers: Servers, conversation: str, text: str) -> object:
    """Starts the conversation on first use, as the widget does, then sends `text` with its latest token."""

    def post(path: str, body: Dict[str, str], token: str = "") -> Dict:
        headers = {"Content-Type": "application/json", "Origin": f"http://localhost:{DEMO_PORTS['support']}"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        request = urllib.request.Request(
            f"{servers.rasa_url}/webhooks/website/{path}", json.dumps(body).encode(), headers
        )
        try:
            with urllib.request.urlopen(request, timeout=60) as reply:
                return json.loads(reply.read())
        except urllib.error.HTTPError as refused:  # a refused message must not leak either
            assert refused.code < 500, refused.code
            return json.loads(refused.read())

    if conversation not in WEBSITE_TOKENS:
        WEBSITE_TOKENS[conversation] = post("session", {"audience": "survivor"})["token"]
    reply = post("message", {"message": text}, WEBSITE_TOKENS[conversation])
    WEBSITE_TOKENS[conversation] = reply.get("token", WEBSITE_TOKENS[conversation])
    return reply


CHANNEL_CLIENTS: Dict[str, ChannelClient] = {
    "rasa_server.channels.rest.RestInput": rest_client,
    "rasa_server.channels.website.WebsiteInput": website_client,
}
CHANNELS = list(yaml.safe_load((ROOT / "credentials.yml").read_text(encoding="utf-8")))

PHONE = "07700 900 123"
PHONE_PARTS = ["07700", "900 123", "7700900123"]
# A place the gazetteer knows (nation: wales) that none of the assistant's own wording names, so any copy of it
# in a log or the store came from what was typed. ("Swansea" would not do: the support directory lists a SARC
# there, and the bot's stored reply may name it when it recommends Welsh services.)
PLACE = "Wrexham"
# Channels that hand a "/..." message the bot did not offer to Rasa as it is (the website channel strips the "/"),
# so Rasa warns about it and our log filter must shorten the warning.
PASSES_UNOFFERED_PAYLOADS = {"rasa_server.channels.rest.RestInput"}


def assistant_wording() -> str:
    """Everything the assistant can say: the domain's responses and the data its actions read."""
    files = [ROOT / "domain.yml", *sorted((ROOT / "data").glob("*/*.yml"))]
    return "\n".join(
        path.read_text(encoding="utf-8")
        for path in files
        if path.parent.name in {"knowledge", "support", "wording"} or path.name == "domain.yml"
    )


# Rasa's own logging set-up, in Rasa's order (rasa/__main__.py), with our configuration file; then log
# lines the way Rasa writes them when something goes wrong with a message.
LOGGING_PROBE = """
import logging, sys

sys.path.remove("")  # as in the `rasa` command, the project is importable only through PYTHONPATH
import structlog
import rasa.shared.utils.io
from rasa.utils.common import configure_logging_and_warnings
from rasa.utils.io import configure_colored_logging
from rasa.utils.log_utils import configure_structlog

configure_logging_and_warnings(None, "deploy/logging.yml", warn_only_once=True, filter_repeated_logs=True)
configure_colored_logging(None)
configure_structlog(None)
marker = sys.argv[1]
log = structlog.get_logger()
log.error("rest.message.received.timeout", text=marker)
log.warning("message.parsing.failed", user_text=marker)

def handle(message):
    raise ValueError("could not handle the message")

try:
    handle(marker)
except ValueError:
    log.exception("rest.message.received.failure", text=marker)
log.debug("processor.message.parse", parse_data_text=marker)
logging.getLogger("rasa.core.processor").debug("Received user message '%s'", marker)
rasa.shared.utils.io.raise_warning(f"Failed to parse arguments in line '/{marker}'. Expected ...")
logging.getLogger("rasa.core.run").info("still logging")
"""


def new_marker() -> str:
    """A capitalised word nobody else would type, such as "Zqbkfoahdcm"."""
    return "Zq" + "".join(chr(ord("a") + int(c, 16)) for c in uuid.uuid4().hex[:10])


@pytest.mark.hazard("HAZ-05")
@pytest.mark.parametrize("log_level", ["INFO", "DEBUG"])
def test_logging_configuration_removes_message_text(log_level: str) -> None:
    marker = new_marker()
    out = subprocess.run(
        [sys.executable, "-c", LOGGING_PROBE, marker],
        cwd=ROOT,
        env={**rasa_env(), "LOG_LEVEL": log_level},
        capture_output=True,
        text=True,
        timeout=180,
        check=True,
    )
    logged = out.stdout + out.stderr
    assert marker not in logged
    for kept in ("rest.message.received.timeout", "message.parsing.failed", "rest.message.received.failure"):
        assert kept in logged
    assert "could not handle the message" in logged  # the exception is still reported, without its locals
    assert "could not be read as a button payload" in logged
    assert "still logging" in logged
    assert "processor.message.parse" not in logged and "Received user message" not in logged


@pytest.mark.hazard("HAZ-05")
@pytest.mark.parametrize("script", ["scripts/run.sh", "scripts/shell.sh", "scripts/run_scaled.sh"])
def test_scripts_log_safely_and_keep_the_api_closed(script: str) -> None:
    text = (ROOT / script).read_text(encoding="utf-8")
    common = (ROOT / "scripts" / "common.sh").read_text(encoding="utf-8")
    assert "--logging-config-file deploy/logging.yml" in common
    assert "LOG_LEVEL=INFO" in common and "FORCE_JSON_LOGGING=1" in common and "RASA_TELEMETRY_ENABLED=false" in common
    assert "source scripts/common.sh" in text
    joined = text.replace("\\\n", " ")  # one line per command
    commands = joined.splitlines()
    launches = [
        line for line in commands if re.search(r"\brasa (run|shell)\b", line) and not line.lstrip().startswith("#")
    ]
    assert launches, "no server is started here"
    assert joined.index("server_env") < joined.index(launches[0].strip()), "the logging environment is set first"
    for launch in launches:
        assert '"${logging[@]}"' in launch, launch
    for flag in ("--debug", "-vv", "--verbose", "--enable-api", "--cors"):
        assert flag not in text.split() and flag not in common.split()


@pytest.fixture(scope="module")
def production(model_path: Path, redis_port: int) -> Iterator[Servers]:
    """Both servers with the production endpoints (Redis from scripts/redis.sh) and deploy/logging.yml."""
    text = (ROOT / "deploy" / "endpoints.production.yml").read_text(encoding="utf-8")
    text = text.replace("${REDIS_HOST}", "127.0.0.1").replace("${REDIS_PORT}", str(redis_port))
    config = yaml.safe_load(text)
    del config["action_endpoint"]  # start_servers points it at its own action server
    yield from start_servers(model_path, "privacy", yaml.safe_dump(config))


def conversations(marker: str, other: str) -> List[List[str]]:
    """Chats that carry identifiers (`marker` as a name and in an email) and other typed words (`other`)."""
    return [
        [
            f"Hello, my name is {marker} and my number is {PHONE}",
            f"I live in {PLACE}, you can email me at {marker.lower()}@example.org",
            "I need to talk to someone",
            "I want to kill myself. DOB 03.04.90",
        ],
        ["I'm a counsellor", "check a request I've received", f"It came from {other} on {PHONE}", "stop"],
        [f"/{other.lower()}", f'/inform{{"nation":"{other}"}}', f"/inform{{{other} {PHONE}"],
    ]


@pytest.mark.hazard("HAZ-05")
@pytest.mark.slow
@pytest.mark.parametrize("channel", CHANNELS)
def test_nothing_typed_reaches_logs_or_store(channel: str, production: Servers, redis_port: int) -> None:
    client = CHANNEL_CLIENTS.get(channel)
    if client is None:
        pytest.skip(f"no privacy client for channel {channel!r}: add one to CHANNEL_CLIENTS in {Path(__file__).name}")
    assert PLACE.lower() not in assistant_wording().lower(), f"the assistant can say {PLACE!r}: pick another PLACE"
    store = redis.Redis(port=redis_port, decode_responses=True)
    store.flushall()
    marker, other = new_marker(), new_marker()
    for chat in conversations(marker, other):
        conversation = f"privacy-{uuid.uuid4().hex}"
        for text in chat:
            client(production, conversation, text)

    for name, path in production.logs.items():
        logged = path.read_text(encoding="utf-8")
        assert logged, f"the {name} server logged nothing"
        for secret in [marker, marker.lower(), other, other.lower(), PLACE, "03.04.90", *PHONE_PARTS]:
            assert secret not in logged, f"{secret!r} is in the {name} server's log {path}"

    if channel in PASSES_UNOFFERED_PAYLOADS:
        # The filter ran in the Rasa server: the warnings about the "/" messages are there, shortened.
        assert "could not be read as a button payload" in production.logs["rasa"].read_text(encoding="utf-8")

    keys = store.keys("*")
    assert len(keys) >= 3, "every conversation is stored"
    window = expiration_seconds(Domain.load(str(ROOT / "domain.yml")))
    stored = ""
    for key in keys:
        assert 0 < store.ttl(key) <= window, f"{key} must expire within domain.yml's window"
        stored += store.get(key)
    for secret in [marker, marker.lower(), PLACE, "03.04.90", *PHONE_PARTS]:
        assert secret not in stored
    for placeholder in ("[name]", "[phone number]", "[email]", "[place]", "[date of birth]"):
        assert placeholder in stored
