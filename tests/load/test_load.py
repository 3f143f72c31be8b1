"""50 people chatting at once for 2 minutes through the website channel: no errors, and the latencies measured.

Each simulated person has their own loopback address and goes through scripted conversations (a survivor's
questions, a counsellor's request checklist, a crisis, finding support, privacy), pausing 3.1-4.5 s between
messages as a person would, which also keeps each conversation under the channel's 20 messages a minute.
Every request must succeed with the expected reply (crisis replies must start with 999), and no reply may be
the "something went wrong" fallback. The latencies (p50/p95/p99) and throughput go to results/load.json.

The thresholds are about correctness only: the machine may be shared, so timings are reported, not asserted.
"""

from __future__ import annotations

import json
import random
import statistics
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Tuple

import pytest

from rasa_server.patches.action_fallback import unavailable_message
from tests.conftest import RESULTS, Servers, start_servers
from tests.load.chat import Reply, WebsiteChat, allowed_origin

pytestmark = pytest.mark.load

USERS = 50
DURATION = 120.0
THINK_SECONDS = (3.1, 4.5)
SEED = 20260112
UNAVAILABLE = unavailable_message().split("\n")[0]

# (audience, [(message, words the reply must contain), ...])
Script = Tuple[str, List[Tuple[str, Optional[str]]]]
SCRIPTS: List[Script] = [
    (
        "survivor",
        [
            ("can police get my counselling notes?", "chief inspector"),
            ("who has to sign off a request", "chief inspector"),
            ("will I be told if they ask for my records", None),
            ("thank you", None),
        ],
    ),
    (
        "therapist",
        [
            ("check a request I've received", "court order"),
            ("a request from the police", "in writing"),
            ("yes", None),
            ("no", None),
            ("yes it is about her counselling", "chief inspector"),
            ("not sure", None),
            ("no", None),
            ("the whole file", "Sources"),
        ],
    ),
    (
        "survivor",
        [
            ("I want to kill myself", "999"),
            ("I need someone to talk to", None),
            ("I'm in Cardiff", None),
        ],
    ),
    (
        "survivor",
        [
            ("what do you keep about me?", "30 minutes"),
            ("are you a real person", "bot"),
            ("is there a new law about my notes", None),
            ("bye", None),
        ],
    ),
]


def percentile(values: List[float], share: float) -> float:
    """The value below which `share` of `values` lie (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def problem(reply: Reply, expected: Optional[str]) -> Optional[str]:
    """Why this reply counts as an error, if it does."""
    if reply.status not in (200, 201):
        return f"{reply.route}: HTTP {reply.status} {reply.body.get('error', '')}"
    if reply.route == "end":
        return None if reply.body.get("ended") else "end: not ended"
    if not reply.body.get("messages"):
        return f"{reply.route}: no reply"
    if UNAVAILABLE in reply.text:
        return f"{reply.route}: the assistant was unavailable (an action failed or timed out)"
    if expected and expected not in reply.text:
        return f"{reply.route}: expected {expected!r}"
    if expected == "999" and not reply.body["messages"][0]["text"].count("999"):
        return "crisis: 999 is not in the first reply"
    return None


class Person:
    """One simulated person: conversations one after another until the time is up."""

    def __init__(self, number: int, servers: Servers, origin: str, deadline: float) -> None:
        self.chat = WebsiteChat(servers, origin, f"127.85.{number // 250}.{number % 250 + 1}")
        self.rng = random.Random(SEED + number)
        self.deadline = deadline
        self.replies: List[Reply] = []
        self.problems: List[str] = []

    def record(self, reply: Reply, expected: Optional[str] = None) -> None:
        self.replies.append(reply)
        found = problem(reply, expected)
        if found:
            self.problems.append(found)

    def conversations(self) -> Iterator[Script]:
        while True:
            yield self.rng.choice(SCRIPTS)

    def run(self, start: threading.Barrier) -> "Person":
        start.wait()
        for audience, messages in self.conversations():
            if time.monotonic() > self.deadline:
                break
            self.record(self.chat.start(audience))
            for message, expected in messages:
                time.sleep(self.rng.uniform(*THINK_SECONDS))
                if time.monotonic() > self.deadline:
                    break
                self.record(self.chat.say(message), expected)
            self.record(self.chat.end())
        return self


def summary(people: List[Person], seconds: float) -> Dict[str, Any]:
    """Latencies, throughput and errors, overall and per route."""
    replies = [reply for person in people for reply in person.replies]
    problems = [found for person in people for found in person.problems]

    def latencies(chosen: List[Reply]) -> Dict[str, float]:
        values = [reply.seconds * 1000 for reply in chosen]
        return {
            "p50": round(percentile(values, 0.50), 1),
            "p95": round(percentile(values, 0.95), 1),
            "p99": round(percentile(values, 0.99), 1),
            "mean": round(statistics.fmean(values), 1),
            "max": round(max(values), 1),
        }

    routes = sorted({reply.route for reply in replies})
    return {
        "users": len(people),
        "seconds": round(seconds, 1),
        "requests": len(replies),
        "messages": sum(reply.route == "message" for reply in replies),
        "throughput_per_second": round(len(replies) / seconds, 2),
        "errors": len(problems),
        "error_examples": sorted(set(problems))[:10],
        "latency_ms": latencies(replies),
        "latency_ms_by_route": {route: latencies([r for r in replies if r.route == route]) for route in routes},
        "think_time_seconds": list(THINK_SECONDS),
    }


@pytest.fixture(scope="module")
def load_servers(model_path: Path) -> Iterator[Servers]:
    """Fresh servers, set up as `make run` sets them up (in-memory store, endpoints.yml's action timeout)."""
    yield from start_servers(model_path, "load")


def test_fifty_people_chat_for_two_minutes_without_an_error(load_servers: Servers):
    origin = allowed_origin()
    start = threading.Barrier(USERS)
    started = time.monotonic()
    deadline = started + DURATION
    people = [Person(number, load_servers, origin, deadline) for number in range(1, USERS + 1)]
    with ThreadPoolExecutor(USERS) as pool:
        finished = list(pool.map(lambda person: person.run(start), people))
    result = summary(finished, time.monotonic() - started)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "load.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print("\nLoad:", json.dumps(result, indent=2))

    assert result["errors"] == 0, result["error_examples"]
    assert result["messages"] >= USERS * DURATION / THINK_SECONDS[1] * 0.8, "the simulated people kept talking"
