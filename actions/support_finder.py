"""Finds the 2-4 support services that best fit what the person said (needs, age, England or Wales)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Dict, FrozenSet, Iterable, List, Optional, Set, Tuple
from urllib.parse import urlsplit

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.utils import entity_values, slot_text, slot_texts
from content.loader import Service, directory, wording
from content.routes import UK_NATIONS, YOUNG_AGE_GROUPS

COVERED_NATIONS = ("england", "wales")
FIND_SUPPORT_INTENT = "find_support"
FINDER_KINDS = ("helpline", "urgent_line", "local_service", "legal")
# Information services (not helplines) are offered only when they answer something the person asked for.
ON_REQUEST_KINDS = ("information",)
# Needs that say who the person is, matched against a service's who_for.gender ("any", "women", or a list).
PERSON_GENDERS = ("men", "non_binary")
# What a need brings with it: a non-binary person is offered LGBT+ services too.
IMPLIED_NEEDS = {"non_binary": frozenset({"lgbt"})}
LEGAL_NEED = "legal_advice"
LEGAL_KIND = "legal"
# A source older than this many years (before 2024 in 2026) is shown as "last confirmed <year>".
RECENT_SOURCE_YEARS = 2
CHILD_SERVICE = "childline"
# Kept in the support_needs slot while our England-or-Wales question is open.
ASKED = "asked"
AGE_PREFIX = "age:"


@dataclass(frozen=True)
class Situation:
    """What we know about who needs support: categories only, never the words typed."""

    needs: FrozenSet[str] = frozenset()
    age_group: Optional[str] = None
    nation: Optional[str] = None
    role: Optional[str] = None
    named: Tuple[str, ...] = ()  # services asked for by name ("the Mind infoline"): their directory ids

    @property
    def young(self) -> bool:
        return self.age_group in YOUNG_AGE_GROUPS or "child" in self.needs

    @property
    def all_needs(self) -> FrozenSet[str]:
        """The needs named, with what they bring with them (non-binary: LGBT+ services too)."""
        implied = [IMPLIED_NEEDS.get(need, frozenset()) for need in self.needs]
        return self.needs.union(*implied)

    @property
    def genders(self) -> FrozenSet[str]:
        """Who the person said they are ("men", "non_binary"), if they said."""
        return self.needs & frozenset(PERSON_GENDERS)

    @property
    def outside_england_and_wales(self) -> bool:
        return self.nation in ("scotland", "northern_ireland")


def contact_line(service: Service, describe: bool = False) -> str:
    """One bullet naming a service and how to reach it.

    With `describe`, what it does and any caution too; without (the short crisis list), only the
    cautions of emergency routes ("press 55"), which are part of how to use them.
    """
    contacts = service.contacts
    ways = []
    if "phone" in contacts:
        ways.append(f"call {contacts['phone']}")
    if "text" in contacts:
        text = str(contacts["text"])
        ways.append(f"text {text}" if text[0].isdigit() else text[0].lower() + text[1:])
    if contacts.get("chat"):
        ways.append("online chat")
    if "email" in contacts:
        ways.append(f"email {contacts['email']}")
    line = f"• {service.name}"
    if ways:
        line += ": " + ", ".join(ways)
    if service.hours:
        line += f" ({service.hours})"
    line += "."
    if service.website:
        line += f" {service.website}"
    details = [service.what] if describe else []
    if service.note and (describe or service.kind in ("emergency", "urgent_line")):
        details.append(service.note)
    return "\n  ".join([line, *details])


def service_genders(service: Service) -> Optional[Set[str]]:
    """Who a service is for by gender: None when it is for anyone, else e.g. {"women"} or {"men", "non_binary"}."""
    gender = service.who_for.get("gender")
    if gender is None or gender == "any":
        return None
    return {str(g) for g in gender} if isinstance(gender, list) else {str(gender)}


def fits_gender(service: Service, situation: Situation) -> bool:
    """A service for particular genders fits only people who said they are one of them; when we don't know,
    women-only services are still offered (their notes say "women only") but services for men are not."""
    genders = service_genders(service)
    if genders is None:
        return True
    if situation.genders:
        return bool(situation.genders & genders)
    return "women" in genders


def _allowed(service: Service, situation: Situation) -> bool:
    who = service.who_for
    needs = situation.all_needs
    if service.kind in ON_REQUEST_KINDS:
        if not needs & set(service.needs):
            return False
    elif service.kind not in FINDER_KINDS:
        return False
    nation = situation.nation if situation.nation in UK_NATIONS else None
    if nation and nation not in service.nations:
        return False
    if not nation and not set(service.nations) & {"england"} and "welsh_language" not in situation.needs:
        return False  # nation unknown: services that only cover Wales wait for the question (or Welsh, asked for)
    if not fits_gender(service, situation):
        return False
    for need in ("lgbt", "deaf_bsl"):
        if who.get(need) and need not in needs:
            return False
    if who.get("max_age") and not situation.young:
        return False
    if who.get("min_age") and situation.age_group == "under_16":
        return False
    return True


def _score(service: Service, situation: Situation) -> int:
    score = 5 * len(situation.all_needs & set(service.needs))
    if LEGAL_NEED in situation.needs and LEGAL_NEED in service.needs:
        score += 4  # asked for legal help: who they are (men, LGBT+) should not push the legal routes out
    if "sexual_violence" in service.needs:
        score += 3
    if service.phone:
        score += 2
    if service.always_open:
        score += 1
    if "24_7" in situation.needs and not service.always_open:
        score -= 4
    if situation.nation == "wales" and service.nations == ("wales",):
        score += 4
    if situation.young and service.id == CHILD_SERVICE:
        score += 20
    return score


def choose_services(situation: Situation, services: Iterable[Service]) -> List[Service]:
    """The best 2-4 services for this situation, best first (more when several needs were named).

    Services asked for by name come first, whoever they are for; the rest are chosen for the situation.
    """
    services = list(services)
    named = [s for name in situation.named for s in services if s.id == name]
    candidates = [s for s in services if _allowed(s, situation) and s not in named]
    ranked = sorted(candidates, key=lambda s: -_score(s, situation))  # stable: directory order breaks ties
    count = 4 if len(situation.needs) >= 2 or situation.nation == "wales" else 3
    return (named + ranked)[: max(count, len(named) + 1)]


def nation_would_change_answer(situation: Situation, services: Iterable[Service]) -> bool:
    """True when knowing England or Wales would give a different list."""
    services = list(services)
    lists = {
        tuple(s.id for s in choose_services(Situation(situation.needs, situation.age_group, nation), services))
        for nation in COVERED_NATIONS
    }
    return len(lists) > 1


def _host(url: str) -> str:
    host = urlsplit(url).netloc.lower()
    return host[4:] if host.startswith("www.") else host


def source_line(service: Service, today: Optional[dt.date] = None) -> str:
    """Where the service's details come from and how old that source is, in a few words.

    The source is named by its site; a service without a website of its own gets the source's full address, so
    there is always something to open. A recent source gives its month (or year); an older one says "last
    confirmed <year>"; an undated one gives no date at all.
    """
    text = wording("wording/support_finder")
    source = service.source
    where = _host(source.url) if service.website else source.url
    if source.date is None:
        return text["source"].format(where=where)
    today = today or dt.date.today()
    if source.date.year < today.year - RECENT_SOURCE_YEARS:
        when = text["last_confirmed"].format(year=source.date.year)
    else:
        when = source.date.strftime("%Y" if source.precision == "year" else "%B %Y")
    return text["source_dated"].format(where=where, when=when)


def service_entry(service: Service) -> str:
    """A service as the finder shows it: how to reach it, what it does, its cautions, then its source."""
    return f"{contact_line(service, describe=True)}\n  {source_line(service)}"


def no_legal_line(situation: Situation, chosen: List[Service]) -> bool:
    """True when legal help was asked for and nothing shown gives legal advice to men and non-binary people."""
    if LEGAL_NEED not in situation.needs or situation.outside_england_and_wales:
        return False
    return not any(s.kind == LEGAL_KIND and service_genders(s) is None for s in chosen)


def support_message(situation: Situation, chosen: List[Service]) -> str:
    """The reply text: an opening that fits the situation (the plain answer first), then the services."""
    text = wording("wording/support_finder")
    after = ""
    if situation.outside_england_and_wales:
        opening = text["outside_england_and_wales"]
    elif no_legal_line(situation, chosen) and situation.genders:
        opening = text["no_legal_line"]
    elif situation.young:
        opening = text["opening_young"]
    else:
        opening = text["opening"]
    if no_legal_line(situation, chosen) and not situation.genders:
        after = f"\n\n{text['no_legal_line_for_others']}"
    lines = "\n".join(service_entry(s) for s in chosen)
    return f"{opening}\n{lines}{after}\n\n{text['footer']}"


def current_situation(tracker: Tracker) -> Tuple[Situation, bool]:
    """The situation from the latest message plus needs kept from the question just asked.

    Returns the situation and whether the latest message answered our England-or-Wales question.
    """
    kept = slot_texts(tracker, "support_needs")
    needs = set(entity_values(tracker, "support_need"))
    needs |= {n for n in kept if n != ASKED and not n.startswith(AGE_PREFIX)}
    ages = entity_values(tracker, "age_group") or [n[len(AGE_PREFIX) :] for n in kept if n.startswith(AGE_PREFIX)]
    nations = entity_values(tracker, "nation")
    nation = nations[0] if nations else None
    named = tuple(dict.fromkeys(entity_values(tracker, "organisation")))
    situation = Situation(frozenset(needs), ages[0] if ages else None, nation, slot_text(tracker, "role"), named)
    return situation, bool(kept)


class ActionFindSupport(Action):
    """Suggests services, and asks at most one question (England or Wales?) when the answer would change."""

    def name(self) -> str:
        return "action_find_support"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]) -> List[EventType]:
        situation, answered_question = current_situation(tracker)
        services = list(directory().values())
        chosen = choose_services(situation, services)
        dispatcher.utter_message(text=support_message(situation, chosen))
        if situation.nation is None and not answered_question and nation_would_change_answer(situation, services):
            kept = [ASKED, *sorted(situation.needs)]
            if situation.age_group:
                kept.append(AGE_PREFIX + situation.age_group)
            dispatcher.utter_message(
                text=wording("wording/support_finder")["ask_nation"],
                buttons=[
                    {"title": "England", "payload": '/inform{"nation":"england"}'},
                    {"title": "Wales", "payload": '/inform{"nation":"wales"}'},
                ],
            )
            return [SlotSet("support_needs", kept)]
        return [SlotSet("support_needs", None)]
