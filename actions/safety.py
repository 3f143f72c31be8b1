"""Safety first: emergency routes for danger, suicidal thoughts, self-harm or a very recent assault.

The crisis may be the writer's own or someone else's (a counsellor, parent or friend writing about a person at
risk): the opening then speaks to the helper. Emergency routes come first either way, chosen and written by
content/routes.py to fit the person's age, nation and language.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.utils import entity_values, next_ranked_intent
from content.loader import knowledge, wording
from content.routes import WELSH, crisis_message

CRISIS_INTENT = "crisis"
# The classifier's next guess must be at least this sure before we offer to answer it afterwards.
OTHER_QUESTION_MIN_CONFIDENCE = 0.3


def crisis_type(tracker: Tracker) -> str:
    """The most urgent crisis type found in the latest message, or "unknown"."""
    found = entity_values(tracker, "crisis_type")
    return found[0] if found else "unknown"


def crisis_language(tracker: Tracker) -> Optional[str]:
    """The crisis language: "cy" when the crisis was said in Welsh, else None (English)."""
    return WELSH if WELSH in entity_values(tracker, "crisis_language") else None


def other_question(tracker: Tracker) -> Optional[Dict[str, str]]:
    """A button for the question that came with the crisis message, if the classifier saw one."""
    entry = knowledge().by_intent(next_ranked_intent(tracker, (CRISIS_INTENT,), OTHER_QUESTION_MIN_CONFIDENCE))
    return {"title": entry.question, "payload": f"/{entry.intent}"} if entry is not None else None


class ActionCrisisResponse(Action):
    """Gives emergency routes first, whatever else was asked, and pauses any checklist in progress."""

    def name(self) -> str:
        return "action_crisis_response"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]) -> List[EventType]:
        ages = entity_values(tracker, "age_group")
        nations = entity_values(tracker, "nation")
        text = crisis_message(
            crisis_type(tracker), ages[0] if ages else None, nations[0] if nations else None, crisis_language(tracker)
        )
        dispatcher.utter_message(text=text)
        follow_up = other_question(tracker)
        if follow_up:
            dispatcher.utter_message(text=wording("wording/crisis")["other_question"], buttons=[follow_up])
        events: List[EventType] = []
        if tracker.active_loop.get("name"):
            events += [ActiveLoop(None), SlotSet("requested_slot", None)]
        return events
