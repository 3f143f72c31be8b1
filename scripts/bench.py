"""Benchmark: Rights Companion against Rasa's own starter bot (`rasa init`), on this machine, under the same load.

`make bench` (or `.venv/bin/python scripts/bench.py --help`). Both bots run side by side with the same Rasa; each
repetition starts both fresh (cold start: process start to the first successful reply), then drives each in turn
with the same closed-loop load through the REST channel (1, 10 and 50 concurrent users by default: every user
sends one message, waits for the reply, sends the next, and starts a new conversation when its script ends).
Scripts are realistic for each bot: for ours questions, a full request-checker form run and support requests; for
the starter its greet / mood / goodbye stories. Peak RSS is sampled from /proc for the whole repetition: the Rasa
server plus the action server for ours, the Rasa server alone for the starter (it has no custom actions).
Training time is measured once per version of each bot's inputs and cached under .cache/bench/ (not in git), as is
the starter project and its model. The table (medians over repetitions, ratio ours / starter) is printed and
written to results/bench.md and results/bench.json.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import platform
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence

import aiohttp
import yaml

ROOT = Path(__file__).resolve().parent.parent
RASA = ROOT / ".venv" / "bin" / "rasa"
# Our Rasa server starts through the launcher that installs our patches (rasa_server/__main__.py).
OUR_RASA = [str(ROOT / ".venv" / "bin" / "python"), "-m", "rasa_server"]
CACHE = ROOT / ".cache" / "bench"
STARTER_DIR = CACHE / "starter"
LOGS = CACHE / "logs"
RESULTS = ROOT / "results"
STARTER_INPUTS = ("config.yml", "domain.yml", "data")

# What people do with each bot; every user cycles through these conversations, starting at a different one.
OUR_SCRIPTS: List[List[str]] = [
    ["hello", "can police get my counselling notes?", "who has to sign off a request?", "what is an ISVA?", "thanks"],
    [
        "I'm a counsellor",
        "can you help me check a request the police sent?",
        '/inform{"request_kind":"police_request"}',
        "yes",
        "no",
        "yes it is about her counselling",
        "no",
        "not sure",
        "the whole file",
    ],
    ["hi", "support services in wales please", "im 14 and something bad happened, who can i talk to", "thank you"],
    ["do I have to agree to police getting my records?", "will I be told?", "I'm a man, who can I talk to?", "bye"],
]
STARTER_SCRIPTS: List[List[str]] = [
    ["hello", "I am feeling great", "bye"],
    ["hi", "I am sad", "yes", "goodbye"],
    ["hey there", "very unhappy", "no", "bye"],
    ["good morning", "are you a bot?", "perfect", "see you later"],
]
TARGETS = {
    "p50_1_user_ratio": 1.0,
    "throughput_ratio": 1.0,
    "training_seconds": 180.0,
    "cold_start_seconds": 20.0,
    "peak_rss_mb": 1536.0,
}


def say(message: str) -> None:
    """Progress on stderr, so stdout keeps only the table."""
    print(f"\033[1m==> {message}\033[0m", file=sys.stderr, flush=True)


def free_port() -> int:
    """A TCP port nobody is listening on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def rasa_env(**extra: str) -> Dict[str, str]:
    """The environment every Rasa command of the benchmark runs with."""
    return {
        **os.environ,
        "RASA_TELEMETRY_ENABLED": "false",
        "PYTHONWARNINGS": "ignore",
        "RASA_MAX_CACHE_SIZE": "0",  # both bots train from scratch, as a fresh checkout does
        **extra,
    }


# --- statistics ------------------------------------------------------------------------------------------


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100) with linear interpolation between closest ranks; NaN for no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def median(values: Sequence[float]) -> float:
    """The median of the values that are numbers; NaN when there are none."""
    numbers = [value for value in values if value == value]
    return statistics.median(numbers) if numbers else float("nan")


def ratio(ours: float, starter: float) -> float:
    """ours / starter; NaN when it cannot be computed."""
    if starter != starter or ours != ours or starter == 0:
        return float("nan")
    return ours / starter


