"""What the law answers say (data/knowledge/law.yml) and the privacy answer, issue 9 points 3, 5 and 8.

The corrections shared with the record-holder and survivor answers (no "only a request", no overclaims, no
research phrases, originals and dates) are checked for every knowledge file in test_knowledge_content_practice.py;
these tests hold what only the law and privacy entries say: the statute's own words where the older sheets hedged.
"""

from __future__ import annotations

import re

import pytest

from content.loader import directory, knowledge
from tests.conftest import ROOT


def answer(entry_id: str, role: str | None = None) -> str:
    found = knowledge().by_id(entry_id)
    assert found is not None, entry_id
    return found.answer_for(role)


@pytest.mark.hazard("HAZ-03")
@pytest.mark.parametrize("role", [None, "survivor", "professional"])
def test_counselling_notes_are_protected_in_special_circumstances_not_only_in_rare_cases(role):
    text = answer("counselling_records", role)
    assert not text.startswith("Only in rare cases")
    assert "special circumstances" in text and "Home Office" in text
    assert re.search(r"GP or (?:a )?hospital", text) and "not settled" in text


@pytest.mark.hazard("HAZ-03")
@pytest.mark.parametrize("entry_id", ["counselling_records", "therapy_during_case"])
@pytest.mark.parametrize("role", [None, "professional"])
def test_both_counselling_answers_say_the_protection_is_not_only_for_nhs_therapy(entry_id, role):
    """Someone choosing between NHS and private therapy learns it does not change the protection."""
    text = answer(entry_id, role)
    assert re.search(r"paid or unpaid|remunerated or voluntary", text)
    assert "NHS" in text and "private" in text


@pytest.mark.hazard("HAZ-03")
@pytest.mark.parametrize("role", [None, "professional"])
def test_the_counselling_answer_tells_a_request_from_papers_that_must_be_obeyed(role):
    text = answer("counselling_records", role)
    for paper in ("court order", "witness summons", "warrant", "legal advice"):
        assert paper in text, paper


@pytest.mark.hazard("HAZ-03")
def test_sign_off_does_not_move_the_tests_onto_the_senior_officer():
    for role in (None, "professional"):
        text = answer("signoff", role)
        assert "must still be sure" not in text and "passes all the tests" not in text
    assert "The officer asking must still meet all the tests" in answer("signoff")
    assert "bind the authorised person making the request" in answer("signoff", "professional")


@pytest.mark.hazard("HAZ-04")
@pytest.mark.parametrize("role", [None, "survivor"])
def test_a_child_whose_notice_would_go_to_the_person_they_fear_is_told_who_to_tell(role):
    text = answer("written_notice", role)
    sentence = next(line for line in text.splitlines() if "afraid of" in line)
    assert "under 18" in sentence and "parent or carer" in sentence
    assert "officer" in sentence and "ISVA" in sentence and directory()["childline"].phone in sentence


@pytest.mark.hazard("HAZ-03")
def test_when_the_victim_need_not_be_told_is_given_in_the_statutes_words():
    professional = answer("written_notice", "professional")
    assert "s.44B(5)" in professional and "might risk causing serious harm to V or another person" in professional
    assert "might interfere with the investigation or enquiry" in professional
    assert "A child is a person under 18 (s.44B(6))" in professional
    assert "secondary summary" not in professional
    plain = answer("written_notice")
    assert "might get in the way of the investigation" in plain and "serious harm" in plain
    assert "reported there are some exceptions" not in plain


@pytest.mark.hazard("HAZ-03")
def test_the_no_other_way_test_is_in_the_three_tests():
    assert "no other way" in answer("three_tests")
    professional = answer("three_tests", "professional")
    assert "s.44A(7)–(8)" in professional and "there are no other means of obtaining the information" in professional


@pytest.mark.hazard("HAZ-03")
def test_who_the_rules_bind_is_the_statutes_list_and_says_who_is_not_on_it():
    plain = answer("who_bound")
    assert "Prosecutors at the CPS are not on the list" in plain and "Police Scotland" in plain
    assert "It is reported" not in plain and "not confirmed whether prosecutors" not in plain
    professional = answer("who_bound", "professional")
    assert "s.44E" in professional and "s.44F" in professional and "reading of the list" in professional
    assert knowledge().by_id("who_bound").certainty == "verified"


@pytest.mark.hazard("HAZ-03")
def test_what_changed_gives_the_codes_force_and_the_three_year_review():
    professional = answer("what_changed", "professional")
    assert '"must have regard to" the Code (s.44A(9))' in professional
    assert "does not of itself render the person liable" in professional and "s.44D(10)–(11)" in professional
    assert "VPA s.30" in professional and "laid before Parliament" in professional
    assert "approved by Parliament" not in professional
    assert "first three years" in answer("what_changed")
    urls = [s.url for s in knowledge().by_id("what_changed").sources]
    assert "https://www.legislation.gov.uk/ukpga/2024/21/section/30" in urls


def test_the_s28_source_says_it_inserted_chapter_3a_and_s29_the_service_police_section():
    titles = {s.title for e in knowledge().entries for s in e.sources}
    assert not any("ss.44A–44D" in t for t in titles)
    assert any(t.startswith("Victims and Prisoners Act 2024, s.29: inserts s.44F") for t in titles)


@pytest.mark.hazard("HAZ-05")
def test_the_privacy_answer_says_what_the_privacy_page_says_about_in_tab_memory_and_history():
    text = answer("privacy")
    page = (ROOT / "web" / "templates" / "privacy.html").read_text(encoding="utf-8")
    assert "kept in this browser tab only" in text and "kept in this browser tab only" in page
    assert "browser history will still show the website" in text
    assert "browser history will still show the website" in page
