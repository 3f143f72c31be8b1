"""Shared test fixtures: the trained model and real Rasa and action servers started over HTTP."""

from __future__ import annotations

import json
import os
import secrets
import socket
import subprocess
import time
import urllib.request
import uuid
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Optional

import pytest
import redis
import yaml

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = ROOT / ".venv" / "bin"
ARTIFACTS = ROOT / "tests" / "artifacts"
# Measured numbers go to tests/artifacts/results/ (ignored), so `make test` leaves git clean; `make results`
# and `make test-load` point RC_RESULTS_DIR at results/ to update the tracked copies on purpose.
RESULTS = Path(os.environ.get("RC_RESULTS_DIR") or ARTIFACTS / "results")
# As in scripts/run.sh: the logging configuration that keeps what people type out of the logs.
LOGGING_ARGS = ["--logging-config-file", "deploy/logging.yml"]


def free_port() -> int:
    """A TCP port nobody is listening on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(url: str, timeout: float, process: subprocess.Popen) -> None:
    """Polls `url` until it answers, failing early if the process died."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"process exited with {process.returncode} before {url} answered")
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except OSError:
            time.sleep(0.5)
    raise TimeoutError(f"{url} did not answer within {timeout} s")


# One random channel secret per test session (the website channel refuses to start without one).
TEST_CHANNEL_SECRET = os.environ.get("RC_CHANNEL_SECRET") or secrets.token_urlsafe(32)
# Free ports for the demo sites the browser tests serve (tests/browser): the website channel allows these origins.
DEMO_PORTS = {"support": free_port(), "partner": free_port()}


def rasa_env() -> Dict[str, str]:
    return {
        **os.environ,
        "RASA_TELEMETRY_ENABLED": "false",
        "PYTHONUNBUFFERED": "1",
        "FORCE_JSON_LOGGING": "1",
        "PYTHONPATH": str(ROOT),  # deploy/logging.yml's filter is imported before Rasa adds the project to the path
        "RC_CHANNEL_SECRET": TEST_CHANNEL_SECRET,
        "RC_ALLOWED_ORIGINS": ",".join(f"http://localhost:{port}" for port in DEMO_PORTS.values()),
    }


@pytest.fixture(scope="session")
def website() -> Dict[str, Any]:
    """What the website channel of the test servers uses: its secret and the demo sites' ports and origins."""
    origins = {site: f"http://localhost:{port}" for site, port in DEMO_PORTS.items()}
    return {"secret": TEST_CHANNEL_SECRET, "ports": dict(DEMO_PORTS), "origins": origins}


@pytest.fixture(scope="session")
def model_path() -> Path:
    """The trained model (scripts/train.sh trains only when the data changed)."""
    out = subprocess.run(
        ["scripts/train.sh"], cwd=ROOT, check=True, capture_output=True, text=True, env=rasa_env()
    ).stdout
    return ROOT / out.strip().splitlines()[-1]


