"""The content review (`make review`, scripts/review_content.py) and the legal-review status it counts.

The review fails when a service a crisis or error reply can show was last checked more than three months ago, and
only warns about everything else (six months). `make test` runs it first and prints its list as a warning: a date
passing must never break an unrelated build. No test here depends on today's date.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from content.loader import Review, directory, knowledge, legal_review_status, wording
from scripts.review_content import ROUTE_FILES, months_before, review, route_ids
from tests.conftest import ROOT

SCRIPT = ROOT / "scripts" / "review_content.py"
FAR_FUTURE = "2100-01-01"


def run_review(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args], capture_output=True, text=True, timeout=120, cwd=ROOT, check=False
    )


def crisis_ids() -> set:
    return {service_id for name in ROUTE_FILES for service_id in route_ids(wording(name))}


def add_months(day: dt.date, months: int) -> dt.date:
    """Calendar months later, worked out here independently of the script's own arithmetic."""
    year, month = day.year + (day.month - 1 + months) // 12, (day.month - 1 + months) % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def block(output: str, header: str) -> str:
    """The lines under the first line starting with `header`, up to the next line that is not indented."""
    lines = output.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(header))
    body = []
    for line in lines[start + 1 :]:
        if not line.startswith("  "):
            break
        body.append(line)
    return "\n".join(body)


def listed_ids(text: str) -> set:
    return {line.split()[1] for line in text.splitlines()}


@pytest.mark.hazard("HAZ-08")
def test_far_in_the_future_the_review_fails_on_every_crisis_service_and_only_warns_on_the_rest():
    result = run_review("--today", FAR_FUTURE)
    assert result.returncode == 1, result.stdout + result.stderr
    failed = listed_ids(block(result.stdout, "FAIL:"))
    warned = listed_ids(block(result.stdout, "WARNING:"))
    assert failed == crisis_ids()
    assert {"samaritans", "rape_crisis_247", "emergency_999", "childline"} <= failed
    others = set(directory()) - crisis_ids()
    assert others and others <= warned, "services no crisis reply shows are a warning, not a failure"
    assert {entry.id for entry in knowledge().entries} <= warned
    assert not failed & warned
    assert "Result: FAILED" in result.stdout


@pytest.mark.hazard("HAZ-08")
def test_the_review_passes_for_three_months_after_the_oldest_crisis_check_and_fails_the_day_after():
    services = directory()
    oldest = min(services[service_id].review.checked for service_id in crisis_ids())
    last_good_day = add_months(oldest, 3)
    passed = run_review("--today", last_good_day.isoformat())
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "FAIL" not in passed.stdout and "Result: passed" in passed.stdout
    overdue = run_review("--today", (last_good_day + dt.timedelta(days=1)).isoformat())
    assert overdue.returncode == 1
    first_overdue = {s for s in crisis_ids() if services[s].review.checked == oldest}
    assert first_overdue <= listed_ids(block(overdue.stdout, "FAIL:"))


def test_the_output_is_short_and_counts_answers_waiting_for_legal_review():
    result = run_review("--today", add_months(min(s.review.checked for s in directory().values()), 1).isoformat())
    assert result.returncode == 0
    pending = sum(entry.legal_review == "pending" for entry in knowledge().entries)
    assert f"Legal review: {pending} of {len(knowledge().entries)} answers" in result.stdout
    assert len(result.stdout.splitlines()) <= 5, "nothing is due a month after every check: a few lines only"
    assert all(len(line) <= 120 for line in result.stdout.splitlines())


def test_a_date_that_is_not_a_date_is_refused():
    result = run_review("--today", "next week")
    assert result.returncode == 2 and "--today" in result.stderr


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [("2026-12-05", 3, "2026-09-05"), ("2026-12-05", 6, "2026-06-05"), ("2027-05-31", 3, "2027-02-28"),
     ("2027-02-15", 3, "2026-11-15"), ("2028-08-31", 6, "2028-02-29")],
)  # fmt: skip
def test_months_are_calendar_months(day, months, expected):
    assert months_before(dt.date.fromisoformat(day), months) == dt.date.fromisoformat(expected)


# --- what counts as safety-critical, on made-up wording (the crisis file's structure is read at run time) -----

TODAY = dt.date(2027, 6, 15)
CRISIS_WORDING = {
    "opening": {"danger": "If you are in danger, please call 999 now."},
    "routes": {"danger": ["emergency_999", "samaritans"]},
    "routes_heading": "People you can reach now:",
    "young_routes": {"danger": ["childline"]},
    "nation_routes": {"scotland": {"danger": ["rape_crisis_scotland"]}, "wales": ["live_fear_free"]},
    "closing": "You can keep talking to me here.",
}
UNAVAILABLE_WORDING = {"text": "Sorry.", "routes_heading": "If you need to talk to someone now:", "routes": ["shout"]}
CRITICAL = {"emergency_999", "samaritans", "childline", "rape_crisis_scotland", "live_fear_free", "shout"}


def checked(days_ago: int) -> Review:
    return Review(checked=TODAY - dt.timedelta(days=days_ago), by="helpline coordinator", how="called the line")


