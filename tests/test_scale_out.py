"""The scale-out profile (scripts/run_scaled.sh): Rasa replicas behind nginx, sharing conversations through Redis.

One stack with three replicas is started by the real script. Each conversation must stay on one replica while it
is up (nginx hashes the website session or the REST sender), keep its context across many turns, and go on on
another replica, from the shared Redis store, when its replica is killed. The last test measures throughput with
two replicas and then one, and writes results/scaling.md and results/scaling.json.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import signal
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Tuple

import pytest

from scripts.bench import OUR_SCRIPTS, closed_loop
from tests.conftest import ARTIFACTS, RESULTS, ROOT, TEST_CHANNEL_SECRET, free_port

pytestmark = pytest.mark.slow

REPLICAS = 3
ORIGIN = "http://localhost:8000"
# The request checker, one reply per message, with a phrase each reply must contain (None: not checked).
CHECKLIST: List[Tuple[str, Optional[str]]] = [
    ("I'm a counsellor", "counsellors"),
    ("can you help me check a request the police sent?", "court order"),
    ('/inform{"request_kind":"police_request"}', "in writing"),
    ("yes", "exactly what information"),
    ("no", "counselling or therapy information"),
    ("yes it is about her counselling", "chief inspector"),
    ("no", "client"),
    ("not sure", "specific records"),
    ("the whole file", "Missing"),
]


def port_range_is_free(ports: List[int]) -> bool:
    for port in ports:
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                return False
    return True


def free_base_port() -> int:
    """A base port with base+1..REPLICAS (Rasa) and base+51..50+REPLICAS (actions) all free."""
    while True:
        base = random.randrange(20000, 40000, 100)
        ports = [base + i for i in range(1, REPLICAS + 1)] + [base + 50 + i for i in range(1, REPLICAS + 1)]
        if port_range_is_free(ports):
            return base


class Stack:
    """The running stack: nginx's address, and a way to kill one replica."""

    def __init__(self, port: int, base: int, directory: Path) -> None:
        self.url = f"http://127.0.0.1:{port}"
        self.base = base
        self.directory = directory

    def post(self, path: str, body: Dict[str, Any], token: str = "") -> Tuple[int, Any, str]:
        """POSTs JSON through nginx; returns the status, the JSON body and the replica that answered."""
        headers = {"Content-Type": "application/json", "Origin": ORIGIN}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        request = urllib.request.Request(self.url + path, json.dumps(body).encode(), headers)
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return response.status, json.loads(response.read() or b"null"), response.headers["X-RC-Replica"]
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"null"), error.headers.get("X-RC-Replica", "")

    def rest(self, sender: str, message: str) -> Tuple[str, str]:
        """One REST turn: the replies' text and buttons as one string, and the replica."""
        status, replies, replica = self.post("/webhooks/rest/webhook", {"sender": sender, "message": message})
        assert status == 200, (status, replies)
        return "\n".join(text_of(reply) for reply in replies), replica

    def replica_index(self, replica: str) -> int:
        return int(replica.rsplit(":", 1)[1]) - self.base

    def kill(self, index: int) -> None:
        """Kills replica `index` (its Rasa server and its action server) at once, as a crash would."""
        for name in (f"rasa-{index}", f"actions-{index}"):
            os.kill(int((self.directory / f"{name}.pid").read_text()), signal.SIGKILL)
        time.sleep(1)


