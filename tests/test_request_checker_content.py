"""What the request checker says about the document an officer brings: never "only a request" without checking.

An officer may bring a request, a witness summons, a court order or a warrant (issue 9, point 1), and the law's
own words on a request in writing (s.44C, additions_2026-12.md §5) replace the older hedges (point 8).
"""

from __future__ import annotations

import asyncio
import re

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.request_checker import ENDS_CHECKLIST, AskRequestKind, ValidateRequestCheckForm, assessment, checks
from tests.test_actions import DOMAIN, make_tracker, run

ONLY_A_REQUEST = re.compile(r"(it is|it's|only) a request, not an order|only a request", re.IGNORECASE)


@pytest.mark.hazard("HAZ-03")
def test_not_knowing_what_it_is_means_checking_first_not_hearing_it_is_only_a_request():
    text = assessment({"request_kind": "unsure", "in_writing": "yes"})
    assert not ONLY_A_REQUEST.search(text)
    for kind in ("court order", "witness summons", "warrant"):
        assert kind in text
    assert "legal advice at once" in text
    next_steps = text.split(checks()["headings"]["next_steps"])[1]
    assert next_steps.lstrip().startswith("• First check what it is")
    assert "not a court order" not in next_steps


@pytest.mark.hazard("HAZ-03")
def test_a_police_request_still_hears_that_it_is_not_a_court_order():
    text = assessment({"request_kind": "police_request", "in_writing": "yes"})
    assert "a police request is not a court order" in text


@pytest.mark.hazard("HAZ-03")
def test_the_first_question_tells_a_warrant_apart():
    messages, _ = run(AskRequestKind(), make_tracker(None))
    payloads = [button["payload"] for button in messages[0]["buttons"]]
    assert '/inform{"request_kind":"warrant"}' in payloads
    assert "warrant" in messages[0]["text"]
    assert "warrant" in DOMAIN["slots"]["request_kind"]["values"]


@pytest.mark.hazard("HAZ-03")
@pytest.mark.parametrize("kind", ENDS_CHECKLIST)
def test_a_court_order_or_warrant_ends_the_checklist_with_legal_advice(kind):
    required = asyncio.run(
        ValidateRequestCheckForm().required_slots(
            DOMAIN["forms"]["request_check_form"]["required_slots"],
            CollectingDispatcher(),
            make_tracker("inform", slots={"request_kind": kind, "requested_slot": "request_kind"}),
            DOMAIN,
        )
    )
    assert required == ["request_kind"]
    text = assessment({"request_kind": kind})
    assert "legal advice" in text and "https://" in text
    assert not ONLY_A_REQUEST.search(text)


@pytest.mark.hazard("HAZ-03")
def test_a_request_not_in_writing_hears_that_the_law_requires_writing():
    text = assessment({"request_kind": "police_request", "in_writing": "no", "says_what_and_why": "no"})
    assert "must be in writing" in text and "s.44C" in text
    assert "normally why it is wanted and how it will be handled" in text
    assert "legislation.gov.uk/ukpga/2024/21/section/28" in text


def test_the_checker_cites_the_original_statute_not_a_mirror():
    for source in checks()["sources"].values():
        assert "crimeline" not in source["url"]
        assert source.get("date") or source.get("read"), f"{source['title']} has no date"
