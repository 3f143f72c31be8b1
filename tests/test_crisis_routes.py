"""Crisis replies fit the person (issue 9, point 2): age, nation and language decide the routes, each route is one
short line with its own notes, and every reply where we can't know the person (fallback, refusals, the widget
offline) shows the 24/7 line with its age and area."""

from __future__ import annotations

import re

import pytest

from actions.safety import ActionCrisisResponse
from content.loader import directory
from content.routes import crisis_message, crisis_routes, helplines_for_anyone
from rasa_server.channels.website import ERROR_TEXT
from rasa_server.patches.action_fallback import unavailable_message
from tests.conftest import ROOT
from tests.test_actions import entity, make_tracker, run

KINDS = ["danger", "suicide", "self_harm", "recent_assault", "unknown", "someone_else_suicide"]
ENGLAND_WALES_ONLY = ("rape_crisis_247", "sarc_england", "sarc_wales", "live_fear_free", "nhs_111_wales")
NUMBER = re.compile(r"\b\d{3}(?: ?\d{3,4}){0,2}\b")


def route_lines(text: str) -> list:
    return [line for line in text.splitlines() if line.startswith("• ")]


@pytest.mark.hazard("HAZ-02")
@pytest.mark.parametrize("kind", KINDS)
def test_someone_under_16_gets_999_childline_and_samaritans_first_and_never_the_16_plus_line(kind):
    routes = crisis_routes(kind, "under_16")
    services = directory()
    emergency = [r for r in routes if services[r].kind == "emergency"]
    assert routes[: len(emergency)] == emergency and emergency[0] == "emergency_999"
    assert routes[len(emergency) : len(emergency) + 2] == ["childline", "samaritans"]
    assert "rape_crisis_247" not in routes
    assert "0808 500 2222" not in crisis_message(kind, "under_16")


LOCAL_SERVICES = [("scotland", "rape_crisis_scotland"), ("northern_ireland", "victim_support_ni")]


@pytest.mark.hazard("HAZ-02")
@pytest.mark.parametrize("nation, local", LOCAL_SERVICES)
@pytest.mark.parametrize("kind", KINDS)
def test_scotland_and_northern_ireland_get_999_samaritans_and_their_own_service_not_england_and_wales_lines(
    kind, nation, local
):
    routes = crisis_routes(kind, None, nation)
    assert routes[0] == "emergency_999" and "samaritans" in routes and local in routes
    assert not set(routes) & set(ENGLAND_WALES_ONLY)
    assert "0808 500 2222" not in crisis_message(kind, None, nation)


@pytest.mark.hazard("HAZ-02")
@pytest.mark.parametrize("kind", ["recent_assault", "someone_else_recent_assault"])
def test_a_recent_assault_in_wales_gets_the_welsh_sarcs_not_the_england_finder(kind):
    routes = crisis_routes(kind, None, "wales")
    assert {"sarc_wales", "sarc_cardiff", "sarc_north_wales"} <= set(routes)
    assert "sarc_england" not in routes
    text = crisis_message(kind, None, "wales")
    assert "New Pathways" in text and "Ynys Saff" in text and "North Wales SARC" in text


@pytest.mark.hazard("HAZ-02")
def test_a_recent_assault_in_england_or_unknown_gets_the_england_finder_and_the_24_7_line_with_its_notes():
    text = crisis_message("recent_assault")
    assert "nhs.uk/sarcs" in text
    line = next(line for line in route_lines(text) if "0808 500 2222" in line)
    assert "16 and over, England and Wales" in line and "under 16: Childline 0800 1111" in line


@pytest.mark.hazard("HAZ-02")
def test_16_and_17_year_olds_get_childline_and_the_24_7_line():
    routes = crisis_routes("suicide", "16_17")
    assert "childline" in routes and "rape_crisis_247" in routes


