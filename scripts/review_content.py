"""Content review (`make review`): which answers and services are due to be checked again.

Every answer (data/knowledge/*.yml) and service (data/support/services.yml) records when it was last checked
(`review.checked`). This lists those checked more than six months ago, as a warning, and fails (exit status 1)
when a safety-critical service was checked more than three months ago. Safety-critical means any service a
crisis reply or the error message can show: every service id in a route list of data/wording/crisis.yml (any
key with "routes" in its name, at any depth, so new lists by age or nation count as soon as they are added)
and of data/wording/unavailable.yml. A route id that is not in the directory fails too: that line would be
missing from the reply. It also counts the answers still waiting for legal review (information only).

    .venv/bin/python scripts/review_content.py [--today YYYY-MM-DD]

Data is read only through content/loader.py, as the assistant reads it. CONTENT.md explains the workflow.
"""

from __future__ import annotations

import argparse
import calendar
import datetime as dt
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from content.loader import KnowledgeEntry, Review, Service, directory, knowledge, wording  # noqa: E402

WARN_MONTHS = 6
SAFETY_MONTHS = 3
ROUTE_FILES = ("wording/crisis", "wording/unavailable")
SERVICE_ID = re.compile(r"[a-z0-9_]+")


def months_before(day: dt.date, months: int) -> dt.date:
    """The same day `months` calendar months earlier (the month's last day when it is shorter)."""
    month_index = day.year * 12 + day.month - 1 - months
    year, month = divmod(month_index, 12)
    return dt.date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def route_ids(node: Any, in_routes: bool = False) -> List[str]:
    """Service ids in every route list of a wording file, in file order: values under any key naming routes."""
    found: List[str] = []
    if isinstance(node, dict):
        for key, value in node.items():
            found += route_ids(value, in_routes or "route" in str(key).lower())
    elif isinstance(node, list):
        for value in node:
            found += route_ids(value, in_routes)
    elif in_routes and isinstance(node, str) and SERVICE_ID.fullmatch(node):
        found.append(node)  # headings and other wording under a "routes_..." key have spaces, ids do not
    return found


@dataclass(frozen=True)
class Item:
    """One answer or service and its last check."""

    kind: str  # "answer" or "service"
    id: str
    review: Review


@dataclass
class Report:
    """What the review found on one day."""

    today: dt.date
    critical: Dict[str, List[str]]  # service id -> the wording files whose routes show it
    stale_critical: List[Item] = field(default_factory=list)
    unknown_routes: List[Tuple[str, str]] = field(default_factory=list)  # (wording file, id)
    stale: List[Item] = field(default_factory=list)
    future: List[Item] = field(default_factory=list)
    legal: Dict[str, int] = field(default_factory=dict)  # status -> number of answers

    @property
    def failed(self) -> bool:
        return bool(self.stale_critical or self.unknown_routes)

    @property
    def warnings(self) -> bool:
        return bool(self.stale or self.future)


def safety_critical(wordings: Dict[str, Dict[str, Any]]) -> Dict[str, List[str]]:
    """Every service id a crisis or error reply can show, with the wording files that show it."""
    used: Dict[str, List[str]] = {}
    for name, text in wordings.items():
        for service_id in route_ids(text):
            files = used.setdefault(service_id, [])
            if name not in files:
                files.append(name)
    return used


def review(
    entries: Iterable[KnowledgeEntry],
    services: Dict[str, Service],
    wordings: Dict[str, Dict[str, Any]],
    today: dt.date,
) -> Report:
    """Sort every answer and service into up to date, due (six months) and, for crisis services, overdue (three)."""
    entries = list(entries)
    report = Report(today=today, critical=safety_critical(wordings))
    warn_before, fail_before = months_before(today, WARN_MONTHS), months_before(today, SAFETY_MONTHS)
    items = [Item("answer", e.id, e.review) for e in entries]
    items += [Item("service", s.id, s.review) for s in services.values()]
    for item in items:
        if item.review.checked > today:
            report.future.append(item)
        elif item.kind == "service" and item.id in report.critical and item.review.checked < fail_before:
            report.stale_critical.append(item)
        elif item.review.checked < warn_before:
            report.stale.append(item)
    for service_id, files in report.critical.items():
        if service_id not in services:
            report.unknown_routes += [(f"data/{name}.yml", service_id) for name in files]
    for entry in entries:
        report.legal[entry.legal_review] = report.legal.get(entry.legal_review, 0) + 1
    return report


def _day(day: dt.date) -> str:
    return f"{day.day} {day:%B %Y}"


def _lines(items: Sequence[Item]) -> List[str]:
    width = max(len(item.id) for item in items)
    return [
        f"  {item.kind:<8} {item.id:<{width}}  checked {item.review.checked.isoformat()} by {item.review.by}"
        for item in sorted(items, key=lambda i: (i.review.checked, i.kind, i.id))
    ]


def render(report: Report) -> str:
    """The review as a few short lines: what fails, what is due, the legal-review count and the result."""
    today = report.today
    lines = [
        f"Content review for {_day(today)}",
        f"Check every {SAFETY_MONTHS} months: the {len(report.critical)} crisis services (shown in crisis and error"
        f" replies). Every {WARN_MONTHS} months: the rest.",
    ]
    if report.stale_critical:
        lines.append(
            f"FAIL: {len(report.stale_critical)} crisis services last checked before "
            f"{_day(months_before(today, SAFETY_MONTHS))}:"
        )
        lines += _lines(report.stale_critical)
    for path, service_id in report.unknown_routes:
        lines.append(f"FAIL: {path} lists {service_id!r}, which is not in data/support/services.yml")
    if report.stale:
        lines.append(f"WARNING: {len(report.stale)} last checked before {_day(months_before(today, WARN_MONTHS))}:")
        lines += _lines(report.stale)
    if report.future:
        lines.append(f"WARNING: {len(report.future)} have a checked date after {_day(today)} (a typing mistake?):")
        lines += _lines(report.future)
    total = sum(report.legal.values())
    pending = report.legal.get("pending", 0)
    lines.append(
        f"Legal review: {pending} of {total} answers wait for a named reviewing body's sign-off (pending);"
        f" {report.legal.get('signed_off', 0)} signed off."
    )
    if report.failed:
        lines.append("Result: FAILED. Check the crisis services above first (CONTENT.md explains how).")
    elif report.warnings:
        lines.append("Result: passed, with items to check (CONTENT.md explains how).")
    else:
        lines.append("Result: passed. Everything was checked recently enough.")
    return "\n".join(lines)


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Print the review; exit status 1 when a crisis service is overdue or a route names no service."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--today", type=dt.date.fromisoformat, default=dt.date.today(), help="YYYY-MM-DD")
    args = parser.parse_args(argv)
    report = review(knowledge().entries, directory(), {name: wording(name) for name in ROUTE_FILES}, args.today)
    print(render(report))
    return 1 if report.failed else 0


if __name__ == "__main__":
    sys.exit(main())
