"""Gaps people ask about (issue 9 point 7, from additions_2026-12.md): earlier cases, new things said in therapy,
checking a request is genuine, professional bodies' guidance and the CPS steps when a therapist refuses.

Each is a knowledge entry (data/knowledge/practice.yml) with its own intent, rule and training examples; what the
sheets do not settle is said as not confirmed, and advice is given as whose advice it is."""

from __future__ import annotations

import re

import pytest
import yaml

from content.loader import knowledge
from tests.conftest import ROOT

NEW_INTENTS = {
    "earlier_cases": "ask_earlier_cases",
    "new_disclosure": "ask_new_disclosure",
    "request_genuine": "ask_request_genuine",
    "record_holder_guidance": "ask_record_holder_guidance",
    "cps_refusal": "ask_cps_refusal",
}


def load(path: str):
    return yaml.safe_load((ROOT / path).read_text(encoding="utf-8"))


def answer(entry_id: str, role: str | None = None) -> str:
    found = knowledge().by_id(entry_id)
    assert found is not None, entry_id
    return found.answer_for(role)


@pytest.mark.parametrize("entry_id, intent", NEW_INTENTS.items())
def test_each_gap_is_an_entry_with_its_intent_rule_and_training_examples(entry_id, intent):
    assert knowledge().by_id(entry_id).intent == intent
    assert intent in load("domain.yml")["intents"]
    rules = load("data/rules/answers.yml")["rules"]
    assert any(r["steps"] == [{"intent": intent}, {"action": "action_answer"}] for r in rules), intent
    examples = [
        line
        for block in load("data/nlu/practice.yml")["nlu"]
        if block.get("intent") == intent
        for line in block["examples"].splitlines()
        if line.strip()
    ]
    assert len(examples) >= 25, (intent, len(examples))


@pytest.mark.parametrize("measuring_set", ["holdout_new_intents.yml", "dev_record_holders.yml", "dev_survivors.yml"])
def test_no_held_out_or_dev_example_is_in_training(measuring_set):
    """tests/nlu/holdout.yml is older and shares about 120 short lines ("yes", "hi") with training: not checked."""
    training = {
        line.strip()[2:].strip().lower()
        for path in (ROOT / "data" / "nlu").glob("*.yml")
        for block in yaml.safe_load(path.read_text(encoding="utf-8"))["nlu"]
        if "examples" in block
        for line in block["examples"].splitlines()
        if line.strip()
    }
    held_out = load(f"tests/nlu/{measuring_set}")["nlu"]
    texts = [line.strip()[2:].strip().lower() for b in held_out for line in b["examples"].splitlines() if line.strip()]
    assert texts and not set(texts) & training


@pytest.mark.hazard("HAZ-03")
@pytest.mark.parametrize("role", [None, "professional"])
def test_earlier_cases_say_it_is_not_confirmed_and_who_to_ask(role):
    text = answer("earlier_cases", role)
    assert text.startswith("Not confirmed") or text.startswith("This is not confirmed")
    assert "12 January 2026" in text and "officer in the case" in text
    assert "solicitor" in text and "ISVA" in text


@pytest.mark.hazard("HAZ-03")
@pytest.mark.parametrize("role", [None, "survivor", "professional"])
def test_new_things_said_in_therapy_are_given_as_what_many_services_advise(role):
    text = answer("new_disclosure", role)
    assert re.search(r"many services advise", text, re.I)
    assert not re.search(r"\b(?:must|has to|have to) (?:be )?pass(?:ed)? (?:it )?on\b", text, re.I)


@pytest.mark.hazard("HAZ-03")
@pytest.mark.parametrize("role", [None, "professional"])
def test_checking_a_request_is_genuine_starts_with_asking_for_it_in_writing(role):
    text = answer("request_genuine", role)
    assert "in writing" in re.split(r"(?<=[.!?])\s", text)[0]
    assert "mobile number" in text
    for paper in ("court order", "witness summons", "warrant", "legal advice"):
        assert paper in text, paper


@pytest.mark.hazard("HAZ-03")
@pytest.mark.parametrize("role", [None, "professional"])
def test_record_holder_guidance_names_ukcp_and_the_gp_guidance_as_theirs(role):
    text = answer("record_holder_guidance", role)
    assert "UKCP" in text and "LMC" in text and "BMA" in text
    assert "court order" in text and "legal advice" in text


@pytest.mark.hazard("HAZ-03")
@pytest.mark.parametrize("role", [None, "professional"])
def test_cps_steps_after_a_refusal_are_the_cps_guidance_and_its_date(role):
    text = answer("cps_refusal", role)
    assert "CPS" in text and "2022" in text and "not confirmed" in text
    assert "witness summons" in text and re.search(r"keep the notes safe|preserve", text)
