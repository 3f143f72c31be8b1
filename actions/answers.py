"""Answers questions from the sourced knowledge base, and asks a clarifying question when unsure."""

from __future__ import annotations

from typing import Any, Dict, List, Optional

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.knowledge import KnowledgeEntry, knowledge, wording
from actions.support_finder import slot_text

OWN_CASE_INTENT = "ask_own_case"
REQUEST_CHECK_PAYLOAD = "/start_request_check"
MAX_SOURCES_SHOWN = 2
MAX_BUTTONS = 4
# A crisis score this high, even when it is not the top guess, gets the safety line first.
CRISIS_HINT = 0.1


def latest_intent(tracker: Tracker) -> Optional[str]:
    """The intent of the latest user message, if any."""
    return (tracker.latest_message.get("intent") or {}).get("name")


def related_buttons(entry: KnowledgeEntry) -> List[Dict[str, str]]:
    """Next-step buttons: the entry's related questions, and the request checker where it helps."""
    buttons = []
    if entry.offer_request_check:
        buttons.append({"title": "Check the request step by step", "payload": REQUEST_CHECK_PAYLOAD})
    for entry_id in entry.related:
        related = knowledge().by_id(entry_id)
        if related is not None:
            buttons.append({"title": related.question, "payload": f"/{related.intent}"})
    return buttons[:MAX_BUTTONS]


def answer_text(entry: KnowledgeEntry, role: Optional[str]) -> str:
    """The answer for this role followed by where it comes from."""
    shown = entry.sources[:MAX_SOURCES_SHOWN]
    label = "Source" if len(shown) == 1 else "Sources"
    citations = "\n".join(f"• {source.citation()}" for source in shown)
    return f"{entry.answer_for(role)}\n\n{label}:\n{citations}"


def send_answer(dispatcher: CollectingDispatcher, tracker: Tracker, entry: KnowledgeEntry) -> List[EventType]:
    """Sends one sourced answer, after the "not legal advice" note the first time and for own-case questions."""
    events: List[EventType] = []
    text = wording("wording/answers")
    if entry.intent == OWN_CASE_INTENT:
        dispatcher.utter_message(text=text["own_case_disclaimer"])
    elif not tracker.get_slot("disclaimer_shown"):
        dispatcher.utter_message(text=text["disclaimer"])
    if not tracker.get_slot("disclaimer_shown"):
        events.append(SlotSet("disclaimer_shown", True))
    dispatcher.utter_message(text=answer_text(entry, slot_text(tracker, "role")), buttons=related_buttons(entry))
    return events


class ActionAnswer(Action):
    """Answers the question the latest intent asked, from data/knowledge."""

    def name(self) -> str:
        return "action_answer"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]) -> List[EventType]:
        entry = knowledge().by_intent(latest_intent(tracker))
        if entry is None:  # only reachable if a rule names an intent with no knowledge entry
            return await ActionClarify().run(dispatcher, tracker, domain)
        return send_answer(dispatcher, tracker, entry)


class ActionGreet(Action):
    """Greets, says once that this is a bot giving information (not advice), and offers to tailor answers."""

    def name(self) -> str:
        return "action_greet"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]) -> List[EventType]:
        greeting = wording("wording/answers")["greeting"]
        dispatcher.utter_message(text=greeting["text"], buttons=greeting["buttons"])
        return [SlotSet("disclaimer_shown", True)]


class ActionClarify(Action):
    """When understanding is unsure: offers the likeliest questions as buttons instead of guessing.

    Also the dialogue fallback (config.yml core_fallback_action_name) when no next step is clear.
    """

    def name(self) -> str:
        return "action_clarify"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]) -> List[EventType]:
        text = wording("wording/answers")
        ranking = tracker.latest_message.get("intent_ranking") or []
        if any(r.get("name") == "crisis" and r.get("confidence", 0) >= CRISIS_HINT for r in ranking):
            dispatcher.utter_message(text=text["safety_line"])
        buttons = []
        for candidate in ranking:
            entry = knowledge().by_intent(candidate.get("name"))
            if entry is not None and len(buttons) < 3:
                buttons.append({"title": entry.question, "payload": f"/{entry.intent}"})
        buttons.append({"title": "Find support", "payload": "/find_support"})
        buttons.append({"title": "Something else", "payload": "/help"})
        dispatcher.utter_message(text=text["clarify"], buttons=buttons)
        return []