# --- load ------------------------------------------------------------------------------------------------


@dataclass
class LoadResult:
    """What one closed-loop run measured."""

    users: int
    seconds: float
    latencies_ms: List[float] = field(default_factory=list)
    errors: int = 0

    def summary(self) -> Dict[str, float]:
        """Latency percentiles (ms), throughput (replies per second) and errors."""
        return {
            "p50_ms": percentile(self.latencies_ms, 50),
            "p95_ms": percentile(self.latencies_ms, 95),
            "p99_ms": percentile(self.latencies_ms, 99),
            "throughput_rps": len(self.latencies_ms) / self.seconds,
            "errors": float(self.errors),
            "requests": float(len(self.latencies_ms) + self.errors),
        }


async def closed_loop(
    url: str, scripts: List[List[str]], users: int, warmup: float, duration: float, timeout: float = 60.0
) -> LoadResult:
    """`users` users each send a message, wait for the reply, and send the next, for warmup + duration seconds.

    Only requests that start after the warm-up and finish inside the measured window count. A request fails when
    it does not answer 200 with at least one reply within `timeout` seconds.
    """
    result = LoadResult(users=users, seconds=duration)
    loop = asyncio.get_running_loop()
    start = loop.time()
    window = (start + warmup, start + warmup + duration)

    async def user(index: int, session: aiohttp.ClientSession) -> None:
        turn = index
        while loop.time() < window[1]:
            sender = f"bench-{uuid.uuid4().hex}"
            for message in scripts[turn % len(scripts)]:
                sent = loop.time()
                if sent >= window[1]:
                    return
                ok = False
                try:
                    async with session.post(url, json={"sender": sender, "message": message}) as response:
                        body = await response.json(content_type=None)
                        ok = response.status == 200 and isinstance(body, list) and len(body) > 0
                except (aiohttp.ClientError, asyncio.TimeoutError, ValueError):
                    ok = False
                done = loop.time()
                if sent >= window[0] and done <= window[1]:
                    if ok:
                        result.latencies_ms.append((done - sent) * 1000)
                    else:
                        result.errors += 1
                if not ok:
                    break  # a conversation that lost a reply starts again
            turn += 1

    connector = aiohttp.TCPConnector(limit=users)
    async with aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=timeout)) as session:
        await asyncio.gather(*(user(index, session) for index in range(users)))
    return result


# --- processes -------------------------------------------------------------------------------------------


def process_tree(pid: int) -> List[int]:
    """pid and all its descendants (from /proc)."""
    found, queue = [], [pid]
    while queue:
        current = queue.pop()
        found.append(current)
        for task in Path(f"/proc/{current}/task").glob("*"):
            try:
                queue.extend(int(child) for child in (task / "children").read_text().split())
            except OSError:
                pass
    return found


def rss_mb(pid: int) -> float:
    """Resident memory of one process in MiB (0 when it has gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


class PeakMemory:
    """Samples the summed RSS of some process trees in a thread and keeps the peak."""

    def __init__(self, pids: List[int], every: float = 0.2) -> None:
        self.pids = pids
        self.every = every
        self.peak_mb = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            total = sum(rss_mb(pid) for root in self.pids for pid in process_tree(root))
            self.peak_mb = max(self.peak_mb, total)
            self._stop.wait(self.every)

    def __enter__(self) -> "PeakMemory":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


class StartupFailed(RuntimeError):
    """A bot's process exited before the bot answered."""


