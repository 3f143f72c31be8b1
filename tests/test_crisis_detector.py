"""The deterministic crisis check (rasa_server/nlu/crisis.py) on its own: fast, no model training, no servers.

tests/test_understanding.py scores the whole pipeline (matcher and classifier) on tests/data/crisis_eval.yml;
these tests pin down the matcher's own behaviour: whose crisis it is, indirect suicidal thoughts, the past,
records and "what if" guards, and replies typed in the middle of the request checker.
"""

from __future__ import annotations

from typing import Optional

import pytest
import spacy

from rasa_server.nlu.crisis import ALL_TYPES, SOMEONE_ELSE, CrisisMatcher
from tests.conftest import ROOT

SPACY_MODEL = ROOT / "models" / "spacy" / "en_rights_companion"
PATTERNS = ROOT / "data" / "safety" / "crisis_patterns.yml"


@pytest.fixture(scope="module")
def detect():
    if not SPACY_MODEL.exists():
        pytest.skip("the spaCy pipeline is built by `make setup`")
    nlp = spacy.load(SPACY_MODEL)
    matcher = CrisisMatcher.from_file(nlp, PATTERNS)

    def primary(text: str) -> Optional[str]:
        signal = matcher(nlp(text))
        return signal.primary if signal else None

    return primary


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a client rang me at lunch, she says she has pills saved and wants to end her life after work", "suicide"),
        ("my mum's just texted that she took all of her sleeping tablets, what do i do", "self_harm"),
        ("my boyfriend keeps saying he'll hurt himself if i go out", "self_harm"),
        ("there's a man hitting a woman in the car park right now", "danger"),
        ("some guy is punching my brother outside the chippy", "danger"),
        ("my flatmate is being attacked in the street outside", "danger"),
        ("my cousin was raped at a house party last night and she's staying with me", "recent_assault"),
        ("one of my pupils just told me he's going to kill himself after school", "suicide"),
        ("my wife has cut her wrists, there's so much blood", "self_harm"),
    ],
)
def test_a_crisis_about_someone_else_is_caught_as_someone_elses(detect, text, expected):
    assert detect(text) == SOMEONE_ELSE + expected


@pytest.mark.parametrize(
    "text",
    [
        "honestly i doubt anybody would care if i was gone tomorrow",
        "my family would be better without me dragging them down",
        "i cant do this any more, not one more day",
        "cant keep going like this",
        "tbh i hope i don't wake up in the morning",
        "whats the point in carrying on after everything",
        "i feel like such a burden on everyone",
        "i just want to go to sleep and never wake up",
        "no reason to go on now",
    ],
)
def test_indirect_suicidal_thoughts_are_caught_as_a_crisis(detect, text):
    assert detect(text) == "suicide"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("i was attacked today", "recent_assault"),
        ("someone attacked me an hour ago", "recent_assault"),
        ("i'm being attacked", "danger"),
        ("he is going to kill me", "danger"),
        ("he's kicking the crap out of me", "danger"),
        ("i want to kill myself and my friend wants to kill herself too", "suicide"),
    ],
)
def test_the_writers_own_crisis_stays_their_own_and_comes_first(detect, text, expected):
    assert detect(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "one of my clients was suicidal a few years ago, do i have to hand over those notes",
        "the police seemed to be in crisis mode the whole time",
        "i used to self harm, can the police see my gp records",
        "she tried to kill herself in 2019 and now the police want to see the notes",
        "in 2019 he tried to end his life, now the defence want his counselling records",
        "what do i do if a client tells me she wants to kill herself",
        "when a client says they're suicidal, do i have to tell the police",
        "my client's notes mention that she cut herself as a teenager",
        "will it hurt her case if she refuses",
        "i'm a counsellor working with clients who self harm, how do i keep notes",
        "I can't do this form anymore, it's too confusing",
        "I don't want to do this anymore",
        "there's no point asking the police anything",
        "where can i get support after being raped",
    ],
)
def test_past_records_and_what_if_questions_are_not_a_crisis(detect, text):
    assert detect(text) is None


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        ("no, sorry, my client has just rung to say she's taken an overdose", SOMEONE_ELSE + "self_harm"),
        ("not sure. actually i can't do this anymore, i just want to end it", "suicide"),
        ("yes it came by email. he's outside my house right now", "danger"),
        (
            "the whole file. sorry i have to go, my daughter is threatening to jump off the bridge",
            SOMEONE_ELSE + "suicide",
        ),
    ],
)
def test_a_crisis_typed_as_a_checklist_reply_is_caught(detect, reply, expected):
    # The crisis rule interrupts the request checker whatever state it is in (tests/test_e2e.py runs it for
    # real); the check only has to fire on replies that start like an answer.
    assert detect(reply) == expected


def test_every_type_the_check_gives_has_wording_and_routes():
    from content.loader import directory, wording

    text = wording("wording/crisis")
    services = directory()
    for kind in ALL_TYPES:
        assert kind in text["opening"], kind
        routes = text["routes"][kind]
        assert routes[:3] == ["emergency_999", "silent_solution", "bsl_999"], kind
        assert {"samaritans", "rape_crisis_247"} <= set(routes), kind
        assert all(route in services for route in routes), kind
