"""The one loader for the assistant's data: sourced answers, the support directory and the safety wording.

Everything the assistant states as fact is read from YAML under data/ exactly once per process.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import yaml

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
ROLES = ("survivor", "supporter", "therapist", "professional")
PROFESSIONAL_ROLES = ("therapist", "professional")
# An answer stays "pending" until a named reviewing body signs it off (CONTENT.md, "Legal review"):
# `legal_review: pending`, or `legal_review: {status: signed_off, by: "<reviewing body>", date: YYYY-MM-DD}`.
LEGAL_REVIEW_STATUSES = ("pending", "signed_off")
DATE_FORMATS = {"day": "%-d %B %Y", "month": "%B %Y", "year": "%Y"}


@dataclass(frozen=True)
class Source:
    """Where a fact comes from."""

    title: str
    url: str
    date: Optional[dt.date] = None
    precision: str = "day"  # the source gives a "day" (2026-01-12), a "month" ("2026-01") or a "year" ("2023")
    read: Optional[dt.date] = None  # for an undated page: the day it was read

    def citation(self) -> str:
        """One line naming the source, its date (or, for an undated page, when it was read) and its address."""
        when = ""
        if self.date:
            when = f" ({self.date.strftime(DATE_FORMATS[self.precision])})"
        elif self.read:
            when = f" (undated page, read {self.read.strftime(DATE_FORMATS['day'])})"
        return f"{self.title}{when}: {self.url}"


@dataclass(frozen=True)
class Review:
    """When an entry or service was last checked, by whom (a role, never a name) and how."""

    checked: dt.date
    by: str
    how: str


@dataclass(frozen=True)
class KnowledgeEntry:
    """One sourced answer to one kind of question, with wording for each audience."""

    id: str
    intent: str
    question: str
    audiences: Tuple[str, ...]
    certainty: str
    answers: Dict[str, str]
    sources: Tuple[Source, ...]
    related: Tuple[str, ...]
    review: Review
    legal_review: str  # "pending" until a named reviewing body signs the answer off
    offer_request_check: bool = False

    def answer_for(self, role: Optional[str]) -> str:
        """The wording for this role: its own variant, else the professional one for professionals, else default."""
        if role in self.answers:
            return self.answers[role]
        if role in PROFESSIONAL_ROLES and "professional" in self.answers:
            return self.answers["professional"]
        return self.answers["default"]


@dataclass(frozen=True)
class Service:
    """An emergency route or support organisation from the directory."""

    id: str
    name: str
    kind: str
    what: str
    nations: Tuple[str, ...]
    needs: Tuple[str, ...]
    source: Source
    review: Review
    contacts: Dict[str, Any] = field(default_factory=dict)
    who_for: Dict[str, Any] = field(default_factory=dict)
    welsh_language: bool = False
    always_open: bool = False
    hours: Optional[str] = None
    note: Optional[str] = None

    @property
    def phone(self) -> Optional[str]:
        return self.contacts.get("phone") or None

    @property
    def website(self) -> Optional[str]:
        return self.contacts.get("website") or None


@dataclass(frozen=True)
class Knowledge:
    """All knowledge entries, indexed by id and by the intent they answer."""

    entries: Tuple[KnowledgeEntry, ...]

    def by_intent(self, intent: Optional[str]) -> Optional[KnowledgeEntry]:
        return next((e for e in self.entries if e.intent == intent), None)

    def by_id(self, entry_id: str) -> Optional[KnowledgeEntry]:
        return next((e for e in self.entries if e.id == entry_id), None)


def _date(value: Any) -> Optional[dt.date]:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


def source(raw: Dict[str, Any]) -> Source:
    """A Source from its YAML form.

    `date` may be a day (2026-01-12), a month ("2026-01") or a year ("2023"); an undated page has `read` instead.
    """
    value, read = raw.get("date"), _date(raw.get("read"))
    if isinstance(value, (str, int)) and len(str(value)) == 4:
        return Source(raw["title"], raw["url"], dt.date(int(value), 1, 1), precision="year", read=read)
    if isinstance(value, str) and len(value) == 7:
        return Source(raw["title"], raw["url"], dt.date.fromisoformat(f"{value}-01"), precision="month", read=read)
    return Source(raw["title"], raw["url"], _date(value), read=read)


def _review(raw: Dict[str, Any]) -> Review:
    return Review(checked=_date(raw["checked"]), by=raw["by"], how=raw["how"])


def legal_review_status(raw: Any) -> str:
    """An answer's legal-review status: "pending", or "signed_off" when a named body signed it off on a date."""
    status = raw.get("status") if isinstance(raw, dict) else raw
    if status not in LEGAL_REVIEW_STATUSES:
        raise ValueError(f"legal_review must be one of {LEGAL_REVIEW_STATUSES}, not {status!r}")
    if status == "signed_off":
        if not isinstance(raw, dict) or not str(raw.get("by") or "").strip() or not raw.get("date"):
            raise ValueError('a legal sign-off names its reviewing body and date: {status, by: "...", date: ...}')
        _date(raw["date"])  # a real day (YYYY-MM-DD)
    return status


def _entry(raw: Dict[str, Any]) -> KnowledgeEntry:
    return KnowledgeEntry(
        id=raw["id"],
        intent=raw["intent"],
        question=raw["question"],
        audiences=tuple(raw.get("audiences", ROLES)),
        certainty=raw.get("certainty", "verified"),
        answers={k: v.strip() for k, v in raw["answer"].items()},
        sources=tuple(source(s) for s in raw["sources"]),
        related=tuple(raw.get("related", ())),
        review=_review(raw["review"]),
        legal_review=legal_review_status(raw["legal_review"]),
        offer_request_check=bool(raw.get("offer_request_check", False)),
    )


def _service(raw: Dict[str, Any]) -> Service:
    return Service(
        id=raw["id"],
        name=raw["name"],
        kind=raw["kind"],
        what=raw["what"].strip(),
        nations=tuple(raw.get("nations", ())),
        needs=tuple(raw.get("needs", ())),
        source=source(raw["source"]),
        review=_review(raw["review"]),
        contacts={k: v for k, v in (raw.get("contacts") or {}).items() if v},
        who_for=dict(raw.get("who_for") or {}),
        welsh_language=bool(raw.get("welsh_language", False)),
        always_open=bool(raw.get("always_open", False)),
        hours=raw.get("hours"),
        note=raw.get("note"),
    )


def _read(path: Path) -> Dict[str, Any]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def knowledge(directory: Path = DATA_DIR / "knowledge") -> Knowledge:
    """Every entry from data/knowledge/*.yml."""
    entries: List[KnowledgeEntry] = []
    for path in sorted(directory.glob("*.yml")):
        entries.extend(_entry(raw) for raw in _read(path).get("entries", []))
    return Knowledge(tuple(entries))


@lru_cache(maxsize=1)
def directory(path: Path = DATA_DIR / "support" / "services.yml") -> Dict[str, Service]:
    """The support directory, by service id, in file order."""
    return {raw["id"]: _service(raw) for raw in _read(path)["services"]}


@cache
def wording(name: str) -> Dict[str, Any]:
    """A file of the actions' own phrasing under data/ (e.g. "wording/crisis"), read once."""
    return _read(DATA_DIR / f"{name}.yml")
