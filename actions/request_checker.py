"""The therapist request checker: a short form about a records request, then an assessment and next steps."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, Dict, List, Optional

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.answers import send_answer
from actions.utils import entity_values, latest_intent, slot_text
from content.loader import knowledge, source, wording

FORM = "request_check_form"
KIND_SLOT = "request_kind"
YES_NO_SLOTS = (
    "in_writing",
    "says_what_and_why",
    "counselling_info",
    "chief_inspector",
    "client_told",
    "scope_specific",
)
CHECKER_SLOTS = (KIND_SLOT, *YES_NO_SLOTS)
# Slots whose answer is assessed (counselling_info only decides whether chief_inspector is asked).
ASSESSED_SLOTS = ("in_writing", "says_what_and_why", "chief_inspector", "client_told", "scope_specific")
ANSWER_INTENTS = {"affirm": "yes", "deny": "no", "unsure": "unsure"}
SCOPE_ANSWERS = {"specific": "yes", "whole_file": "no"}
# What the person was given: a court order, witness summons or warrant ends the checklist with its own advice.
ENDS_CHECKLIST = ("court_order", "warrant")
# Intents that leave the form to the rules (crisis routes, pausing) instead of being treated as answers.
HANDLED_BY_RULES = {"crisis", "stop"}


def checks() -> Dict[str, Any]:
    """The checklist's questions, assessment wording and sources (data/wording/request_checker.yml)."""
    return wording("wording/request_checker")


def answer_from(tracker: Tracker, slot: str) -> Optional[str]:
    """The category the latest message gives for `slot`, or None when it does not answer it."""
    intent = latest_intent(tracker)
    if slot == KIND_SLOT:
        kinds = entity_values(tracker, "request_kind")
        if kinds:
            return kinds[0]
        return "unsure" if intent == "unsure" else None
    if slot == "scope_specific":
        scopes = entity_values(tracker, "request_scope")
        if scopes:
            return SCOPE_ANSWERS.get(scopes[0])
    if intent in ANSWER_INTENTS:
        return ANSWER_INTENTS[intent]
    # A longer reply that still starts with or contains a plain answer ("yes it is about her counselling").
    said = entity_values(tracker, "checklist_answer")
    return said[0] if said else None


class ValidateRequestCheckForm(FormValidationAction):
    """Turns each reply into a category, answers side questions, and re-asks when a reply doesn't fit."""

    def name(self) -> str:
        return f"validate_{FORM}"

    async def required_slots(
        self, domain_slots: List[str], dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[str]:
        if tracker.get_slot(KIND_SLOT) in ENDS_CHECKLIST:
            return [KIND_SLOT]
        if tracker.get_slot("counselling_info") == "no":
            return [slot for slot in domain_slots if slot != "chief_inspector"]
        return domain_slots

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        """Reads the reply to the question asked, then lets the form know which question comes next.

        Replies are already turned into categories here, so there is no separate validation step.
        """
        events = self._reply_events(dispatcher, tracker)
        tracker.add_slots(events)
        next_slot = await self.next_requested_slot(dispatcher, tracker, domain)
        return [*events, next_slot] if next_slot else events

    def _reply_events(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> List[EventType]:
        slot = tracker.get_slot("requested_slot")
        if slot not in CHECKER_SLOTS or latest_intent(tracker) in HANDLED_BY_RULES:
            return []
        value = answer_from(tracker, slot)
        if value is not None:
            return [SlotSet(slot, value)]
        entry = knowledge().by_intent(latest_intent(tracker))
        if entry is not None:
            side_events = send_answer(dispatcher, tracker, entry)
        else:
            dispatcher.utter_message(text=wording("wording/answers")["not_a_checklist_answer"])
            side_events = []
        # Setting the requested slot to None keeps the form going and makes it ask the same question again.
        return [*side_events, SlotSet(slot, None)]


class AskChecklistQuestion(Action, ABC):
    """Asks one checklist question, with its answer buttons, from data/wording/request_checker.yml."""

    @property
    @abstractmethod
    def slot(self) -> str:
        """The slot this question fills."""

    def name(self) -> str:
        return f"action_ask_{self.slot}"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]) -> List[EventType]:
        data = checks()
        question = data["questions"][self.slot]
        dispatcher.utter_message(text=question["text"], buttons=question.get("buttons", data["yes_no_buttons"]))
        return []


class AskRequestKind(AskChecklistQuestion):
    slot = KIND_SLOT


class AskInWriting(AskChecklistQuestion):
    slot = "in_writing"


class AskSaysWhatAndWhy(AskChecklistQuestion):
    slot = "says_what_and_why"


class AskCounsellingInfo(AskChecklistQuestion):
    slot = "counselling_info"


class AskChiefInspector(AskChecklistQuestion):
    slot = "chief_inspector"


class AskClientTold(AskChecklistQuestion):
    slot = "client_told"


class AskScopeSpecific(AskChecklistQuestion):
    slot = "scope_specific"


def _sources_line(sources: List[Dict[str, Any]]) -> str:
    unique = {s["url"]: source(s) for s in sources}
    return "\n".join(f"• {cited.citation()}" for cited in unique.values())


def assessment(slots: Dict[str, Optional[str]]) -> str:
    """The assessment text for a set of checker answers."""
    data = checks()
    heads = data["headings"]
    kind = slots.get(KIND_SLOT)
    if kind in ENDS_CHECKLIST:
        advice = data[kind]
        return f"{advice['text']}\n\n{heads['sources']}\n{_sources_line(advice['sources'])}"
    groups: Dict[str, List[str]] = {"yes": [], "no": [], "unsure": []}
    sources: List[Dict[str, Any]] = []
    for slot in ASSESSED_SLOTS:
        answer = slots.get(slot)
        if answer in groups:
            groups[answer].append(f"• {data['checks'][slot][answer]}")
            sources.extend(data["checks"][slot]["sources"])
    parts = [heads["intro"]]
    if kind == "unsure":
        parts.append(data["police_request_unsure"])
    for answer, heading in (("yes", "fine"), ("no", "missing"), ("unsure", "unsure")):
        if groups[answer]:
            parts.append(heads[heading] + "\n" + "\n".join(groups[answer]))
    steps = [data["first_step"]["unsure" if kind == "unsure" else "police_request"], *data["next_steps"]]
    parts.append(heads["next_steps"] + "\n" + "\n".join(f"• {step}" for step in steps))
    sources.extend(data["next_steps_sources"])
    parts.append(heads["sources"] + "\n" + _sources_line(sources))
    return "\n\n".join(parts)


class ActionAssessRequest(Action):
    """Tells the person what looks in line with the rules, what is missing, and what to do next."""

    def name(self) -> str:
        return "action_assess_request"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]) -> List[EventType]:
        answers = {slot: slot_text(tracker, slot) for slot in CHECKER_SLOTS}
        dispatcher.utter_message(
            text=assessment(answers),
            buttons=[
                {"title": "How do I talk to my client?", "payload": "/ask_talk_to_client"},
                {"title": "Sharing only what's needed", "payload": "/ask_minimum_disclosure"},
                {"title": "Where can I get advice?", "payload": "/ask_professional_advice"},
            ],
        )
        # The answers have done their job: forget them so a new check starts fresh.
        return [SlotSet(slot, None) for slot in CHECKER_SLOTS]