@pytest.mark.hazard("HAZ-02")
@pytest.mark.parametrize("age", [None, "under_16", "16_17", "adult"])
@pytest.mark.parametrize("nation", [None, "england", "wales", "scotland", "northern_ireland"])
@pytest.mark.parametrize("kind", KINDS)
def test_every_route_is_one_line_that_says_its_number_once(kind, nation, age):
    lines = route_lines(crisis_message(kind, age, nation))
    assert lines, "a crisis reply always lists routes"
    assert lines[0] == "• Emergency services: call 999"
    for line in lines:
        numbers = NUMBER.findall(line.split(" (")[0])
        assert len(numbers) == len(set(numbers)), line
    assert len(lines) == len({line.split(":")[0] for line in lines}), "no route is listed twice"


def test_the_old_doubled_lines_are_gone():
    text = crisis_message("danger")
    assert "999 emergency services: call 999" not in text
    assert "999 then 55: call 999 then 55" not in text
    assert "• If you can't speak: call 999, then press 55 on a mobile" in text


@pytest.mark.hazard("HAZ-02")
def test_a_service_for_one_nation_says_so_in_a_crisis_list():
    text = crisis_message("recent_assault", None, "northern_ireland")
    assert "• Victim Support NI: https://www.victimsupportni.com (Northern Ireland)" in text


@pytest.mark.hazard("HAZ-01")
def test_a_crisis_said_in_welsh_gets_welsh_first_and_the_samaritans_welsh_line():
    tracker = make_tracker("crisis", entities=[entity("crisis_type", "suicide"), entity("crisis_language", "cy")])
    text = run(ActionCrisisResponse(), tracker)[0][0]["text"]
    assert text.index("ffoniwch 999") < text.index("call 999")
    assert "0808 164 0123" in text and "116 123" in text
    assert "Y Samariaid / Samaritans" in text


def test_the_samaritans_welsh_line_is_only_for_a_crisis_said_in_welsh():
    assert "samaritans_welsh" not in crisis_routes("suicide", None, "wales")
    assert "samaritans_welsh" in crisis_routes("suicide", None, None, "cy")


@pytest.mark.hazard("HAZ-02")
def test_the_action_reads_age_and_nation_from_the_message():
    tracker = make_tracker("crisis", entities=[entity("crisis_type", "danger"), entity("age_group", "under_16")])
    text = run(ActionCrisisResponse(), tracker)[0][0]["text"]
    assert "Childline: call 0800 1111" in text and "0808 500 2222" not in text


ANYONE = [
    "• Emergency services: call 999",
    "• Samaritans: call 116 123, any time",
    "• Rape Crisis 24/7 support line: call 0808 500 2222, any time "
    "(16 and over, England and Wales; under 16: Childline 0800 1111)",
]


@pytest.mark.hazard("HAZ-02")
def test_where_we_cannot_know_the_person_the_24_7_line_shows_its_age_and_area():
    assert route_lines(helplines_for_anyone()) == ANYONE
    assert route_lines(unavailable_message()) == ANYONE


@pytest.mark.hazard("HAZ-02")
@pytest.mark.parametrize("error", ["rate_limited", "busy", "assistant_unavailable", "origin_not_allowed"])
def test_every_refusal_a_person_can_meet_shows_the_helplines(error):
    assert route_lines(ERROR_TEXT[error].replace("{{", "{").replace("}}", "}")) == ANYONE


@pytest.mark.hazard("HAZ-02")
def test_the_widget_offline_message_gives_the_same_helplines_word_for_word():
    source = (ROOT / "web" / "widget" / "widget.js").read_text(encoding="utf-8")
    offline = re.search(r"offline:\s*((?:\"[^\"]*\"\s*\+?\s*)+),", source)
    assert offline, "widget.js has an offline message"
    text = "".join(re.findall(r"\"([^\"]*)\"", offline.group(1))).encode().decode("unicode_escape")
    assert route_lines(text) == ANYONE