@dataclass
class Bot:
    """One bot under test: how to start its processes and talk to it."""

    name: str
    cwd: Path
    commands: List[List[str]]
    env: Dict[str, str]
    port: int
    scripts: List[List[str]]
    processes: List[subprocess.Popen] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/webhooks/rest/webhook"

    def launch(self, repetition: int) -> float:
        """Starts every process at once; returns the monotonic time they were started."""
        LOGS.mkdir(parents=True, exist_ok=True)
        started = time.monotonic()
        for index, command in enumerate(self.commands):
            log = (LOGS / f"{self.name}-{repetition}-{index}.log").open("w")
            self.processes.append(
                subprocess.Popen(command, cwd=self.cwd, env=self.env, stdout=log, stderr=subprocess.STDOUT)
            )
        return started

    def wait_ready(self, started: float) -> float:
        """Seconds from `started` until a first conversation got a reply."""
        body = json.dumps({"sender": f"cold-{uuid.uuid4().hex}", "message": self.scripts[0][0]}).encode()
        deadline = started + 300
        while time.monotonic() < deadline:
            if any(process.poll() is not None for process in self.processes):
                raise StartupFailed(f"{self.name}: a process exited during start-up; see {LOGS}")
            try:
                request = subprocess.run(  # curl keeps this loop free of Python HTTP start-up costs
                    ["curl", "-sf", "-m", "30", "-H", "Content-Type: application/json", "-d", body, self.url],
                    capture_output=True,
                )
                if request.returncode == 0 and json.loads(request.stdout or b"[]"):
                    return time.monotonic() - started
            except ValueError:
                pass
            time.sleep(0.1)
        raise TimeoutError(f"{self.name} did not reply within 300 s; see {LOGS}")

    def pids(self) -> List[int]:
        return [process.pid for process in self.processes]

    def stop(self) -> None:
        for process in self.processes:
            process.send_signal(signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self.processes.clear()


# --- the two bots ----------------------------------------------------------------------------------------


def hash_files(base: Path, names: Sequence[str], extra: str) -> str:
    """A short content hash of the named files and folders under base, plus `extra`.

    YAML files count by their content, not their text: `rasa train` writes the default pipeline it used into the
    starter's config.yml as comments, which must not make the next run train again.
    """
    digest = hashlib.sha256(extra.encode())
    for name in names:
        path = base / name
        for file in sorted([path] if path.is_file() else path.rglob("*")):
            if file.is_file():
                content = file.read_bytes()
                if file.suffix in (".yml", ".yaml"):
                    content = json.dumps(yaml.safe_load(content), sort_keys=True, default=str).encode()
                digest.update(str(file.relative_to(base)).encode() + b"\0" + content)
    return digest.hexdigest()[:12]


def rasa_version() -> str:
    return subprocess.run(
        [str(ROOT / ".venv" / "bin" / "python"), "-c", "import rasa; print(rasa.__version__)"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()


def timed_training(cwd: Path, out: Path, name: str) -> float:
    """Trains the project in cwd into out/name.tar.gz and returns the wall-clock seconds it took."""
    started = time.monotonic()
    with (LOGS / f"train-{name}.log").open("w") as log:
        subprocess.run(
            [str(RASA), "train", "--fixed-model-name", name, "--out", str(out)],
            cwd=cwd,
            env=rasa_env(PYTHONPATH=str(cwd)),
            stdout=log,
            stderr=subprocess.STDOUT,
            check=True,
        )
    return time.monotonic() - started


def cached_training_seconds(record: Path, train: Any, retrain: bool) -> float:
    """The training time recorded in `record`, measuring it with `train()` first when missing or asked to."""
    if record.exists() and not retrain:
        return float(json.loads(record.read_text())["training_seconds"])
    seconds = train()
    record.parent.mkdir(parents=True, exist_ok=True)
    record.write_text(json.dumps({"training_seconds": round(seconds, 1)}))
    return seconds


def prepare_starter(version: str, retrain: bool) -> Dict[str, Any]:
    """`rasa init` once into .cache/bench/starter, then its model trained once per content hash."""
    if not (STARTER_DIR / "config.yml").exists():
        say("Creating Rasa's starter bot with `rasa init --no-prompt` (it trains once itself; a few minutes)")
        shutil.rmtree(STARTER_DIR, ignore_errors=True)
        STARTER_DIR.mkdir(parents=True)
        with (LOGS / "starter-init.log").open("w") as log:
            subprocess.run(
                [str(RASA), "init", "--no-prompt", "--init-dir", str(STARTER_DIR)],
                cwd=CACHE,
                env=rasa_env(),
                stdout=log,
                stderr=subprocess.STDOUT,
                check=True,
            )
        shutil.rmtree(STARTER_DIR / "models", ignore_errors=True)  # ours is trained and timed below
    name = f"starter-{hash_files(STARTER_DIR, STARTER_INPUTS, version)}"
    model = STARTER_DIR / "models" / f"{name}.tar.gz"
    record = CACHE / f"{name}.json"

    def train() -> float:
        say("Training the starter bot (timed)")
        return timed_training(STARTER_DIR, STARTER_DIR / "models", name)

    if not model.exists():
        record.unlink(missing_ok=True)
    seconds = cached_training_seconds(record, train, retrain)
    if not model.exists():  # measured earlier by --retrain without a model? train for serving
        train()
    return {"model": model, "training_seconds": seconds}


def prepare_ours(retrain: bool) -> Dict[str, Any]:
    """Our model from scripts/train.sh; its training time measured once per content hash in a scratch folder."""
    say("Training Rights Companion if its data changed (scripts/train.sh)")
    output = subprocess.run(["scripts/train.sh"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    model = ROOT / output.strip().splitlines()[-1]
    name = model.name.removesuffix(".tar.gz")
    scratch = CACHE / "training"

    def train() -> float:
        say("Training Rights Companion again in .cache/bench to time it (the served model is models/'s)")
        try:
            return timed_training(ROOT, scratch, name)
        finally:
            shutil.rmtree(scratch, ignore_errors=True)

    seconds = cached_training_seconds(CACHE / f"{name}.json", train, retrain)
    return {"model": model, "training_seconds": seconds}


def our_bot(model: Path) -> Bot:
    rasa_port, action_port = free_port(), free_port()
    endpoints = CACHE / "endpoints-ours.yml"
    tracker_store = "tracker_store:\n  type: rasa_server.privacy.tracker_store.RedactingInMemoryTrackerStore\n"
    endpoints.write_text(f'action_endpoint:\n  url: "http://127.0.0.1:{action_port}/webhook"\n{tracker_store}')
    logging = ["--logging-config-file", "deploy/logging.yml"]
    env = rasa_env(
        PYTHONPATH=str(ROOT),
        LOG_LEVEL="INFO",
        FORCE_JSON_LOGGING="1",
        RC_CHANNEL_SECRET=secrets.token_urlsafe(48),
    )
    actions = [str(RASA), "run", "actions", "--actions", "actions", "--port", str(action_port), *logging]
    server = [*OUR_RASA, "run", "--model", str(model), "--interface", "127.0.0.1", "--port", str(rasa_port)]
    server += ["--credentials", "credentials.yml", "--endpoints", str(endpoints), *logging]
    return Bot("ours", ROOT, [actions, server], {**env, "SANIC_HOST": "127.0.0.1"}, rasa_port, OUR_SCRIPTS)


def starter_bot(model: Path) -> Bot:
    port = free_port()
    server = [str(RASA), "run", "--model", str(model), "--interface", "127.0.0.1", "--port", str(port)]
    server += ["--credentials", "credentials.yml", "--endpoints", "endpoints.yml"]
    return Bot("starter", STARTER_DIR, [server], rasa_env(), port, STARTER_SCRIPTS)


# --- the run ---------------------------------------------------------------------------------------------


def run(args: argparse.Namespace) -> Dict[str, Any]:
    """Prepares both bots, runs every repetition and returns the raw measurements."""
    LOGS.mkdir(parents=True, exist_ok=True)
    version = rasa_version()
    ours = prepare_ours(args.retrain)
    if args.ours_model:
        ours["model"] = args.ours_model.resolve()
    starter = prepare_starter(version, args.retrain)
    raw: Dict[str, Any] = {
        name: {"training_seconds": info["training_seconds"], "cold_start_seconds": [], "peak_rss_mb": [], "load": {}}
        for name, info in (("ours", ours), ("starter", starter))
    }
    for repetition in range(1, args.repetitions + 1):
        make = {"ours": lambda: our_bot(ours["model"]), "starter": lambda: starter_bot(starter["model"])}
        bots = [make["ours"](), make["starter"]()]
        if repetition % 2 == 0:
            bots.reverse()  # neither bot always goes first
        memories: Dict[str, PeakMemory] = {}
        try:
            for index in range(len(bots)):
                for attempt in range(1, 4):
                    bot = bots[index]
                    say(f"Repetition {repetition}/{args.repetitions}: starting {bot.name}")
                    started = bot.launch(repetition)
                    memories[bot.name] = PeakMemory(bot.pids()).__enter__()
                    try:
                        cold = bot.wait_ready(started)
                        break
                    except StartupFailed:
                        memories.pop(bot.name).__exit__()
                        bot.stop()
                        if attempt == 3:
                            raise
                        say(f"  {bot.name} stopped during start-up (a port taken meanwhile?): again, on new ports")
                        bots[index] = make[bot.name]()
                raw[bot.name]["cold_start_seconds"].append(cold)
                say(f"  {bot.name} answered {cold:.1f} s after its processes started")
            for users in args.users:
                for bot in bots:
                    say(f"  {bot.name}: {users} concurrent user(s) for {args.warmup:g} + {args.duration:g} s")
                    result = asyncio.run(closed_loop(bot.url, bot.scripts, users, args.warmup, args.duration))
                    summary = result.summary()
                    raw[bot.name]["load"].setdefault(str(users), []).append(summary)
                    say(
                        f"    p50 {summary['p50_ms']:.0f} ms, p95 {summary['p95_ms']:.0f} ms, "
                        f"{summary['throughput_rps']:.1f} replies/s, {summary['errors']:.0f} errors"
                    )
        finally:
            for bot in bots:
                bot.stop()
                if bot.name in memories:
                    memories[bot.name].__exit__()
                    raw[bot.name]["peak_rss_mb"].append(memories[bot.name].peak_mb)
    return raw


def summarise(raw: Dict[str, Any], users: List[int]) -> List[Dict[str, Any]]:
    """Table rows: metric, unit, ours, starter, ratio (medians over the repetitions)."""
    rows = []

    def add(metric: str, unit: str, ours: float, starter: float) -> None:
        rows.append({"metric": metric, "unit": unit, "ours": ours, "starter": starter, "ratio": ratio(ours, starter)})

    for level in users:
        for key, label, unit in (
            ("p50_ms", "p50 latency", "ms"),
            ("p95_ms", "p95 latency", "ms"),
            ("p99_ms", "p99 latency", "ms"),
            ("throughput_rps", "throughput", "replies/s"),
            ("errors", "errors", "count"),
        ):
            values = [median([run[key] for run in raw[bot]["load"][str(level)]]) for bot in ("ours", "starter")]
            add(f"{label}, {level} user{'s' if level > 1 else ''}", unit, *values)
    add("peak RSS", "MiB", median(raw["ours"]["peak_rss_mb"]), median(raw["starter"]["peak_rss_mb"]))
    add("training time", "s", raw["ours"]["training_seconds"], raw["starter"]["training_seconds"])
    add("cold start", "s", median(raw["ours"]["cold_start_seconds"]), median(raw["starter"]["cold_start_seconds"]))
    return rows


def targets(rows: List[Dict[str, Any]], users: List[int]) -> List[Dict[str, Any]]:
    """Each target from the issue, the measured value and whether it holds."""
    by_metric = {row["metric"]: row for row in rows}
    checks = []
    if 1 in users:
        value = by_metric["p50 latency, 1 user"]["ratio"]
        checks.append(("single-user p50, ours / starter", value, f"<= {TARGETS['p50_1_user_ratio']}"))
    for level in users:
        value = by_metric[f"throughput, {level} user{'s' if level > 1 else ''}"]["ratio"]
        checks.append((f"throughput at {level} users, ours / starter", value, f">= {TARGETS['throughput_ratio']}"))
    checks.append(("training time (s)", by_metric["training time"]["ours"], f"<= {TARGETS['training_seconds']:g}"))
    checks.append(("cold start (s)", by_metric["cold start"]["ours"], f"<= {TARGETS['cold_start_seconds']:g}"))
    checks.append(("peak RSS (MiB)", by_metric["peak RSS"]["ours"], f"<= {TARGETS['peak_rss_mb']:g}"))
    result = []
    for name, value, bound in checks:
        operator, limit = bound.split()
        holds = value <= float(limit) if operator == "<=" else value >= float(limit)
        result.append({"target": name, "value": value, "bound": bound, "holds": bool(holds)})
    return result


def without_nan(value: Any) -> Any:
    """The value with NaN replaced by None, so the JSON file is standard JSON."""
    if isinstance(value, float) and value != value:
        return None
    if isinstance(value, dict):
        return {key: without_nan(item) for key, item in value.items()}
    if isinstance(value, list):
        return [without_nan(item) for item in value]
    return value


def fmt(value: float) -> str:
    if value != value:
        return "n/a"
    return f"{value:.2f}" if abs(value) < 10 else f"{value:,.0f}"


def markdown(rows: List[Dict[str, Any]], checks: List[Dict[str, Any]], meta: Dict[str, Any]) -> str:
    """results/bench.md: how it was measured, the table and the targets."""
    lines = [
        "# Benchmark: Rights Companion vs Rasa's starter bot",
        "",
        f"Written by `make bench` on {meta['date']} ({meta['machine']}; Rasa {meta['rasa']}). "
        f"Medians of {meta['repetitions']} repetitions; each load level ran {meta['warmup']:g} s warm-up + "
        f"{meta['duration']:g} s measured, closed loop through the REST channel, one Rasa server per bot. "
        "Peak RSS: Rasa server + action server for ours, the Rasa server for the starter (it has no action server). "
        "Training time: one timed `rasa train` per version of each bot's inputs (cached in .cache/bench). "
        "Cold start: process start to the first successful reply. Ratio = ours / starter.",
        "",
        "| metric | unit | ours | starter | ours ÷ starter |",
        "|---|---|---:|---:|---:|",
    ]
    for row in rows:
        lines.append(
            f"| {row['metric']} | {row['unit']} | {fmt(row['ours'])} | {fmt(row['starter'])} | {fmt(row['ratio'])} |"
        )
    lines += ["", "| target | measured | bound | holds |", "|---|---:|---|---|"]
    for check in checks:
        lines.append(
            f"| {check['target']} | {fmt(check['value'])} | {check['bound']} | {'yes' if check['holds'] else 'NO'} |"
        )
    return "\n".join(lines) + "\n"


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repetitions", type=int, default=3)
    parser.add_argument("--users", type=lambda text: [int(part) for part in text.split(",")], default=[1, 10, 50])
    parser.add_argument("--warmup", type=float, default=3.0, help="seconds before measuring, per load level")
    parser.add_argument("--duration", type=float, default=15.0, help="measured seconds per load level")
    parser.add_argument("--retrain", action="store_true", help="measure both training times again")
    parser.add_argument("--ours-model", type=Path, help="serve this model of ours instead (before/after comparisons)")
    parser.add_argument("--out", type=Path, default=RESULTS / "bench", help="writes OUT.md and OUT.json")
    args = parser.parse_args(argv)

    raw = run(args)
    rows = summarise(raw, args.users)
    checks = targets(rows, args.users)
    meta = {
        "date": time.strftime("%Y-%m-%d"),
        "machine": f"{os.cpu_count()} cores, {platform.machine()}",
        "rasa": rasa_version(),
        "repetitions": args.repetitions,
        "warmup": args.warmup,
        "duration": args.duration,
    }
    text = markdown(rows, checks, meta)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.with_suffix(".md").write_text(text, encoding="utf-8")
    args.out.with_suffix(".json").write_text(
        json.dumps(without_nan({"meta": meta, "rows": rows, "targets": checks, "raw": raw}), indent=2) + "\n"
    )
    print(text)
    say(f"Written to {args.out.with_suffix('.md')} and {args.out.with_suffix('.json')}")
    return 0 if all(check["holds"] for check in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
