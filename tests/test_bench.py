"""The benchmark's own arithmetic and load generator (scripts/bench.py), against a tiny local HTTP server."""

from __future__ import annotations

import asyncio
import math
from typing import Any, Dict, List

from aiohttp import web

from scripts.bench import closed_loop, hash_files, median, percentile, ratio, summarise, targets


def test_percentiles_interpolate_between_ranks():
    values = [10.0, 20.0, 30.0, 40.0, 50.0]
    assert percentile(values, 50) == 30.0
    assert percentile(values, 95) == 48.0
    assert percentile([7.0], 99) == 7.0
    assert math.isnan(percentile([], 50))


def test_medians_and_ratios_skip_what_was_not_measured():
    assert median([3.0, float("nan"), 1.0, 2.0]) == 2.0
    assert math.isnan(median([float("nan")]))
    assert ratio(50.0, 100.0) == 0.5
    assert math.isnan(ratio(1.0, 0.0))


def test_the_starter_hash_ignores_yaml_comments_but_not_content(tmp_path):
    (tmp_path / "config.yml").write_text("pipeline:\n")
    before = hash_files(tmp_path, ["config.yml"], "3.6.21")
    (tmp_path / "config.yml").write_text("pipeline:\n# - name: DIETClassifier (written by rasa train)\n")
    assert hash_files(tmp_path, ["config.yml"], "3.6.21") == before
    (tmp_path / "config.yml").write_text("pipeline: []\n")
    assert hash_files(tmp_path, ["config.yml"], "3.6.21") != before
    assert hash_files(tmp_path, ["config.yml"], "3.6.20") != hash_files(tmp_path, ["config.yml"], "3.6.21")


async def serve_and_load(users: int) -> Dict[str, Any]:
    """A server that answers "fail" with 500 and anything else with one reply after 20 ms; returns what was seen."""
    seen: Dict[str, Any] = {"senders": set(), "concurrent": 0, "max_concurrent": 0}

    async def webhook(request: web.Request) -> web.Response:
        body = await request.json()
        seen["senders"].add(body["sender"])
        seen["concurrent"] += 1
        seen["max_concurrent"] = max(seen["max_concurrent"], seen["concurrent"])
        await asyncio.sleep(0.02)
        seen["concurrent"] -= 1
        if body["message"] == "fail":
            return web.json_response({"error": "boom"}, status=500)
        return web.json_response([{"text": "ok"}])

    app = web.Application()
    app.router.add_post("/webhook", webhook)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    try:
        scripts: List[List[str]] = [["hello", "fail", "never sent"], ["hi", "bye"]]
        result = await closed_loop(f"http://127.0.0.1:{port}/webhook", scripts, users, warmup=0.2, duration=1.0)
    finally:
        await runner.cleanup()
    seen["result"] = result
    return seen


def test_closed_loop_keeps_users_busy_counts_errors_and_starts_new_conversations():
    seen = asyncio.run(serve_and_load(users=4))
    summary = seen["result"].summary()
    assert seen["max_concurrent"] == 4  # never more requests in flight than users
    assert summary["errors"] > 0 and summary["throughput_rps"] > 0
    assert 20 <= summary["p50_ms"] < 200
    assert len(seen["senders"]) > 8  # conversations end (or fail) and new ones start with new senders
    assert summary["requests"] == len(seen["result"].latencies_ms) + seen["result"].errors


def test_targets_compare_ours_with_the_starter():
    level = {"p50_ms": 30.0, "p95_ms": 60.0, "p99_ms": 90.0, "throughput_rps": 20.0, "errors": 0.0}
    slower = {**level, "p50_ms": 45.0, "throughput_rps": 10.0}
    raw = {
        "ours": {
            "training_seconds": 90.0,
            "cold_start_seconds": [15.0],
            "peak_rss_mb": [800.0],
            "load": {"1": [level]},
        },
        "starter": {
            "training_seconds": 300.0,
            "cold_start_seconds": [60.0],
            "peak_rss_mb": [1100.0],
            "load": {"1": [slower]},
        },
    }
    rows = summarise(raw, [1])
    by_metric = {row["metric"]: row for row in rows}
    assert by_metric["p50 latency, 1 user"]["ratio"] == 30.0 / 45.0
    checks = {check["target"]: check["holds"] for check in targets(rows, [1])}
    assert all(checks.values()), checks
    raw["ours"]["cold_start_seconds"] = [25.0]
    checks = {check["target"]: check["holds"] for check in targets(summarise(raw, [1]), [1])}
    assert checks["cold start (s)"] is False
