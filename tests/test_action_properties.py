"""Every custom action copes with whatever tracker it is sent (Hypothesis property tests, no server).

The Rasa server builds the tracker it sends from what people type, including "/intent{json}" payloads on the
REST channel, so an entity value can be a list or a number, an intent can be unknown, keys can be missing and
a slot can hold a value of the wrong type. Each action in actions/ must still answer without an exception,
and the safety guarantees must hold: a crisis reply starts with 999 and names Samaritans and the 24/7 line,
an unsure guess that might be a crisis gets the safety line first, and the checklist leaves crisis and stop
messages to the rules (which send the crisis reply).
"""

from __future__ import annotations

import asyncio
import importlib
import inspect
import pkgutil
from typing import Any, Dict, List, Tuple

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

import actions
from actions.answers import CRISIS_HINT, ActionClarify
from actions.request_checker import HANDLED_BY_RULES, ValidateRequestCheckForm
from actions.safety import ActionCrisisResponse
from content.loader import directory, wording
from tests.conftest import ROOT

DOMAIN = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
INTENTS = [*DOMAIN["intents"], "nlu_fallback"]
ENTITIES = DOMAIN["entities"]
SLOTS = {**DOMAIN["slots"], "requested_slot": {"values": list(DOMAIN["slots"])}}
# Values the gazetteers and the crisis matcher really produce, plus the slots' own values.
CATEGORIES = sorted(
    {
        *(str(v) for slot in DOMAIN["slots"].values() for v in slot.get("values", [])),
        *("england", "wales", "scotland", "northern_ireland", "under_16", "16_17", "adult", "under_18"),
        *("24_7", "men", "lgbt", "deaf_bsl", "welsh_language", "child", "recent_assault", "mental_health"),
        *("danger", "suicide", "self_harm", "unknown", "police_request", "court_order", "whole_file", "specific"),
        *("asked", "age:under_16", "age:adult"),
        *("someone_else_danger", "someone_else_suicide", "someone_else_self_harm", "someone_else_recent_assault"),
    }
)
EXAMPLES = 150  # per property; the every-action property runs EXAMPLES_PER_ACTION for each action
EXAMPLES_PER_ACTION = 40


def all_actions() -> List[type]:
    """Every concrete Action class defined in the actions package (what the action server registers)."""
    found = []
    for module_info in pkgutil.iter_modules(actions.__path__):
        module = importlib.import_module(f"actions.{module_info.name}")
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, Action) and cls.__module__ == module.__name__ and not inspect.isabstract(cls):
                found.append(cls)
    return sorted(found, key=lambda cls: cls.__name__)


ACTIONS = all_actions()

# --- strategies ----------------------------------------------------------------------------------------

json_scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=12)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=6,
)
intent_names = st.sampled_from(INTENTS) | st.text(max_size=15)
categories = st.sampled_from(CATEGORIES)
confidences = st.floats(min_value=0, max_value=1)

entities = st.fixed_dictionaries(
    {},
    optional={
        "entity": st.sampled_from(ENTITIES) | json_values,
        "value": categories | json_values,
        "start": json_values,
        "end": json_values,
        "extractor": st.text(max_size=10),
    },
)
ranking = st.lists(
    st.fixed_dictionaries({"name": intent_names}, optional={"confidence": confidences}),
    max_size=6,
)
latest_messages = st.fixed_dictionaries(
    {},
    optional={
        "text": json_values,
        "intent": st.none()
        | st.fixed_dictionaries({}, optional={"name": intent_names | st.none(), "confidence": confidences}),
        "entities": st.none() | st.lists(entities, max_size=5),
        "intent_ranking": st.none() | ranking,
        "message_id": st.text(max_size=8),
    },
)


@st.composite
def slot_values(draw: st.DrawFn) -> Dict[str, Any]:
    """Some slots, each with one of its own values, a category, a list of categories or any JSON value."""
    names = draw(st.lists(st.sampled_from(sorted(SLOTS)), unique=True, max_size=len(SLOTS)))
    slots = {}
    for name in names:
        own = [str(v) for v in SLOTS[name].get("values", [])] or CATEGORIES
        slots[name] = draw(st.sampled_from(own) | st.lists(categories, max_size=3) | json_values)
    return slots


trackers = st.builds(
    lambda latest, slots, loop: Tracker("property-test", slots, latest, [], False, None, loop, "action_listen"),
    latest_messages,
    slot_values(),
    st.sampled_from([{}, {"name": "request_check_form"}, {"name": None}]),
)


# --- helpers -------------------------------------------------------------------------------------------


def run(action: Action, tracker: Tracker) -> Tuple[List[Dict[str, Any]], List[Dict[str, Any]]]:
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, tracker, DOMAIN))
    return dispatcher.messages, events


def assert_well_formed(messages: List[Dict[str, Any]], events: List[Dict[str, Any]]) -> None:
    """What the Rasa server needs back: texts, buttons with a title and payload, and events."""
    for message in messages:
        assert isinstance(message.get("text") or "", str)
        for button in message.get("buttons") or []:
            assert isinstance(button["title"], str) and button["title"]
            assert isinstance(button["payload"], str) and button["payload"].startswith("/")
    assert isinstance(events, list) and all(isinstance(event, dict) and event.get("event") for event in events)


def top_intent(tracker: Tracker) -> Any:
    return (tracker.latest_message.get("intent") or {}).get("name")


SETTINGS = settings(
    max_examples=EXAMPLES, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
PER_ACTION = settings(SETTINGS, max_examples=EXAMPLES_PER_ACTION)


# --- properties ----------------------------------------------------------------------------------------


def test_the_actions_package_is_fully_covered():
    names = {cls().name() for cls in ACTIONS}
    custom = {name for name in DOMAIN["actions"] if not name.startswith("utter_")}
    assert custom <= names, f"actions in domain.yml not found in actions/: {custom - names}"


@pytest.mark.parametrize("action", ACTIONS, ids=lambda cls: cls.__name__)
@PER_ACTION
@given(tracker=trackers)
def test_every_action_answers_any_tracker_without_an_exception(action: type, tracker: Tracker):
    messages, events = run(action(), tracker)
    assert_well_formed(messages, events)


@SETTINGS
@given(tracker=trackers)
def test_a_crisis_reply_always_starts_with_999_and_names_the_helplines(tracker: Tracker):
    messages, _ = run(ActionCrisisResponse(), tracker)
    first = messages[0]["text"]
    services = directory()
    emergency, samaritans, line = (services[i].phone for i in ("emergency_999", "samaritans", "rape_crisis_247"))
    assert emergency in first and samaritans in first and line in first
    assert first.index(emergency) < first.index(samaritans) and first.index(emergency) < first.index(line)


@SETTINGS
@given(tracker=trackers)
def test_an_unsure_guess_that_might_be_a_crisis_gets_the_safety_line_first(tracker: Tracker):
    messages, _ = run(ActionClarify(), tracker)
    ranking = tracker.latest_message.get("intent_ranking") or []
    if any(r.get("name") == "crisis" and r.get("confidence", 0) >= CRISIS_HINT for r in ranking):
        assert messages[0]["text"] == wording("wording/answers")["safety_line"]


@SETTINGS
@given(tracker=trackers)
def test_the_checklist_leaves_crisis_and_stop_messages_to_the_rules(tracker: Tracker):
    messages, events = run(ValidateRequestCheckForm(), tracker)
    assert_well_formed(messages, events)
    if top_intent(tracker) in HANDLED_BY_RULES:
        assert messages == []
