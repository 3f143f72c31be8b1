"""Answers questions from the sourced knowledge base, and asks a clarifying question when unsure."""

from __future__ import annotations

from typing import Any, Collection, Dict, List, Optional

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.safety import CRISIS_INTENT
from actions.support_finder import CHILD_SERVICE, FIND_SUPPORT_INTENT, ActionFindSupport, contact_line
from actions.utils import entity_values, latest_intent, next_ranked_intent, slot_text
from content.loader import KnowledgeEntry, directory, knowledge, wording
from content.routes import YOUNG_AGE_GROUPS

OWN_CASE_INTENT = "ask_own_case"
TELL_ROLE_INTENT = "tell_role"
REQUEST_CHECK_PAYLOAD = "/start_request_check"
WHERE_APPLY_ENTRY = "where_apply"
OUTSIDE_ENGLAND_AND_WALES = {"scotland": "Scotland", "northern_ireland": "Northern Ireland"}
MAX_SOURCES_SHOWN = 2
MAX_BUTTONS = 4
# A crisis score this high, even when it is not the top guess, gets the safety line first.
CRISIS_HINT = 0.1
# "I'm a counsellor and police want my client's file": when the message says who someone is, or asks about their
# own case, the classifier's next guess must be at least this sure before it is answered as the question asked.
# Plain role statements rank their next guess far lower (tests/test_understanding.py measures it).
FOLLOW_UP_MIN_CONFIDENCE = 0.2


def follow_up_request(tracker: Tracker, skip: Collection[str]) -> Optional[str]:
    """The question the latest message also asked: the best-ranked intent not in `skip`, if we answer it.

    That is a question with a knowledge entry, or a request for support, ranked at least FOLLOW_UP_MIN_CONFIDENCE.
    """
    name = next_ranked_intent(tracker, (*skip, "nlu_fallback"), FOLLOW_UP_MIN_CONFIDENCE)
    if name == FIND_SUPPORT_INTENT or (name is not None and knowledge().by_intent(name) is not None):
        return name
    return None


def outside_england_and_wales(tracker: Tracker) -> Optional[str]:
    """Scotland or Northern Ireland, when the latest message places the person there."""
    return next(
        (OUTSIDE_ENGLAND_AND_WALES[n] for n in entity_values(tracker, "nation") if n in OUTSIDE_ENGLAND_AND_WALES), None
    )


def scope_caveat(nation: str) -> str:
    """These rules are for England and Wales: said with the where_apply entry's source."""
    where = knowledge().by_id(WHERE_APPLY_ENTRY)
    caveat = wording("wording/answers")["outside_england_and_wales"].format(nation=nation)
    return f"{caveat}\n\nSource: {where.sources[0].citation()}" if where else caveat


def childline_note(tracker: Tracker) -> Optional[str]:
    """Childline's details, when the latest message says the person is under 18."""
    if not any(age in YOUNG_AGE_GROUPS for age in entity_values(tracker, "age_group")):
        return None
    return f"{wording('wording/answers')['young_person']}\n{contact_line(directory()[CHILD_SERVICE])}"


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


def send_answer(
    dispatcher: CollectingDispatcher, tracker: Tracker, entry: KnowledgeEntry, own_case: bool = False
) -> List[EventType]:
    """Sends one sourced answer, after the "not legal advice" note the first time and for own-case questions.

    Someone in Scotland or Northern Ireland first hears that these rules are for England and Wales; someone
    under 18 also hears about Childline.
    """
    events: List[EventType] = []
    text = wording("wording/answers")
    if own_case or entry.intent == OWN_CASE_INTENT:
        dispatcher.utter_message(text=text["own_case_disclaimer"])
    elif not tracker.get_slot("disclaimer_shown"):
        dispatcher.utter_message(text=text["disclaimer"])
    if not tracker.get_slot("disclaimer_shown"):
        events.append(SlotSet("disclaimer_shown", True))
    nation = outside_england_and_wales(tracker)
    if nation and entry.id != WHERE_APPLY_ENTRY:
        dispatcher.utter_message(text=scope_caveat(nation))
    dispatcher.utter_message(text=answer_text(entry, slot_text(tracker, "role")), buttons=related_buttons(entry))
    young = childline_note(tracker)
    if young:
        dispatcher.utter_message(text=young)
    return events


class ActionAnswer(Action):
    """Answers the question the latest intent asked, from data/knowledge."""

    def name(self) -> str:
        return "action_answer"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]) -> List[EventType]:
        intent = latest_intent(tracker)
        if intent == OWN_CASE_INTENT:  # "will police get MY notes?": the general answer on that, after the caveat
            topic = knowledge().by_intent(follow_up_request(tracker, skip={OWN_CASE_INTENT, CRISIS_INTENT}))
            if topic is not None:
                return send_answer(dispatcher, tracker, topic, own_case=True)
        entry = knowledge().by_intent(intent)
        if entry is None:  # only reachable if a rule names an intent with no knowledge entry
            return await ActionClarify().run(dispatcher, tracker, domain)
        return send_answer(dispatcher, tracker, entry)


class ActionAcknowledgeRole(Action):
    """Notes who the person is (the role slot) and, if the same message asked something, answers it too."""

    def name(self) -> str:
        return "action_acknowledge_role"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]) -> List[EventType]:
        text = wording("wording/answers")
        role = slot_text(tracker, "role") or "unknown"
        request = follow_up_request(tracker, skip={TELL_ROLE_INTENT, CRISIS_INTENT})
        if request is None:
            ack = text["role_ack"].get(role, text["role_ack"]["unknown"])
            dispatcher.utter_message(text=ack["text"], buttons=ack["buttons"])
            return []
        dispatcher.utter_message(text=text["role_noted"].get(role, text["role_noted"]["unknown"]))
        if request == FIND_SUPPORT_INTENT:
            return await ActionFindSupport().run(dispatcher, tracker, domain)
        return send_answer(dispatcher, tracker, knowledge().by_intent(request))


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
        if any(r.get("name") == CRISIS_INTENT and r.get("confidence", 0) >= CRISIS_HINT for r in ranking):
            dispatcher.utter_message(text=text["safety_line"])
        young = childline_note(tracker)
        if young:
            dispatcher.utter_message(text=young)
        buttons = []
        for candidate in ranking:
            entry = knowledge().by_intent(candidate.get("name"))
            if entry is not None and len(buttons) < 3:
                buttons.append({"title": entry.question, "payload": f"/{entry.intent}"})
        buttons.append({"title": "Find support", "payload": "/find_support"})
        buttons.append({"title": "Something else", "payload": "/help"})
        dispatcher.utter_message(text=text["clarify"], buttons=buttons)
        return []