def machine_busy_seconds() -> Tuple[float, float]:
    """CPU seconds the whole machine spent busy and in total so far, over all cores (/proc/stat)."""
    fields = [float(value) for value in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    ticks = os.sysconf("SC_CLK_TCK")
    return (sum(fields) - idle) / ticks, sum(fields) / ticks


def process_cpu_seconds(pid: int) -> float:
    """CPU seconds one process has used so far (0 once it has gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (float(fields[11]) + float(fields[12])) / os.sysconf("SC_CLK_TCK")


def measured_load(stack: "Stack", users: int, warmup: float, duration: float) -> Dict[str, float]:
    """closed_loop through nginx, plus how busy the machine and the Rasa servers were (in cores)."""
    pids = [int(path.read_text()) for path in stack.directory.glob("rasa-*.pid")]
    machine_before, rasa_before, started = machine_busy_seconds(), sum(map(process_cpu_seconds, pids)), time.time()
    url = f"{stack.url}/webhooks/rest/webhook"
    summary = asyncio.run(closed_loop(url, OUR_SCRIPTS, users, warmup, duration)).summary()
    elapsed = time.time() - started
    (busy, total), rasa = machine_busy_seconds(), sum(map(process_cpu_seconds, pids))
    cores = (total - machine_before[1]) / elapsed
    summary["machine_busy_cores"] = (busy - machine_before[0]) / elapsed
    summary["machine_cores"] = round(cores)
    summary["rasa_servers_cores"] = (rasa - rasa_before) / elapsed
    return summary


def text_of(reply: Dict[str, Any]) -> str:
    return "\n".join([reply.get("text") or ""] + [button["title"] for button in reply.get("buttons") or []])


@pytest.fixture(scope="module")
def stack() -> Iterator[Stack]:
    """scripts/run_scaled.sh with three replicas on free loopback ports; stopped (Ctrl-C's path) at the end."""
    directory = ARTIFACTS / "scaled"
    port, base = free_port(), free_base_port()
    env = {
        **os.environ,
        "REPLICAS": str(REPLICAS),
        "SCALED_PORT": str(port),
        "SCALED_BASE_PORT": str(base),
        "REDIS_PORT": str(free_port()),
        "SCALED_DIR": str(directory),
        "RC_CHANNEL_SECRET": TEST_CHANNEL_SECRET,
        "RC_ALLOWED_ORIGINS": ORIGIN,
    }
    directory.mkdir(parents=True, exist_ok=True)
    log = (ARTIFACTS / "scaled.log").open("w")
    process = subprocess.Popen(
        ["scripts/run_scaled.sh"], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    running = threading.Event()

    def follow() -> None:  # copy the script's output to the log and notice when it says it is running
        for line in process.stdout:
            log.write(line)
            log.flush()
            if "is running with" in line:
                running.set()

    threading.Thread(target=follow, daemon=True).start()
    try:
        deadline = time.monotonic() + 600
        while not running.wait(1):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("scripts/run_scaled.sh did not start; see tests/artifacts/scaled.log")
        yield Stack(port, base, directory)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()


def start_website_chat(stack: Stack, on_replica: Optional[str] = None) -> Tuple[str, str]:
    """A website chat (token, replica of its first message); with `on_replica`, one that nginx sends there."""
    for _ in range(50):
        status, body, _ = stack.post("/webhooks/website/session", {"audience": "therapist"})
        assert status == 201, body
        status, body, replica = stack.post("/webhooks/website/message", {"message": "I'm a counsellor"}, body["token"])
        assert status == 200, body
        if on_replica in (None, replica):
            return body["token"], replica
    raise AssertionError(f"no website session was sent to {on_replica}")


def rest_sender_on(stack: Stack, replica: str) -> str:
    """A new REST conversation (after its first turn) that nginx sends to `replica`."""
    for _ in range(50):
        sender = "scale-" + uuid.uuid4().hex
        reply, landed = stack.rest(sender, CHECKLIST[0][0])
        assert CHECKLIST[0][1] in reply
        if landed == replica:
            return sender
    raise AssertionError(f"no REST conversation was sent to {replica}")


def test_a_rest_conversation_keeps_its_context_on_one_replica(stack: Stack):
    sender = "scale-" + uuid.uuid4().hex
    replicas = set()
    for message, expected in CHECKLIST:
        reply, replica = stack.rest(sender, message)
        replicas.add(replica)
        if expected:
            assert expected in reply, (message, reply)
    assert len(replicas) == 1


def test_website_chats_keep_their_context_on_one_replica_and_spread_over_replicas(stack: Stack):
    seen = set()
    for _ in range(6):
        token, first = start_website_chat(stack)
        seen.add(first)
        for message, expected in CHECKLIST[1:5]:
            status, body, replica = stack.post("/webhooks/website/message", {"message": message}, token)
            assert status == 200 and replica == first, (status, body, replica, first)
            token = body["token"]
            assert expected in "\n".join(text_of(reply) for reply in body["messages"])
    assert len(seen) >= 2, "six chats all went to one replica: the hash is not spreading conversations"


def test_conversations_go_on_on_another_replica_when_theirs_is_killed(stack: Stack):
    _, doomed = stack.rest("scale-" + uuid.uuid4().hex, "hello")
    sender = rest_sender_on(stack, doomed)
    token, _ = start_website_chat(stack, on_replica=doomed)
    for message, expected in CHECKLIST[1:4]:
        reply, replica = stack.rest(sender, message)
        assert replica == doomed and expected in reply
    status, body, _ = stack.post("/webhooks/website/message", {"message": CHECKLIST[1][0]}, token)
    assert status == 200
    token = body["token"]

    stack.kill(stack.replica_index(doomed))

    for message, expected in CHECKLIST[4:]:  # the form goes on where it was: the slots came from Redis
        reply, replica = stack.rest(sender, message)
        assert replica != doomed
        assert expected in reply, (message, reply)
    status, body, replica = stack.post("/webhooks/website/message", {"message": CHECKLIST[2][0]}, token)
    assert status == 200 and replica != doomed, (status, body)
    assert CHECKLIST[2][1] in "\n".join(text_of(reply) for reply in body["messages"])
    status, body, _ = stack.post("/webhooks/website/end", {}, body["token"])
    assert status == 200 and body == {"ended": True}


def test_throughput_with_two_replicas_and_with_one(stack: Stack):
    """Writes results/scaling.md and .json. Run after the failover test: two replicas are left, then one."""
    users, warmup, duration = 20, 3.0, 15.0
    alive = sorted({stack.rest("scale-" + uuid.uuid4().hex, "hello")[1] for _ in range(12)})
    assert len(alive) == 2, alive
    two = measured_load(stack, users, warmup, duration)
    stack.kill(stack.replica_index(alive[0]))
    one = measured_load(stack, users, warmup, duration)
    assert two["errors"] == 0 and one["errors"] == 0, (two, one)
    assert two["requests"] > 0 and one["requests"] > 0
    ratio = two["throughput_rps"] / one["throughput_rps"]
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "scaling.json").write_text(
        json.dumps({"users": users, "seconds": duration, "two_replicas": two, "one_replica": one, "ratio": ratio})
        + "\n"
    )
    rows = [
        f"| {name} | {run['throughput_rps']:.1f} | {run['p50_ms']:.0f} | {run['p95_ms']:.0f} | {run['errors']:.0f} "
        f"| {run['rasa_servers_cores']:.2f} | {run['machine_busy_cores']:.2f} of {run['machine_cores']} |"
        for name, run in (("2 replicas", two), ("1 replica", one))
    ]
    (RESULTS / "scaling.md").write_text(
        "# Scale-out: throughput through nginx with two Rasa replicas and with one\n\n"
        f"Written by tests/test_scale_out.py on {time.strftime('%Y-%m-%d')} ({os.cpu_count()} cores; "
        f"{users} closed-loop users, {duration:g} s each, the benchmark's conversations, REST channel).\n\n"
        "| replicas | replies/s | p50 ms | p95 ms | errors | Rasa servers' CPU (cores) | machine busy (cores) |\n"
        "|---|---:|---:|---:|---:|---:|---:|\n"
        + "\n".join(rows)
        + f"\n\nTwo replicas ÷ one: {ratio:.2f}. A Rasa server uses one core at most (its CPU column), so one replica "
        "tops out at about one core; a second replica can use another core, as far as the load generator, nginx, "
        "Redis, the action servers and any other jobs on the machine leave one free (the last column).\n"
    )
