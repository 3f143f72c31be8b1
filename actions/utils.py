"""Reading the tracker safely: the latest message's entities, intent and ranking, and slots, as text categories.

Every action reads the tracker through these, so a "/intent{json}" payload carrying odd values is treated as
"not said" instead of crashing an action.
"""

from __future__ import annotations

from typing import Collection, List, Optional

from rasa_sdk import Tracker


def latest_intent(tracker: Tracker) -> Optional[str]:
    """The intent of the latest user message, if any."""
    return (tracker.latest_message.get("intent") or {}).get("name")


def entity_values(tracker: Tracker, entity: str) -> List[str]:
    """Values of one entity type in the latest user message, when they are text.

    Our extractors only give text categories, but a "/intent{json}" payload can carry any JSON value (or
    none): those are not categories we know, so they are left out rather than crash an action.
    """
    return [
        e["value"]
        for e in tracker.latest_message.get("entities") or []
        if isinstance(e, dict) and e.get("entity") == entity and isinstance(e.get("value"), str)
    ]


def next_ranked_intent(tracker: Tracker, skip: Collection[str], min_confidence: float) -> Optional[str]:
    """The classifier's best-ranked intent for the latest message outside `skip`, if it is at least
    `min_confidence` sure: what else the message asked ("I'm a counsellor and ...", a crisis with a question)."""
    for candidate in tracker.latest_message.get("intent_ranking") or []:
        name = candidate.get("name")
        if name in skip:
            continue
        confidence = candidate.get("confidence")
        return name if isinstance(confidence, (int, float)) and confidence >= min_confidence else None
    return None


def slot_text(tracker: Tracker, slot: str) -> Optional[str]:
    """A slot's value when it is text (every category is); any other value counts as not set."""
    value = tracker.get_slot(slot)
    return value if isinstance(value, str) else None


def slot_texts(tracker: Tracker, slot: str) -> List[str]:
    """The text items of a list slot; anything else counts as an empty list."""
    value = tracker.get_slot(slot)
    return [item for item in value if isinstance(item, str)] if isinstance(value, list) else []
