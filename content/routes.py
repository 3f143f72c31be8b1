"""Crisis routes that fit the person, and how each is written: read by the action server's crisis reply and by
the Rasa server's calm fallback, so both give the same lines.

The routes fit the person (data/wording/crisis.yml explains how): someone under 16 is not offered a line for 16
and over, someone in Scotland or Northern Ireland is not offered lines for England and Wales, Wales gets its own
SARCs. Each route is one short line (who, how, when, then its own age and area notes), and no line repeats a
number another line gives. A crisis said in Welsh is answered in Welsh, then English. Crisis types for someone
else ("someone_else_suicide", from rasa_server/nlu/crisis.py) use their own opening, or their type's.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Sequence

from content.loader import Service, directory, wording

UK_NATIONS = ("england", "wales", "scotland", "northern_ireland")
YOUNG_AGE_GROUPS = ("under_16", "16_17", "under_18")
SOMEONE_ELSE = "someone_else_"
WELSH = "cy"


def for_kind(table: Dict[str, Any], kind: str) -> Any:
    """The entry for a crisis type; someone else's crisis without its own entry uses its type's, then "unknown"."""
    if kind in table:
        return table[kind]
    base = kind[len(SOMEONE_ELSE) :] if kind.startswith(SOMEONE_ELSE) else None
    return table.get(base, table.get("unknown"))


# ---------------------------------------------------------------- who a route fits


def age_range(age_group: Optional[str]) -> tuple[Optional[int], Optional[int]]:
    """The youngest and oldest the person can be for an age_group value; None where it is not known."""
    ages = wording("wording/crisis")["age_groups"].get(age_group or "") or {}
    return ages.get("min"), ages.get("max")


def fits_age(service: Service, age_group: Optional[str]) -> bool:
    """A service with a lowest age fits unless the person said they are younger; one with a highest age (for
    young people) fits only someone who said they are young enough."""
    youngest, oldest = age_range(age_group)
    min_age, max_age = service.who_for.get("min_age"), service.who_for.get("max_age")
    if min_age is not None and oldest is not None and oldest < min_age:
        return False
    if max_age is not None and (oldest is None or oldest > max_age):
        return False
    return True


def route_nation(nation: Optional[str], language: Optional[str]) -> str:
    """Where the person is, or where we take them to be when they didn't say (Wales for a crisis said in Welsh)."""
    if nation in UK_NATIONS:
        return str(nation)
    text = wording("wording/crisis")
    return text["language_nation"].get(language or "", text["assumed_nation"])


def crisis_routes(
    kind: str, age_group: Optional[str] = None, nation: Optional[str] = None, language: Optional[str] = None
) -> List[str]:
    """Service ids to show, most urgent first: emergency routes, then (for young people) Childline and
    Samaritans, then the kind's routes that fit the person's age, nation and language."""
    text = wording("wording/crisis")
    services = directory()
    candidates = [r for r in for_kind(text["routes"], kind) if r in services]
    if age_group in YOUNG_AGE_GROUPS:
        lead = 0
        while lead < len(candidates) and services[candidates[lead]].kind == "emergency":
            lead += 1
        candidates = candidates[:lead] + list(text["young_routes"]) + candidates[lead:]
    where = route_nation(nation, language)
    routes = [
        r
        for r in dict.fromkeys(candidates)
        if r in services
        and fits_age(services[r], age_group)
        and where in services[r].nations
        and (r not in text["language_only"] or text["language_only"][r] == language)
    ]
    for follower, leader in text["follows"].items():
        if follower in routes and leader in routes:
            routes.remove(follower)
            routes.insert(routes.index(leader) + 1, follower)
    return routes


# ---------------------------------------------------------------- one line per route


