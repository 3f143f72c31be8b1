"""Safety first: emergency routes for danger, suicidal thoughts, self-harm or a very recent assault.

The crisis may be the writer's own or someone else's ("someone_else_suicide" and so on, from addons/crisis.py,
when a counsellor, parent or friend writes about a person at risk): the opening then speaks to the helper.
Emergency routes come first either way.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.knowledge import directory, knowledge, wording
from actions.support_finder import YOUNG_AGE_GROUPS, contact_line, entity_values, next_ranked_intent

CRISIS_INTENT = "crisis"
SOMEONE_ELSE = "someone_else_"
# The classifier's next guess must be at least this sure before we offer to answer it afterwards.
OTHER_QUESTION_MIN_CONFIDENCE = 0.3


def crisis_type(tracker: Tracker) -> str:
    """The most urgent crisis type found in the latest message, or "unknown"."""
    found = entity_values(tracker, "crisis_type")
    return found[0] if found else "unknown"


def for_kind(table: Dict[str, Any], kind: str) -> Any:
    """The entry for a crisis type; someone else's crisis without its own entry uses its type's, then "unknown"."""
    if kind in table:
        return table[kind]
    base = kind[len(SOMEONE_ELSE) :] if kind.startswith(SOMEONE_ELSE) else None
    return table.get(base, table.get("unknown"))


def crisis_routes(kind: str, age_group: Optional[str], nation: Optional[str]) -> List[str]:
    """Service ids to show, emergency routes first, then Childline for young people and Welsh services."""
    text = wording("wording/crisis")
    routes = list(for_kind(text["routes"], kind))
    if age_group in YOUNG_AGE_GROUPS:
        routes[3:3] = text["young_routes"]
    if nation == "wales":
        routes.extend(for_kind(text["wales_routes"], kind) or [])
    return list(dict.fromkeys(routes))


def other_question(tracker: Tracker) -> Optional[Dict[str, str]]:
    """A button for the question that came with the crisis message, if the classifier saw one."""
    entry = knowledge().by_intent(next_ranked_intent(tracker, (CRISIS_INTENT,), OTHER_QUESTION_MIN_CONFIDENCE))
    return {"title": entry.question, "payload": f"/{entry.intent}"} if entry is not None else None


class ActionCrisisResponse(Action):
    """Gives emergency routes first, whatever else was asked, and pauses any checklist in progress."""

    def name(self) -> str:
        return "action_crisis_response"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]) -> List[EventType]:
        text = wording("wording/crisis")
        kind = crisis_type(tracker)
        ages = entity_values(tracker, "age_group")
        nations = entity_values(tracker, "nation")
        services = directory()
        routes = crisis_routes(kind, ages[0] if ages else None, nations[0] if nations else None)
        lines = "\n".join(contact_line(services[r]) for r in routes if r in services)
        opening = for_kind(text["opening"], kind)
        dispatcher.utter_message(text=f"{opening}\n\n{text['routes_heading']}\n{lines}\n\n{text['closing']}")
        follow_up = other_question(tracker)
        if follow_up:
            dispatcher.utter_message(text=text["other_question"], buttons=[follow_up])
        events: List[EventType] = []
        if tracker.active_loop.get("name"):
            events += [ActiveLoop(None), SlotSet("requested_slot", None)]
        return events
