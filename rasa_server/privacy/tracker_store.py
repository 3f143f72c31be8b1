"""Tracker stores that keep as little as possible, for as short a time as possible.

Every conversation is redacted before it is stored, and forgotten after the inactivity window set in ONE
place: domain.yml `session_config.session_expiration_time` (minutes).
- `RedactingInMemoryTrackerStore` (default, endpoints.yml): in memory; conversations are swept out when
  they expire, on a timer and whenever the store is used.
- `RedactingRedisTrackerStore` (production, deploy/endpoints.production.yml): Redis keys expire after the
  same window (the expiry is refreshed by every message).

What is stored, per event (see `redact_event`):
- user messages: the text with identifiers replaced ("[name]", "[phone number]", "[email]", "[postcode]",
  "[address]", "[date of birth]", see rasa_server/privacy/redaction.py) and with the words behind place and age
  entities replaced ("[place]", "[age]"); intent and intent ranking; entities as type and normalised
  value only, and only when the value is a category such as "wales" (character offsets and typed words
  are dropped); channel and message id. Channel metadata is dropped.
- slots: values that are categories (or lists of them), booleans or empty; any other value (free text,
  numbers, dictionaries such as the session-start metadata) is stored as empty.
- session starts: without metadata. The assistant's own replies and actions are kept as they are.
The conversation itself runs on the live tracker; only the stored copy is redacted. The stores write the redacted
events straight to JSON, in the format Rasa's own stores read back (building a redacted tracker first and
serialising that cost a tenth of the Rasa server's CPU time). The Redis store takes Rasa's slower merging path
only when the stored conversation holds an earlier session than the live one.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import re
import time
from typing import Any, Dict, Iterable, List, Optional

from rasa.core.brokers.broker import EventBroker
from rasa.core.tracker_store import InMemoryTrackerStore, RedisTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import deserialise_events
from rasa.shared.core.trackers import DialogueStateTracker

from rasa_server.privacy.redaction import Found, Redactor

logger = logging.getLogger(__name__)

# A category: lower-case letters, digits, "_" and ":" ("wales", "under_16", "age:adult").
CATEGORY = re.compile(r"^[a-z0-9_:]{1,40}$")
# Entities whose typed words tell where someone is or how old they are -> the placeholder for those words.
REVEALING_ENTITIES = {"nation": "place", "age_group": "age"}
KEPT_ENTITY_KEYS = ("entity", "value", "extractor")
KEPT_PARSE_DATA_KEYS = ("intent", "intent_ranking", "message_id")


def is_category(value: Any) -> bool:
    """True for a short lower-case identifier such as "wales" or "16_17"."""
    return isinstance(value, str) and bool(CATEGORY.match(value))


def kept_slot_value(value: Any) -> Any:
    """The slot value as it may be stored: categories, lists of categories and booleans; otherwise None."""
    if value is None or isinstance(value, bool) or is_category(value):
        return value
    if isinstance(value, list) and all(is_category(item) for item in value):
        return value
    return None


def kept_entities(entities: Optional[Iterable[Dict[str, Any]]]) -> List[Dict[str, Any]]:
    """Entity type, normalised value and extractor, for entities whose value is a category."""
    return [
        {key: entity[key] for key in KEPT_ENTITY_KEYS if key in entity}
        for entity in entities or []
        if is_category(entity.get("value")) and isinstance(entity.get("entity"), str)
    ]


def revealing_spans(text: str, entities: Optional[Iterable[Dict[str, Any]]]) -> List[Found]:
    """The character spans of `text` behind place and age entities."""
    spans = []
    for entity in entities or []:
        start, end = entity.get("start"), entity.get("end")
        placeholder = REVEALING_ENTITIES.get(entity.get("entity"))
        if placeholder and isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(text):
            spans.append(Found(placeholder, start, end))
    return spans


def redact_text(text: Optional[str], entities: Optional[Iterable[Dict[str, Any]]], redactor: Redactor) -> Optional[str]:
    """The text as stored; None (nothing kept) if the redactor fails."""
    if not text:
        return text
    try:
        return redactor.redact(text, also=revealing_spans(text, entities))
    except Exception as error:  # never store what could not be redacted
        logger.error("Redaction failed (%s): the message text was not stored.", type(error).__name__)
        return None


def redact_event(event: Dict[str, Any], redactor: Redactor) -> Dict[str, Any]:
    """The serialised event as it may be stored (see the module docstring)."""
    kind = event.get("event")
    if kind == "user":
        parse_data = event.get("parse_data") or {}
        entities = parse_data.get("entities")
        text = redact_text(event.get("text"), entities, redactor)
        kept = {key: parse_data[key] for key in KEPT_PARSE_DATA_KEYS if key in parse_data}
        return {
            **event,
            "text": text,
            "metadata": {},
            "parse_data": {**kept, "text": text, "entities": kept_entities(entities)},
        }
    if kind == "slot":
        return {**event, "value": kept_slot_value(event.get("value"))}
    if kind == "entities":
        return {**event, "entities": kept_entities(event.get("entities"))}
    if kind == "session_started":
        return {**event, "metadata": {}}
    return event


def redacted_tracker(tracker: DialogueStateTracker, redactor: Redactor) -> DialogueStateTracker:
    """A copy of `tracker` whose events are redacted; `tracker` itself is not changed."""
    events = [redact_event(event.as_dict(), redactor) for event in tracker.events]
    copy = tracker.init_copy()
    copy.update_with_events(deserialise_events(events), domain=None, override_timestamp=False)
    return copy


def redacted_serialisation(tracker: DialogueStateTracker, redactor: Redactor) -> str:
    """The stored form of `tracker`: its redacted events as JSON, as Rasa's stores serialise a tracker."""
    events = [redact_event(event.as_dict(), redactor) for event in tracker.events]
    return json.dumps({"events": events, "name": tracker.sender_id})