def _places(nations: Sequence[str]) -> str:
    names = [wording("wording/crisis")["lines"]["nations"][n] for n in nations]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def service_notes(service: Service, label: str, shown: Sequence[str], age_group: Optional[str]) -> str:
    """The service's own notes, from its who_for and nations: a caution, its ages, its area (unless its name says
    it), and, when the person may be too young for it, the younger route ("under 16: Childline 0800 1111")."""
    text = wording("wording/crisis")["lines"]
    notes = [text["cautions"][service.id]] if service.id in text["cautions"] else []
    min_age, max_age = service.who_for.get("min_age"), service.who_for.get("max_age")
    if min_age is not None and max_age is not None:
        notes.append(text["age_range"].format(min=min_age, max=max_age))
    elif min_age is not None:
        notes.append(text["min_age"].format(min=min_age))
    elif max_age is not None:
        notes.append(text["max_age"].format(max=max_age))
    nations = [n for n in UK_NATIONS if n in service.nations]
    if nations and len(nations) < len(UK_NATIONS) and not all(text["nations"][n] in label for n in nations):
        notes.append(_places(nations))
    parts = [", ".join(notes)] if notes else []
    youngest, _ = age_range(age_group)
    younger = directory().get(wording("wording/crisis")["younger_route"])
    if min_age is not None and (youngest is None or youngest < min_age) and younger and younger.id not in shown:
        parts.append(text["younger"].format(age=min_age, name=younger.name, phone=younger.phone))
    return "; ".join(parts)


def how_to_reach(service: Service) -> str:
    """How to reach a service, each number once: "call 116 123", "call ... or text ...", or its website."""
    text = wording("wording/crisis")["lines"]
    if service.id in text["how"]:
        return text["how"][service.id].format(phone=service.phone, website=service.website)
    ways = []
    if service.phone:
        ways.append(text["phone"].format(phone=service.phone))
    if service.contacts.get("text"):
        sms = str(service.contacts["text"])
        ways.append(text["text"].format(text=sms) if sms[0].isdigit() else sms[0].lower() + sms[1:])
    if not ways and service.website:
        ways.append(text["website"].format(website=service.website))
    return text["ways_joiner"].join(ways) or text["no_contact"]


def crisis_line(
    service: Service, shown: Sequence[str] = (), age_group: Optional[str] = None, language: Optional[str] = None
) -> str:
    """One short line for a route: who, how, when (only "any time" for services always open), then its notes."""
    text = wording("wording/crisis")
    label = text["lines"]["labels"].get(service.id, service.name)
    welsh = text["welsh"]["labels"].get(service.id) if language == WELSH else None
    who = f"{welsh} / {label}" if welsh and welsh != label else label
    how = how_to_reach(service)
    if service.always_open:
        how += ", " + text["lines"]["always_open"]
    line = text["lines"]["line"].format(who=who, how=how)
    notes = service_notes(service, label, shown, age_group)
    return f"{line} ({notes})" if notes else line


def route_lines(routes: Sequence[str], age_group: Optional[str] = None, language: Optional[str] = None) -> str:
    services = directory()
    shown = [r for r in routes if r in services]
    return "\n".join(crisis_line(services[r], shown, age_group, language) for r in shown)


def crisis_message(
    kind: str, age_group: Optional[str] = None, nation: Optional[str] = None, language: Optional[str] = None
) -> str:
    """The whole crisis reply: opening, the routes that fit the person, closing (Welsh first for Welsh)."""
    text = wording("wording/crisis")
    lines = route_lines(crisis_routes(kind, age_group, nation, language), age_group, language)
    opening, heading, closing = for_kind(text["opening"], kind), text["routes_heading"], text["closing"]
    if language == WELSH:
        welsh = text["welsh"]
        opening = f"{for_kind(welsh['opening'], kind)}\n\n{opening}"
        heading = f"{welsh['heading']}\n{heading}"
        closing = f"{welsh['closing']}\n{closing}"
    return f"{opening}\n\n{heading}\n{lines}\n\n{closing}"


def helplines_for_anyone() -> str:
    """The routes for someone whose age and nation we can't know (data/wording/unavailable.yml), with a heading:
    shown when the assistant fails or refuses a message, and by the widget when it can't connect."""
    text = wording("wording/unavailable")
    return f"{text['routes_heading']}\n{route_lines(text['routes'])}"
