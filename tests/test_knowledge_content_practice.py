"""What the knowledge answers say (every file in data/knowledge/), issue 9.

Each test reads the wording people are shown (KnowledgeEntry.answer_for) and checks one correction: the plain
answer first, no phrases from the authors' side, no "only a request", survivors' own wording, no dead ends,
the statute's own words, and sources that are originals and dated.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Dict, Iterator, List, Tuple

import pytest
import yaml

from content.loader import DATA_DIR, directory, knowledge

FILES = ("law.yml", "therapists.yml", "survivors.yml", "practice.yml", "privacy.yml")
# Variants a survivor or supporter can be shown (default is also what anyone who has not said who they are sees).
SURVIVOR_FACING = ("default", "survivor", "supporter")
REVIEWED_ON = dt.date(2026, 12, 5)
OLD_REVIEW_HOW = "answer compared with the project's fact sheets and the sources listed"

# Phrases written from the authors' side (our research), not the reader's.
RESEARCH_PHRASES = re.compile(
    r"\breviewed\b|\bthe sheets?\b|\bwe found\b|\bnot found\b|\bfound here\b|\bha(?:s|ve)(?: not)? been found\b"
    r"|\bconfirmed here\b|\bonly here\b|\bour (?:research|reading|sheets?)\b",
    re.IGNORECASE,
)
# Never tell anyone that whatever an officer brings is "only a request".
ONLY_A_REQUEST = re.compile(r"only a request|\ba request,? not an? (?:court )?order|\bis a request, not\b", re.I)
# Overclaims issue 9 point 3 names.
OVERCLAIMS = re.compile(r"\brare cases\b|passes all the tests|\bor above\b|\bor equivalent grade", re.IGNORECASE)
# Copies of pages whose original the fact sheets name: cite the original instead.
MIRRORS = ("crimeline.co.uk", "sme-insights.co.uk", "gtarchitecs.com", "parliamentary-search-", "herokuapp.com")
# Third-party copies kept only because the sheets give no original address: the title must say it is a copy.
THIRD_PARTY_COPIES = ("dokumen.tips",)
WITHDRAWAL = re.compile(r"withdr[ae]w|\b49\s?%", re.IGNORECASE)


def raw_entries() -> Iterator[Tuple[str, Dict]]:
    for name in FILES:
        for raw in yaml.safe_load((DATA_DIR / "knowledge" / name).read_text(encoding="utf-8"))["entries"]:
            yield name, raw


ENTRY_IDS = [raw["id"] for _, raw in raw_entries()]


def entry(entry_id: str):
    found = knowledge().by_id(entry_id)
    assert found is not None, entry_id
    return found


def all_answers() -> List[Tuple[str, str, str]]:
    """(entry id, variant, text) for every variant in our files."""
    return [(i, role, text) for i in ENTRY_IDS for role, text in entry(i).answers.items()]


def survivor_facing() -> List[Tuple[str, str, str]]:
    return [
        (i, role, entry(i).answer_for(role))
        for i in ENTRY_IDS
        if "survivor" in entry(i).audiences
        for role in SURVIVOR_FACING
    ]


def first_sentence(text: str) -> str:
    return re.split(r"(?<=[.!?])\s|\n", text.strip(), maxsplit=1)[0]


# ------------------------------------------------------------------ "a request is not a court order"


@pytest.mark.hazard("HAZ-03")
def test_a_survivor_asking_about_handing_over_notes_gets_their_own_answer_not_the_record_holders():
    notes = entry("request_not_court_order")
    for role in ("survivor", "supporter"):
        text = notes.answer_for(role)
        assert text != notes.answer_for(None), f"{role} gets the record holder's wording"
        assert not re.search(r"decision (?:belongs to you|is yours)", text, re.I), role
        assert "decides" in text and "in writing" in text and "ISVA" in text, role
        for paper in ("court order", "witness summons", "warrant", "legal advice"):
            assert paper in text, (role, paper)


@pytest.mark.hazard("HAZ-03")
def test_no_survivor_is_told_the_decision_is_theirs_to_make_about_records_someone_else_holds():
    for entry_id, role, text in survivor_facing():
        if role == "default" and "survivor" in entry(entry_id).answers:
            continue  # the default there is the record holder's; survivors and supporters get their own
        assert not re.search(r"decision (?:belongs to you|is yours)", text, re.I), (entry_id, role)


@pytest.mark.hazard("HAZ-03")
@pytest.mark.parametrize("entry_id", ENTRY_IDS)
def test_nothing_an_officer_brings_is_called_only_a_request(entry_id):
    for role, text in entry(entry_id).answers.items():
        assert not ONLY_A_REQUEST.search(text), (entry_id, role, ONLY_A_REQUEST.search(text).group())


@pytest.mark.hazard("HAZ-03")
@pytest.mark.parametrize("entry_id", ["request_not_court_order", "received_request"])
def test_answers_about_handing_over_records_tell_the_papers_apart_and_say_get_legal_advice(entry_id):
    for role in ("default", "therapist", "professional"):
        text = entry(entry_id).answer_for(role)
        assert all(paper in text for paper in ("court order", "witness summons", "warrant")), (entry_id, role)
        assert "legal advice" in text, (entry_id, role)
    # The default names all four things an officer might bring, so the reader can check which one it is.
    assert re.search(r"request, a witness summons, a court order or a warrant", entry(entry_id).answer_for(None))


# ------------------------------------------------------------------ the plain answer first, the reader's side


@pytest.mark.hazard("HAZ-03")
@pytest.mark.parametrize("role", ["therapist", "professional", None, "survivor", "supporter"])
def test_do_i_have_to_hand_them_over_is_answered_no_in_the_first_sentence(role):
    text = entry("request_not_court_order").answer_for(role)
    first = first_sentence(text)
    assert first.startswith("No"), first
    assert not re.search(r"CPIA|reviewed|Chapter 3A controls", first), first
    if "CPIA" in text:  # the reference follows the plain answer, never before it
        assert text.index("CPIA") > text.index("\n")


@pytest.mark.hazard("HAZ-03")
@pytest.mark.parametrize("entry_id,opening", [("minimum_disclosure", "Yes"), ("lawful_basis", "Yes")])
def test_yes_no_questions_for_record_holders_open_with_the_answer(entry_id, opening):
    for role in ("default", "professional"):
        assert first_sentence(entry(entry_id).answer_for(role)).startswith(opening), (entry_id, role)


@pytest.mark.hazard("HAZ-03")
def test_no_answer_or_source_title_speaks_of_our_research():
    for entry_id, role, text in all_answers():
        found = RESEARCH_PHRASES.search(text)
        assert not found, (entry_id, role, found and found.group())
    for entry_id in ENTRY_IDS:
        for source in entry(entry_id).sources:
            assert not RESEARCH_PHRASES.search(source.title), (entry_id, source.title)


# ------------------------------------------------------------------ only what the sheets support


@pytest.mark.hazard("HAZ-03")
def test_no_answer_overclaims_rarity_sign_off_or_rank():
    for entry_id, role, text in all_answers():
        found = OVERCLAIMS.search(text)
        assert not found, (entry_id, role, found and found.group())


@pytest.mark.hazard("HAZ-03")
@pytest.mark.parametrize("role", ["survivor", "professional"])
def test_counselling_note_protection_is_the_home_offices_special_circumstances_and_gp_notes_are_unsettled(role):
    text = entry("therapy_during_case").answer_for(role)
    assert "special circumstances" in text and "Home Office" in text
    assert re.search(r"GP or (?:a )?hospital", text) and "not settled" in text


@pytest.mark.hazard("HAZ-03")
def test_the_valid_request_list_says_what_the_law_requires_and_what_is_good_practice():
    default = entry("valid_request").answer_for(None)
    assert re.search(r"By law, every request must be in writing and say what information is wanted", default)
    assert "good practice" in default and "not all written into the law" in default
    professional = entry("valid_request").answer_for("professional")
    assert '"must be in writing―' in professional and "s.44C(1)" in professional and "s.44C(2)" in professional
    assert "Good practice" in professional and "not confirmed as required contents" in professional
    # The good-practice list comes after what the statute requires.
    assert professional.index("s.44C(1)") < professional.index("Good practice")


@pytest.mark.hazard("HAZ-03")
def test_what_a_breach_of_the_code_means_is_given_in_the_statutes_words():
    complain = entry("complain")
    assert "does not of itself render the person liable" in complain.answer_for("professional")
    assert "s.44D(10)–(11)" in complain.answer_for("professional")
    plain = complain.answer_for("survivor")
    assert "not, on its own, a reason to take them to court" in plain and "court can take it into account" in plain


@pytest.mark.hazard("HAZ-03")
def test_the_victims_code_answer_leads_with_the_caveat_that_a_new_code_may_be_in_force():
    code = entry("victims_code")
    for role in ("survivor", "professional"):
        assert "new Victims' Code" in first_sentence(code.answer_for(role)), role
    assert code.certainty == "reported"


@pytest.mark.hazard("HAZ-03")
def test_professional_guidance_from_ukcp_gps_and_the_cps_is_in_the_answers_and_attributed():
    advice = entry("professional_advice").answer_for("professional")
    assert "UKCP's guidance" in advice and "unless you receive a court order" in advice
    assert "LMC" in advice and "BMA" in advice and '"may disclose … but is not under any obligation"' in advice
    hand_over = entry("request_not_court_order").answer_for("therapist")
    assert "preserve the material" in hand_over and "as others summarise it" in hand_over
    assert "UKCP's guidance" in hand_over
    received = entry("received_request").answer_for("therapist")
    assert "preserve the material" in received and "mobile number" in received


# ------------------------------------------------------------------ safety and tone


@pytest.mark.hazard("HAZ-04")
def test_no_answer_sends_people_to_a_website_the_directory_does_not_have():
    no_website = [s.name for s in directory().values() if not s.website]
    for entry_id, role, text in all_answers():
        for line in text.splitlines():
            named = [name for name in no_website if name in line]
            if named:
                assert not re.search(r"see their website|on their website|website only", line, re.I), (
                    entry_id,
                    role,
                    named,
                )


@pytest.mark.hazard("HAZ-04")
@pytest.mark.parametrize("role", ["survivor", "supporter", "professional"])
def test_the_own_case_answer_gives_legal_routes_people_can_reach_and_says_when_none_is_listed(role):
    text = entry("own_case").answer_for(role)
    rights_of_women = next(line for line in text.splitlines() if "Rights of Women" in line)
    assert "ISVA" in rights_of_women, "Rights of Women has no contact details here: say how to reach it"
    assert "men or non-binary people" in text


@pytest.mark.hazard("HAZ-04")
@pytest.mark.parametrize("entry_id", ["own_case", "isva", "request_not_court_order"])
def test_survivors_are_given_the_24_7_line_with_who_it_is_for_and_childline_for_under_16s(entry_id):
    line = directory()["rape_crisis_247"].phone
    child = directory()["childline"].phone
    text = entry(entry_id).answer_for("survivor")
    assert line in text and child in text
    sentence = next(s for s in re.split(r"(?<=\.)\s", text) if line in s)
    assert "16" in sentence and "England and Wales" in sentence


@pytest.mark.hazard("HAZ-04")
@pytest.mark.parametrize("role", ["survivor", "therapist", "professional"])
def test_a_child_whose_notice_would_go_to_the_person_they_fear_is_told_who_to_tell(role):
    text = entry("talk_to_client").answer_for(role)
    assert re.search(r"under 18", text) and re.search(r"parent or carer", text)
    assert "afraid of" in text or "fear" in text
    assert "officer" in text and "ISVA" in text and directory()["childline"].phone in text


def test_survivor_answers_carry_no_withdrawal_figures():
    """Figures about victims withdrawing read as pressure; they stay in the professional wording only."""
    for entry_id, role, text in survivor_facing():
        assert not WITHDRAWAL.search(text), (entry_id, role)
    assert "49%" in entry("isva").answer_for("professional")


# ------------------------------------------------------------------ sources: originals, dated


@pytest.mark.hazard("HAZ-03")
@pytest.mark.parametrize("entry_id", ENTRY_IDS)
def test_sources_are_originals_not_mirrors(entry_id):
    sources = entry(entry_id).sources
    for source in sources:
        assert not any(m in source.url for m in MIRRORS), (entry_id, source.url)
        if any(c in source.url for c in THIRD_PARTY_COPIES):
            assert "copy" in source.title, (entry_id, source.title)
        if "s.28" in source.title:
            assert "Chapter 3A" in source.title, source.title
    urls = [s.url for s in sources]
    for i, url in enumerate(urls):
        if "eventumlegal" in url:  # the secondary guide stands only beside the CPS page it explains
            assert i > 0 and "cps.gov.uk" in urls[i - 1], entry_id


@pytest.mark.parametrize("name,raw", list(raw_entries()), ids=lambda v: v.get("id") if isinstance(v, dict) else v)
def test_every_source_has_its_date_or_says_the_sheets_give_none(name, raw):
    for source in raw["sources"]:
        assert source.get("date") or source.get("undated"), (raw["id"], source["url"])
        assert not (source.get("date") and source.get("undated")), (raw["id"], source["url"])
    statute = [s for s in raw["sources"] if "legislation.gov.uk/ukpga/2024/21/section/" in s["url"]]
    assert all(s.get("date") == dt.date(2026, 12, 4) for s in statute), raw["id"]


@pytest.mark.parametrize("entry_id", ENTRY_IDS)
def test_every_entry_says_when_and_how_it_was_checked_against_the_sheets(entry_id):
    review = entry(entry_id).review
    assert review.checked >= REVIEWED_ON and review.by == "project developer"
    assert review.how != OLD_REVIEW_HOW and len(review.how) > 40