def expiration_seconds(domain: Domain) -> float:
    """The inactivity window from domain.yml, in seconds; conversations that never expire are refused."""
    minutes = domain.session_config.session_expiration_time
    if not minutes or minutes <= 0:
        raise ValueError(
            "domain.yml session_config.session_expiration_time must be more than 0 minutes: conversations must expire."
        )
    return float(minutes) * 60


class _Redacting:
    """What both stores share: the redactor, and a domain whose sessions must expire."""

    redactor: Redactor
    _domain: Domain

    @property
    def domain(self) -> Domain:
        """The model's domain (it holds the inactivity window)."""
        return self._domain

    @domain.setter
    def domain(self, domain: Optional[Domain]) -> None:
        domain = domain or Domain.empty()
        expiration_seconds(domain)
        self._domain = domain

    def redacted(self, tracker: DialogueStateTracker) -> DialogueStateTracker:
        """The copy of `tracker` that may be stored."""
        return redacted_tracker(tracker, self.redactor)


class RedactingInMemoryTrackerStore(_Redacting, InMemoryTrackerStore):
    """Keeps redacted conversations in memory and forgets each one after the inactivity window."""

    def __init__(
        self,
        domain: Optional[Domain] = None,
        event_broker: Optional[EventBroker] = None,
        redactor: Optional[Redactor] = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(domain or Domain.empty(), event_broker, **kwargs)
        self.domain = domain  # checks that conversations expire
        self.redactor = redactor or Redactor()
        self._last_saved: Dict[str, float] = {}
        self._sweep: Optional[asyncio.TimerHandle] = None

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Stores the redacted copy and restarts this conversation's inactivity window."""
        if self.event_broker:
            await self.stream_events(self.redacted(tracker))
        self.store[tracker.sender_id] = redacted_serialisation(tracker, self.redactor)
        self._last_saved[tracker.sender_id] = time.monotonic()
        if self._sweep is None:
            self._schedule_sweep(expiration_seconds(self.domain))

    async def _retrieve(self, sender_id: str, fetch_all_sessions: bool) -> Optional[DialogueStateTracker]:
        self.forget_expired()
        return await super()._retrieve(sender_id, fetch_all_sessions)

    async def keys(self) -> Iterable[str]:
        """The ids of the conversations still kept."""
        self.forget_expired()
        return await super().keys()

    def forget_expired(self) -> None:
        """Removes every conversation with no message for the whole inactivity window."""
        oldest_kept = time.monotonic() - expiration_seconds(self.domain)
        for sender_id, saved in list(self._last_saved.items()):
            if saved <= oldest_kept:
                self.store.pop(sender_id, None)
                del self._last_saved[sender_id]

    def _schedule_sweep(self, delay: float) -> None:
        self._sweep = asyncio.get_running_loop().call_later(delay, self._run_sweep)

    def _run_sweep(self) -> None:
        """Timer callback: forgets what expired, then waits for the next conversation to expire."""
        self._sweep = None
        self.forget_expired()
        if self._last_saved:
            next_expiry = min(self._last_saved.values()) + expiration_seconds(self.domain)
            self._schedule_sweep(max(next_expiry - time.monotonic(), 0.0))


class RedactingRedisTrackerStore(_Redacting, RedisTrackerStore):
    """Keeps redacted conversations in Redis under keys that expire after the inactivity window.

    Takes RedisTrackerStore's settings (url, port, db, password, key_prefix, use_ssl ...) except
    `record_exp`: the expiry comes from domain.yml. If Redis fails, nothing is stored for that turn
    (Rasa's fallback would otherwise keep the unredacted conversation in memory).
    """

    def __init__(
        self,
        domain: Optional[Domain] = None,
        event_broker: Optional[EventBroker] = None,
        redactor: Optional[Redactor] = None,
        **kwargs: Any,
    ) -> None:
        if kwargs.get("record_exp") is not None:
            raise ValueError("Remove record_exp: the expiry is domain.yml session_config.session_expiration_time.")
        super().__init__(domain or Domain.empty(), event_broker=event_broker, **kwargs)
        self.domain = domain  # checks that conversations expire
        self.redactor = redactor or Redactor()

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Stores the redacted copy with a key expiry of the inactivity window (rounded up to seconds)."""
        key, expiry = self.key_prefix + tracker.sender_id, math.ceil(expiration_seconds(self.domain))
        try:
            stored = self.red.get(key)
            if self.event_broker or (stored is not None and self._holds_earlier_sessions(stored, tracker)):
                await super().save(self.redacted(tracker), timeout=expiry)  # Rasa's merge keeps earlier sessions
            else:
                self.red.set(key, redacted_serialisation(tracker, self.redactor), ex=expiry)
        except Exception as error:  # noqa: BLE001 - any failure must store nothing, never a plain copy
            # Rasa's fail-safe wrapper would otherwise fall back to keeping the unredacted tracker in memory.
            logger.error("Redis could not save a conversation (%s): nothing was stored.", type(error).__name__)

    def _holds_earlier_sessions(self, stored: bytes, tracker: DialogueStateTracker) -> bool:
        """True unless the live tracker starts where the stored one does (it was read from it and grew)."""
        events = json.loads(stored).get("events") or []
        if not events or not tracker.events:
            return bool(events)
        return events[0] != redact_event(tracker.events[0].as_dict(), self.redactor)