def services_checked(days_ago: int, **overrides: int) -> dict:
    """The real directory, every service checked `days_ago` days before TODAY except those given."""
    return {sid: replace(service, review=checked(overrides.get(sid, days_ago))) for sid, service in directory().items()}


def entries_checked(days_ago: int) -> list:
    return [replace(entry, review=checked(days_ago)) for entry in knowledge().entries]


def wordings(**changes: dict) -> dict:
    return {"wording/crisis": CRISIS_WORDING, "wording/unavailable": UNAVAILABLE_WORDING, **changes}


@pytest.mark.hazard("HAZ-02")
def test_route_lists_for_age_and_nation_are_safety_critical_wherever_they_sit_in_the_file():
    report = review(entries_checked(10), services_checked(10), wordings(), TODAY)
    assert set(report.critical) == CRITICAL, "headings and opening wording are not services"
    services = services_checked(10, rape_crisis_scotland=100, childline=100)
    stale = review(entries_checked(10), services, wordings(), TODAY)
    assert stale.failed and {item.id for item in stale.stale_critical} == {"rape_crisis_scotland", "childline"}


@pytest.mark.hazard("HAZ-08")
def test_a_crisis_service_fails_after_three_months_and_anything_else_only_warns_after_six():
    fine = review(entries_checked(170), services_checked(170, **dict.fromkeys(CRITICAL, 80)), wordings(), TODAY)
    assert not fine.failed and not fine.warnings
    report = review(entries_checked(200), services_checked(200, samaritans=100, shout=100), wordings(), TODAY)
    assert report.failed
    assert {item.id for item in report.stale_critical} == CRITICAL, "crisis services are never only a warning"
    warned = {item.id for item in report.stale}
    assert "mind" in warned and "counselling_records" in warned and not warned & set(report.critical)


@pytest.mark.hazard("HAZ-09")
def test_an_error_or_crisis_route_that_names_no_service_fails_the_review():
    missing = wordings(**{"wording/unavailable": {**UNAVAILABLE_WORDING, "routes": ["samaritans", "samaratins"]}})
    report = review(entries_checked(1), services_checked(1), missing, TODAY)
    assert report.failed and report.unknown_routes == [("data/wording/unavailable.yml", "samaratins")]


def test_a_checked_date_after_today_is_a_warning():
    report = review(entries_checked(1), services_checked(1, mind=-30), wordings(), TODAY)
    assert not report.failed and [item.id for item in report.future] == ["mind"]


# --- make test prints the review as a warning and goes on -----------------------------------------------------


def review_step() -> str:
    text = (ROOT / "scripts" / "test.sh").read_text(encoding="utf-8")
    match = re.search(r"^# --- content review.*?^# --- end of content review$", text, re.S | re.M)
    assert match, "scripts/test.sh runs the content review between its two marker comments"
    assert text.index("# --- content review") < text.index("scripts/train.sh >") < text.index("-m pytest"), "first"
    assert "set -euo pipefail" in text.split("# --- content review")[0]
    return match.group(0)


def test_make_test_prints_a_failed_review_as_a_warning_and_carries_on(tmp_path: Path):
    (tmp_path / ".venv" / "bin").mkdir(parents=True)
    python = tmp_path / ".venv" / "bin" / "python"
    python.write_text(f'#!/bin/sh\nexec {sys.executable} "$@"\n', encoding="utf-8")
    python.chmod(0o755)
    (tmp_path / "scripts").mkdir()
    (tmp_path / "scripts" / "review_content.py").write_text(  # the real review, on a day far in the future
        f"import runpy, sys\nsys.argv = [{str(SCRIPT)!r}, '--today', {FAR_FUTURE!r}]\n"
        f"runpy.run_path({str(SCRIPT)!r}, run_name='__main__')\n",
        encoding="utf-8",
    )
    script = f"set -euo pipefail\n{review_step()}\necho carried-on\n"
    result = subprocess.run(["bash", "-c", script], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0 and result.stdout.strip() == "carried-on", result.stderr
    assert "WARNING" in result.stderr and "FAIL:" in result.stderr and "samaritans" in result.stderr


# --- the legal-review status ----------------------------------------------------------------------------------


@pytest.mark.hazard("HAZ-03")
@pytest.mark.parametrize(
    ("raw", "status"),
    [("pending", "pending"), ({"status": "pending"}, "pending"),
     ({"status": "signed_off", "by": "a named reviewing body", "date": dt.date(2027, 3, 1)}, "signed_off")],
)  # fmt: skip
def test_an_answer_is_pending_until_a_named_body_signs_it_off_on_a_date(raw, status):
    assert legal_review_status(raw) == status


@pytest.mark.hazard("HAZ-03")
@pytest.mark.parametrize(
    "raw",
    ["signed_off", "approved", None, {"status": "signed_off", "date": "2027-03-01"},
     {"status": "signed_off", "by": " ", "date": "2027-03-01"}, {"status": "signed_off", "by": "a named body"},
     {"status": "signed_off", "by": "a named body", "date": "March"}],
)  # fmt: skip
def test_a_sign_off_without_its_body_or_date_is_refused(raw):
    with pytest.raises(ValueError):
        legal_review_status(raw)
