"""The support finder's replies: dates people can trust, no dead ends, and only what the directory sheets support.

Each service shown says where its details come from and how old that source is (never the day our sheet was
compiled); men and non-binary people asking for legal help get a route or a plain "I don't know of one";
confidential services say that confidentiality has limits; the police 101 line never sounds anonymous, and
"press 55" is only ever said for mobiles.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import List

import pytest
import spacy

from actions.support_finder import (
    ActionFindSupport,
    Situation,
    choose_services,
    contact_line,
    service_genders,
    support_message,
)
from content.loader import Service, directory, wording
from rasa_server.nlu.gazetteer import EntityMatcher, load_gazetteers
from tests.conftest import ROOT
from tests.test_actions import entity, make_tracker, run

KNOWLEDGE = Path("/work/shared/knowledge")
SHEETS = ("support_directory.md", "additions_2026-12.md", "README.md")
CAVEAT = "Confidentiality has exceptions, such as court orders and immediate risk."
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
YEAR = re.compile(r"\b(?:19|20)\d{2}\b")
TEXT = wording("wording/support_finder")

# Situations people bring to the finder: categories the gazetteers produce, alone and together.
SITUATIONS = [
    Situation(),
    Situation(frozenset({"24_7"})),
    Situation(frozenset({"men"})),
    Situation(frozenset({"non_binary"})),
    Situation(frozenset({"lgbt"})),
    Situation(frozenset({"legal_advice"})),
    Situation(frozenset({"legal_advice", "men"})),
    Situation(frozenset({"legal_advice", "non_binary"})),
    Situation(frozenset({"recent_assault", "non_binary"})),
    Situation(frozenset({"domestic_abuse"})),
    Situation(frozenset({"deaf_bsl"})),
    Situation(frozenset({"mental_health"}), nation="wales"),
    Situation(frozenset({"forced_marriage"})),
    Situation(nation="wales"),
    Situation(nation="scotland"),
    Situation(age_group="under_16"),
]


def chosen(situation: Situation) -> List[Service]:
    return choose_services(situation, directory().values())


def entries(situation: Situation) -> List[tuple[Service, str]]:
    """Each service shown for `situation` with its own part of the reply."""
    services = chosen(situation)
    parts = support_message(situation, services).split("\n• ")[1:]
    assert len(parts) == len(services)
    return list(zip(services, parts))


def text_of(service: Service) -> str:
    return " ".join(str(v) for v in (service.what, service.note, service.hours, service.contacts) if v)


def bare(url: str) -> str:
    return re.sub(r"^https?://(www\.)?", "", url).rstrip("/")


def sheet_text() -> str:
    return "\n".join((KNOWLEDGE / name).read_text(encoding="utf-8") for name in SHEETS)


def no_women_only(services: List[Service]) -> bool:
    return not any(service_genders(s) == {"women"} for s in services)


def legal_route_for_everyone(services: List[Service]) -> bool:
    return any(s.kind == "legal" and service_genders(s) is None for s in services)


# ---------------------------------------------------------------- dates and sources (HAZ-08)


@pytest.mark.hazard("HAZ-08")
@pytest.mark.parametrize("needs", [[], ["men"], ["legal_advice"], ["recent_assault"], ["mental_health"]])
def test_the_finder_never_shows_the_day_our_directory_was_compiled_as_a_check_of_the_services(needs):
    tracker = make_tracker("find_support", [entity("support_need", need) for need in needs])
    reply = run(ActionFindSupport(), tracker)[0][0]["text"]
    assert "Details checked" not in reply and "checked" not in reply.lower()
    for service in directory().values():
        assert service.review.checked.strftime("%-d %B %Y") not in reply


@pytest.mark.hazard("HAZ-08")
@pytest.mark.parametrize("situation", SITUATIONS, ids=lambda s: "-".join(sorted(s.needs)) or s.nation or s.age_group)
def test_every_service_shown_names_its_source_and_only_the_sources_own_date(situation):
    for service, part in entries(situation):
        source_line = next(line for line in part.split("\n") if line.strip().startswith("Source:"))
        assert bare(service.source.url).split("/")[0] in source_line, f"{service.id}: no source"
        if service.website:
            assert service.website in part, f"{service.id}: its own site is not linked"
        else:
            assert service.source.url in source_line, f"{service.id}: nothing to open"
        years = YEAR.findall(source_line.replace(service.source.url, ""))
        if service.source.date is None:
            assert not years, f"{service.id}: an undated source is shown with a date"
        else:
            assert years == [str(service.source.date.year)], f"{service.id}: {source_line}"


@pytest.mark.hazard("HAZ-08")
def test_an_old_source_says_last_confirmed_and_a_recent_one_gives_its_month():
    services = list(directory().values())
    year = dt.date.today().year
    old = [s for s in services if s.source.date and s.source.date.year <= year - 5]
    recent = [s for s in services if s.source.date and s.source.date.year >= year - 1 and s.source.precision != "year"]
    assert old and recent
    for service in old + recent:
        reply = support_message(Situation(named=(service.id,)), [service])
        if service in old:
            assert f"last confirmed {service.source.date.year}" in reply
        else:
            assert service.source.date.strftime("%B %Y") in reply and "last confirmed" not in reply


@pytest.mark.hazard("HAZ-08")
@pytest.mark.parametrize("service", directory().values(), ids=lambda s: s.id)
def test_every_source_is_one_the_sheets_name_with_the_date_they_give_and_no_other(service):
    sheets = sheet_text()
    url = bare(service.source.url)
    assert url in sheets, f"{service.id}: source not named in the sheets"
    dates = re.findall(re.escape(url) + r"/?\s*\(([^)]*)\)", sheets)
    dated = [d for d in dates if YEAR.search(d) and not re.search(r"undated|older", d)]
    if service.source.date is None:
        assert not dated, f"{service.id}: the sheet dates this source ({dated[0]}) but the directory does not"
        return
    assert dated, f"{service.id}: a date the sheet does not give"
    year = str(service.source.date.year)
    assert any(year in d for d in dated), f"{service.id}: {year} is not the sheet's date ({dated})"
    if service.source.precision in ("month", "day"):
        month = MONTHS[service.source.date.month - 1]
        assert any(month in d for d in dated), f"{service.id}: month not in the sheet's date ({dated})"
    if service.source.precision == "day":
        assert any(re.search(rf"\b{service.source.date.day} {month}", d) for d in dated), service.id


# ---------------------------------------------------------------- legal help for men and non-binary people (HAZ-04)


@pytest.mark.hazard("HAZ-04")
@pytest.mark.parametrize("who", ["non_binary", "men"])
def test_men_and_non_binary_people_asking_for_legal_help_get_a_route_or_a_plain_answer(who):
    tracker = make_tracker("find_support", [entity("support_need", who), entity("support_need", "legal_advice")])
    reply = run(ActionFindSupport(), tracker)[0][0]["text"]
    situation = Situation(frozenset({who, "legal_advice"}))
    services = chosen(situation)
    assert no_women_only(services), [s.id for s in services]
    assert "Rights of Women" not in reply
    assert legal_route_for_everyone(services) or reply.startswith(TEXT["no_legal_line"])
    # something that can tell them about their rights is in the list
    assert any("legal_advice" in s.needs for s in services), [s.id for s in services]


@pytest.mark.hazard("HAZ-04")
def test_legal_help_for_someone_we_know_nothing_about_says_what_there_is_for_men_and_non_binary_people():
    situation = Situation(frozenset({"legal_advice"}))
    services = chosen(situation)
    reply = support_message(situation, services)
    if not legal_route_for_everyone(services):
        assert TEXT["no_legal_line_for_others"] in reply
    assert any("legal_advice" in s.needs and service_genders(s) is None for s in services)


@pytest.mark.hazard("HAZ-04")
@pytest.mark.parametrize("needs", [{"non_binary"}, {"non_binary", "recent_assault"}, {"non_binary", "lgbt"}])
def test_non_binary_survivors_are_offered_survivors_uk_with_something_to_open(needs):
    services = {s.id: part for s, part in entries(Situation(frozenset(needs)))}
    assert "survivors_uk" in services, list(services)
    assert "https://" in services["survivors_uk"]
    assert no_women_only([directory()[i] for i in services])


@pytest.mark.hazard("HAZ-04")
def test_services_for_men_and_non_binary_people_are_not_offered_to_people_who_did_not_say_so():
    for service in chosen(Situation()) + chosen(Situation(frozenset({"lgbt"}))):
        genders = service_genders(service)
        assert genders is None or genders == {"women"}, service.id


@pytest.mark.hazard("HAZ-04")
@pytest.mark.parametrize(
    "message", ["I'm non-binary", "im enby and need help", "I am genderqueer", "support for non binary survivors"]
)
def test_saying_you_are_non_binary_is_understood(message):
    nlp = spacy.blank("en")
    matcher = EntityMatcher(nlp, load_gazetteers(ROOT / "data" / "gazetteers"))
    values = {(m.entity, m.value) for m in matcher(nlp(message))}
    assert ("support_need", "non_binary") in values


# ---------------------------------------------------------------- no dead ends and honest wording (HAZ-04, HAZ-08)


@pytest.mark.hazard("HAZ-04")
@pytest.mark.parametrize("service", directory().values(), ids=lambda s: s.id)
def test_no_service_sends_people_to_a_website_it_does_not_have(service):
    text = text_of(service).lower()
    if not service.website:
        assert not re.search(r"(see|check|visit) (their|its) website", text), service.id
    ways = {k: v for k, v in service.contacts.items() if k != "chat"}
    if not ways and service.kind != "emergency":
        assert re.search(r"search online|\bask\b|\b[a-z0-9-]+\.(org|uk|com|wales|cymru)\b", text), (
            f"{service.id}: no way to reach it and no way to find it"
        )


@pytest.mark.hazard("HAZ-08")
@pytest.mark.parametrize("service", directory().values(), ids=lambda s: s.id)
def test_every_confidential_service_says_confidentiality_has_exceptions(service):
    if "confidential" in service.what.lower():
        assert CAVEAT in f"{service.what} {service.note or ''}", service.id


@pytest.mark.hazard("HAZ-08")
def test_the_police_101_line_says_what_it_is_and_never_sounds_anonymous():
    lines = [s for s in directory().values() if s.phone == "101"]
    assert lines
    for service in lines:
        text = text_of(service)
        assert "non-emergency" in text and "not in immediate danger" in text
        if "in confidence" in text:
            assert "not anonymous" in text
    for service in directory().values():
        if "in confidence" in text_of(service):
            assert "not anonymous" in text_of(service), service.id


@pytest.mark.hazard("HAZ-08")
@pytest.mark.parametrize("service", directory().values(), ids=lambda s: s.id)
def test_press_55_is_only_ever_said_for_a_mobile(service):
    for text in (service.what, service.note, service.hours, service.phone, contact_line(service)):
        for sentence in re.split(r"(?<=\.)\s+|\n", text or ""):
            if re.search(r"\b55\b", sentence):
                assert "mobile" in sentence, f"{service.id}: {sentence}"