class Servers:
    """A running action server and Rasa server, with their log files (and processes, for the fault tests)."""

    def __init__(
        self,
        rasa_url: str,
        action_url: str,
        logs: Dict[str, Path],
        processes: Optional[Dict[str, subprocess.Popen]] = None,
    ) -> None:
        self.rasa_url = rasa_url
        self.action_url = action_url
        self.logs = logs
        self.processes = processes or {}

    def rest(self, sender: str, message: str) -> List[Dict]:
        """Sends one message through the REST channel and returns the bot's replies."""
        body = json.dumps({"sender": sender, "message": message}).encode()
        request = urllib.request.Request(
            f"{self.rasa_url}/webhooks/rest/webhook", body, {"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=60) as response:
            return json.loads(response.read().decode() or "[]")


def default_tracker_store() -> str:
    """endpoints.yml's tracker_store section: the test servers keep conversations as `make run` does."""
    section = yaml.safe_load((ROOT / "endpoints.yml").read_text(encoding="utf-8"))["tracker_store"]
    return yaml.safe_dump({"tracker_store": section})


def action_endpoint(port: int) -> str:
    """endpoints.yml's action_endpoint section (its timeout too), pointed at an action server on `port`."""
    section = yaml.safe_load((ROOT / "endpoints.yml").read_text(encoding="utf-8"))["action_endpoint"]
    return yaml.safe_dump({"action_endpoint": {**section, "url": f"http://127.0.0.1:{port}/webhook"}})


def start_action_server(port: int, log: Path, mode: str = "w") -> subprocess.Popen:
    """An action server on `port`, as scripts/run.sh starts it, logging to `log` (mode "a" to append)."""
    return subprocess.Popen(
        [str(VENV_BIN / "rasa"), "run", "actions", "--actions", "actions", "--port", str(port), *LOGGING_ARGS],
        cwd=ROOT,
        env={**rasa_env(), "SANIC_HOST": "127.0.0.1"},
        stdout=log.open(mode),
        stderr=subprocess.STDOUT,
    )


def start_servers(model: Path, name: str, endpoints_extra: str = "") -> Iterator[Servers]:
    """Starts both servers on free loopback ports; yields them, then stops them.

    `endpoints_extra` is added to the endpoints file; without a tracker_store section there, endpoints.yml's is used.
    """
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    action_port, rasa_port = free_port(), free_port()
    if "tracker_store:" not in endpoints_extra:
        endpoints_extra += default_tracker_store()
    endpoints = ARTIFACTS / f"endpoints-{name}.yml"
    endpoints.write_text(action_endpoint(action_port) + endpoints_extra, encoding="utf-8")
    logs = {"actions": ARTIFACTS / f"{name}-actions.log", "rasa": ARTIFACTS / f"{name}-rasa.log"}
    env = rasa_env()
    actions = start_action_server(action_port, logs["actions"])
    rasa = subprocess.Popen(
        [
            str(VENV_BIN / "python"),
            "-m",
            "rasa_server",
            "run",
            "--model",
            str(model),
            "--interface",
            "127.0.0.1",
            "--port",
            str(rasa_port),
            "--credentials",
            "credentials.yml",
            "--endpoints",
            str(endpoints),
            *LOGGING_ARGS,
        ],
        cwd=ROOT,
        env=env,
        stdout=logs["rasa"].open("w"),
        stderr=subprocess.STDOUT,
    )
    processes = {"rasa": rasa, "actions": actions}
    try:
        wait_for(f"http://127.0.0.1:{action_port}/health", 90, actions)
        wait_for(f"http://127.0.0.1:{rasa_port}/", 180, rasa)
        yield Servers(f"http://127.0.0.1:{rasa_port}", f"http://127.0.0.1:{action_port}", logs, processes)
    finally:
        running = list(processes.values())  # a fault test may have replaced the action server
        for process in running:
            process.terminate()
        for process in running:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()


@pytest.fixture(scope="session")
def redis_port() -> Iterator[int]:
    """A private Redis server from scripts/redis.sh (loopback, nothing on disk) on a free port."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    port = free_port()
    process = subprocess.Popen(
        ["scripts/redis.sh"],
        cwd=ROOT,
        env={**os.environ, "REDIS_PORT": str(port)},
        stdout=(ARTIFACTS / "redis.log").open("w"),
        stderr=subprocess.STDOUT,
    )
    client = redis.Redis(port=port)
    deadline = time.monotonic() + 30
    while True:
        try:
            client.ping()
            break
        except redis.ConnectionError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("Redis did not start; see tests/artifacts/redis.log") from None
            time.sleep(0.2)
    try:
        yield port
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture(scope="session")
def servers(model_path: Path) -> Iterator[Servers]:
    """Both servers, started once for the whole test session."""
    yield from start_servers(model_path, "e2e")


@pytest.fixture()
def chat(servers: Servers) -> Callable[[str], str]:
    """A new conversation: call it with a message, get the replies' text and button titles as one string."""
    sender = "test-" + uuid.uuid4().hex

    def send(message: str) -> str:
        replies = servers.rest(sender, message)
        parts = []
        for reply in replies:
            parts.append(reply.get("text") or "")
            parts.extend(button["title"] for button in reply.get("buttons") or [])
        return "\n".join(parts)

    return send
