"""The knowledge base and directory: every answer sourced and reviewed, every number the bot can say verified."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from content.loader import DATA_DIR, LEGAL_REVIEW_STATUSES, ROLES, directory, knowledge
from tests.conftest import ROOT

OLD_RAPE_CRISIS_NUMBER = re.compile(r"0808\s*802\s*9999")
# UK phone numbers as written in replies: 3+ digit groups ("0808 500 2222", "116 123", "999", "07860 077333").
# A full stop after a number ends its sentence; one followed by a digit ("44.5") is part of another number.
PHONE = re.compile(r"(?<![\w/.%-])(?:\+44\s?|0)?\d{2,5}(?:[ ]\d{2,6}){0,3}(?![\w/%-]|\.\d)")
# Short numbers that are routes, not phone numbers to check character by character ("press 55", "option 2").
NOT_PHONE = re.compile(r"^\d{1,2}$|^(19|20)\d{2}$")
SHORT_CODE_CONTEXT = re.compile(r"\b(call|dial|ring|phone|text|sms|on|to)\b[^.\n]{0,12}$")


def phone_numbers(text: str) -> set[str]:
    """Digit strings in `text` that someone could dial or text.

    Long numbers (6+ digits) always count. Short codes (999, 101, 85258) count when they follow
    "call", "dial", "ring", "phone" or "text", so "Good Practice in Action 014" or "s.44A" do not.
    """
    found = set()
    for match in PHONE.finditer(text):
        digits = re.sub(r"\D", "", match.group())
        if NOT_PHONE.match(match.group().strip()) or len(digits) < 3:
            continue
        before = text[max(0, match.start() - 25) : match.start()].lower()
        if len(digits) >= 6 or SHORT_CODE_CONTEXT.search(before):
            found.add(digits)
    return found


def directory_numbers() -> set[str]:
    numbers = set()
    for service in directory().values():
        for key in ("phone", "text"):
            if service.contacts.get(key):
                numbers |= phone_numbers(str(service.contacts[key]))
    return numbers


def bot_texts() -> list[tuple[str, str]]:
    """Everything the assistant can say that is written in data files or the domain, with where it is."""
    texts = []
    for entry in knowledge().entries:
        texts += [(f"knowledge {entry.id} ({role})", text) for role, text in entry.answers.items()]
    for path in sorted((DATA_DIR / "wording").glob("*.yml")):
        texts.append((str(path.relative_to(ROOT)), path.read_text(encoding="utf-8")))
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    for name, variants in domain["responses"].items():
        texts += [(f"domain {name}", variant.get("text", "")) for variant in variants]
    return texts


def test_every_knowledge_intent_in_the_domain_has_exactly_one_entry():
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    rules = yaml.safe_load((ROOT / "data/rules/answers.yml").read_text(encoding="utf-8"))["rules"]
    answered = {step["intent"] for rule in rules for step in rule["steps"] if "intent" in step}
    entry_intents = [entry.intent for entry in knowledge().entries]
    assert sorted(entry_intents) == sorted(set(entry_intents)), "an intent has two entries"
    assert set(entry_intents) == answered
    assert answered <= set(domain["intents"])


@pytest.mark.parametrize("entry", knowledge().entries, ids=lambda e: e.id)
def test_every_answer_has_a_source_with_an_address_and_a_review_date(entry):
    assert entry.sources, "no source"
    for source in entry.sources:
        assert source.title.strip()
        assert source.url.startswith(("https://", "http://", "/")), source.url
    assert entry.review.checked is not None and entry.review.by and entry.review.how
    assert entry.legal_review in LEGAL_REVIEW_STATUSES
    assert entry.certainty in ("verified", "reported")
    assert "default" in entry.answers
    assert set(entry.audiences) <= set(ROLES)
    assert set(entry.answers) <= {"default", *ROLES}
    assert len(entry.question) <= 45
    for related in entry.related:
        assert knowledge().by_id(related) is not None, f"related entry {related} does not exist"


@pytest.mark.parametrize("service", directory().values(), ids=lambda s: s.id)
def test_every_service_has_a_source_a_checked_date_and_a_way_to_reach_it(service):
    assert service.source.url.startswith(("https://", "http://"))
    assert service.review.checked is not None and service.review.by and service.review.how
    assert service.contacts or service.note, "no way to reach this service"
    assert set(service.nations) <= {"england", "wales", "scotland", "northern_ireland"}


@pytest.mark.parametrize("where,text", bot_texts(), ids=lambda v: v if len(v) < 60 else "")
def test_every_phone_number_the_bot_can_say_is_in_the_directory(where, text):
    unknown = phone_numbers(text) - directory_numbers()
    assert not unknown, f"{where} says numbers that are not in data/support/services.yml: {unknown}"


def test_the_old_rape_crisis_number_never_appears_in_anything_the_project_ships():
    shipped = [p for p in ROOT.rglob("*") if p.is_file() and p.suffix in {".yml", ".py", ".md", ".js", ".html"}]
    shipped = [p for p in shipped if not {".venv", "models", ".git", "tests"} & set(p.relative_to(ROOT).parts)]
    offenders = [str(p) for p in shipped if OLD_RAPE_CRISIS_NUMBER.search(p.read_text(encoding="utf-8"))]
    assert not offenders


def test_the_phone_pattern_finds_the_numbers_people_dial():
    assert phone_numbers("call 0808 500 2222 or 116 123, text 07860 077333, or call 999") == {
        "08085002222",
        "116123",
        "07860077333",
        "999",
    }
    assert phone_numbers("on 12 January 2026, press 55, s.44A(4), 30 minutes, Good Practice in Action 014") == set()
    assert phone_numbers("Young people can call Childline on 0800 1111.") == {"08001111"}
    assert phone_numbers("Call Samaritans on 116 123. Or text 85258.") == {"116123", "85258"}
    assert phone_numbers("version 2.5.1, section 44.5") == set()


def _syllables(word: str) -> int:
    groups = re.findall(r"[aeiouy]+", word.lower())
    count = len(groups) - (1 if word.lower().endswith("e") and len(groups) > 1 else 0)
    return max(1, count)


def reading_grade(text: str) -> float:
    """Flesch-Kincaid grade level (US school grade; reading age is about grade + 5)."""
    sentences = [s for s in re.split(r"[.!?\n]+", text) if s.strip()]
    words = re.findall(r"[A-Za-z']+", text)
    syllables = sum(_syllables(w) for w in words)
    return 0.39 * len(words) / len(sentences) + 11.8 * syllables / len(words) - 15.59


def test_survivor_answers_are_written_for_a_reading_age_of_about_eleven_to_twelve():
    survivor = [e for e in knowledge().entries if "survivor" in e.audiences]
    grades = {e.id: reading_grade(e.answer_for("survivor")) for e in survivor}
    average = sum(grades.values()) / len(grades)
    assert average <= 7.0, f"average grade {average:.1f}"
    hardest = max(grades, key=grades.get)
    assert grades[hardest] <= 9.5, f"{hardest} reads at grade {grades[hardest]:.1f}"


def test_wording_files_hold_no_facts_without_sources():
    """Only the request checker's wording states rules, and every check there cites a source."""
    checker = yaml.safe_load(Path(DATA_DIR / "wording/request_checker.yml").read_text(encoding="utf-8"))
    for name, check in checker["checks"].items():
        assert check["sources"], name
    assert checker["court_order"]["sources"]
