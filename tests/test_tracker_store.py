"""The tracker stores keep only redacted conversations, and forget them after domain.yml's inactivity window.

The Redis tests run against a real Redis server (scripts/redis.sh on a free port).
"""

from __future__ import annotations

import asyncio
import json
import logging
from pathlib import Path
from typing import Any, Dict

import pytest
import redis
from rasa.core.tracker_store import FailSafeTrackerStore, TrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import read_endpoint_config

from rasa_server.nlu.gazetteer import load_gazetteers
from rasa_server.privacy.redaction import Redactor
from rasa_server.privacy.tracker_store import (
    RedactingInMemoryTrackerStore,
    RedactingRedisTrackerStore,
    expiration_seconds,
    is_category,
    redacted_tracker,
)
from tests.conftest import ROOT, free_port

SENDER = "store-test"
TYPED = "My name is Sarah Jones, I'm 15 and live in Swansea. Call 07700 900123 or email sj@example.org"
# What must never be stored: every identifier in TYPED, the channel's metadata and a free-text slot value.
NEVER_STORED = ["Sarah", "Jones", "I'm 15", "Swansea", "07700", "900123", "sj@example.org", "10.1.2.3", "Mozilla"]
NEVER_STORED += ["John Smith"]
HELPLINE = "Rape Crisis: call 0808 500 2222 (24 hours a day, every day)."


@pytest.fixture(scope="module")
def domain() -> Domain:
    return Domain.load(str(ROOT / "domain.yml"))


@pytest.fixture(scope="module")
def redactor() -> Redactor:
    return Redactor()


def domain_expiring_after(domain: Domain, minutes: float) -> Domain:
    """The project's domain with another inactivity window (domain.yml itself is not changed)."""
    session = {"session_expiration_time": minutes, "carry_over_slots_to_new_session": False}
    return Domain.from_dict({**domain.as_dict(), "session_config": session})


def conversation(domain: Domain, sender: str = SENDER) -> DialogueStateTracker:
    """A conversation as Rasa holds it: what was typed, with gazetteer entities pointing into the text."""
    age, place = TYPED.index("I'm 15"), TYPED.index("Swansea")
    entities = [
        {"entity": "age_group", "value": "under_16", "start": age, "end": age + 6, "extractor": "Gazetteer"},
        {"entity": "nation", "value": "wales", "start": place, "end": place + 7, "extractor": "Gazetteer"},
        {"entity": "nation", "value": "Swansea", "start": place, "end": place + 7, "extractor": "Other"},
    ]
    intent = {"name": "find_support", "confidence": 0.93}
    parse_data = {
        "text": TYPED,
        "intent": intent,
        "entities": entities,
        "intent_ranking": [intent, {"name": "inform", "confidence": 0.05}],
        "response_selector": {"default": {"response": {"responses": None}}},
    }
    metadata = {"address": "10.1.2.3", "agent": "Mozilla/5.0"}
    events = [
        SessionStarted(metadata=metadata),
        ActionExecuted("action_session_start"),
        SlotSet("session_started_metadata", metadata),
        ActionExecuted("action_listen"),
        UserUttered(TYPED, intent, entities, parse_data, input_channel="rest", message_id="m1", metadata=metadata),
        SlotSet("support_needs", ["asked", "age:under_16"]),
        SlotSet("role", "John Smith"),
        SlotSet("disclaimer_shown", True),
        ActionExecuted("action_find_support"),
        BotUttered(HELPLINE),
        ActionExecuted("action_listen"),
    ]
    return DialogueStateTracker.from_events(sender, events, slots=domain.slots)


def assert_redacted(stored: str) -> Dict[str, Any]:
    """Checks a stored `conversation()` against the policy in privacy/tracker_store.py; returns its user event."""
    for secret in NEVER_STORED:
        assert secret not in stored
    events = json.loads(stored)["events"]
    user = next(e for e in events if e["event"] == "user")
    expected = "My name is [name], [age] and live in [place]. Call [phone number] or email [email]"
    assert user["text"] == user["parse_data"]["text"] == expected
    assert user["parse_data"]["intent"]["name"] == "find_support"
    assert [r["name"] for r in user["parse_data"]["intent_ranking"]] == ["find_support", "inform"]
    # Categories stay (without offsets); the non-category value is dropped.
    assert user["parse_data"]["entities"] == [
        {"entity": "age_group", "value": "under_16", "extractor": "Gazetteer"},
        {"entity": "nation", "value": "wales", "extractor": "Gazetteer"},
    ]
    assert user["metadata"] == {} and "response_selector" not in user["parse_data"]
    assert (user["input_channel"], user["message_id"]) == ("rest", "m1")
    slots = {e["name"]: e["value"] for e in events if e["event"] == "slot"}
    assert slots == {
        "session_started_metadata": None,
        "support_needs": ["asked", "age:under_16"],
        "role": None,
        "disclaimer_shown": True,
    }
    assert [e.get("metadata") or {} for e in events if e["event"] == "session_started"] == [{}]
    assert [e["text"] for e in events if e["event"] == "bot"] == [HELPLINE]  # the bot's own words are kept
    return user


@pytest.mark.hazard("HAZ-05")
def test_in_memory_store_keeps_only_the_redacted_copy(domain: Domain, redactor: Redactor) -> None:
    store = RedactingInMemoryTrackerStore(domain, redactor=redactor)
    live = conversation(domain)

    async def scenario() -> DialogueStateTracker:
        await store.save(live)
        return await store.retrieve(SENDER)

    retrieved = asyncio.run(scenario())
    assert_redacted(store.store[SENDER])
    assert live.latest_message.text == TYPED  # the conversation itself ran on the unredacted tracker
    assert retrieved.latest_message.intent["name"] == "find_support"
    assert retrieved.get_slot("support_needs") == ["asked", "age:under_16"]
    assert retrieved.get_slot("disclaimer_shown") is True


@pytest.mark.hazard("HAZ-05")
def test_redacting_a_stored_conversation_again_changes_nothing(domain: Domain, redactor: Redactor) -> None:
    once = redacted_tracker(conversation(domain), redactor)
    twice = redacted_tracker(once, redactor)
    assert [e.as_dict() for e in twice.events] == [e.as_dict() for e in once.events]


@pytest.mark.hazard("HAZ-05")
def test_in_memory_store_forgets_inactive_conversations(domain: Domain, redactor: Redactor) -> None:
    window = 1.2  # seconds; domain.yml's own window is read the same way, in minutes
    store = RedactingInMemoryTrackerStore(domain_expiring_after(domain, window / 60), redactor=redactor)

    async def scenario() -> None:
        await store.save(conversation(domain, "early"))
        await store.save(conversation(domain, "active"))
        await asyncio.sleep(0.8)
        await store.save(conversation(domain, "active"))  # a new message restarts its window
        await asyncio.sleep(0.8)
        # Nothing touched the store: the timer alone removed the expired conversation.
        assert "early" not in store.store and "active" in store.store
        await asyncio.sleep(1.0)
        assert store.store == {}
        assert await store.retrieve("active") is None

    asyncio.run(scenario())


@pytest.mark.hazard("HAZ-05")
def test_conversations_must_expire(domain: Domain, redactor: Redactor) -> None:
    never = domain_expiring_after(domain, 0)
    with pytest.raises(ValueError, match="session_expiration_time"):
        RedactingInMemoryTrackerStore(never, redactor=redactor)
    store = RedactingInMemoryTrackerStore(domain, redactor=redactor)
    with pytest.raises(ValueError, match="session_expiration_time"):
        store.domain = never


@pytest.mark.hazard("HAZ-05")
def test_slots_never_keep_places_ages_or_typed_words(domain: Domain) -> None:
    """Every slot value the dialogue uses survives storage; nothing is filled from the typed words."""
    for slot in domain.as_dict()["slots"].values():
        for mapping in slot.get("mappings", []):
            assert mapping["type"] != "from_text"
            assert mapping.get("entity") not in ("nation", "age_group")
        assert all(is_category(value) for value in slot.get("values", []))


@pytest.mark.hazard("HAZ-05")
def test_gazetteer_values_are_categories() -> None:
    gazetteer = load_gazetteers(ROOT / "data" / "gazetteers")
    assert gazetteer
    for values in gazetteer.values():
        assert all(is_category(value) for value in values)


@pytest.fixture()
def redis_client(redis_port: int) -> redis.Redis:
    client = redis.Redis(port=redis_port, decode_responses=True)
    client.flushall()
    return client


def redis_store(domain: Domain, port: int, redactor: Redactor) -> RedactingRedisTrackerStore:
    return RedactingRedisTrackerStore(domain, host="127.0.0.1", port=port, key_prefix="test", redactor=redactor)


@pytest.mark.hazard("HAZ-05")
def test_redis_store_keeps_the_redacted_copy_under_an_expiring_key(
    domain: Domain, redactor: Redactor, redis_port: int, redis_client: redis.Redis
) -> None:
    store = redis_store(domain, redis_port, redactor)
    window = expiration_seconds(domain)
    assert window == domain.session_config.session_expiration_time * 60
    live = conversation(domain)

    async def next_turn() -> None:
        await store.save(live)
        retrieved = await store.retrieve(SENDER)
        retrieved.update(UserUttered("thanks, that helps", {"name": "thanks", "confidence": 1.0}))
        await store.save(retrieved)

    asyncio.run(next_turn())
    (key,) = redis_client.keys("*")
    assert key == store.key_prefix + SENDER
    assert window - 2 <= redis_client.ttl(key) <= window  # refreshed by the second message
    stored = redis_client.get(key)
    assert_redacted(stored)
    events = json.loads(stored)["events"]
    assert len(events) == len(live.events) + 1  # the stored turn and the new one, nothing repeated
    assert events[-1]["text"] == "thanks, that helps"


@pytest.mark.hazard("HAZ-05")
def test_redis_key_disappears_after_the_window(
    domain: Domain, redactor: Redactor, redis_port: int, redis_client: redis.Redis
) -> None:
    store = redis_store(domain_expiring_after(domain, 0.03), redis_port, redactor)  # 1.8 s, rounded up to 2 s
    asyncio.run(store.save(conversation(domain)))
    (key,) = redis_client.keys("*")
    assert redis_client.ttl(key) == 2
    asyncio.run(asyncio.sleep(2.5))
    assert redis_client.keys("*") == []


@pytest.mark.hazard("HAZ-05")
def test_redis_expiry_is_only_set_in_the_domain(domain: Domain, redactor: Redactor, redis_port: int) -> None:
    with pytest.raises(ValueError, match="record_exp"):
        RedactingRedisTrackerStore(domain, port=redis_port, record_exp=3600, redactor=redactor)


@pytest.mark.hazard("HAZ-05")
def test_redis_failure_stores_nothing_anywhere(
    domain: Domain, redactor: Redactor, caplog: pytest.LogCaptureFixture
) -> None:
    """Rasa's fail-safe wrapper would keep an unredacted copy in memory if our save raised."""
    fail_safe = FailSafeTrackerStore(redis_store(domain, free_port(), redactor))
    with caplog.at_level(logging.ERROR):
        asyncio.run(fail_safe.save(conversation(domain)))
    assert fail_safe._fallback_tracker_store is None
    assert "Redis could not save a conversation" in caplog.text
    assert "Sarah" not in caplog.text


@pytest.mark.hazard("HAZ-05")
def test_endpoint_files_use_the_redacting_stores(
    domain: Domain, redis_port: int, redis_client: redis.Redis, monkeypatch: pytest.MonkeyPatch
) -> None:
    local = TrackerStore.create(read_endpoint_config(str(ROOT / "endpoints.yml"), "tracker_store"), domain)
    assert isinstance(local, RedactingInMemoryTrackerStore)
    monkeypatch.setenv("REDIS_HOST", "127.0.0.1")
    monkeypatch.setenv("REDIS_PORT", str(redis_port))
    production = Path(ROOT / "deploy" / "endpoints.production.yml")
    store = TrackerStore.create(read_endpoint_config(str(production), "tracker_store"), domain)
    assert isinstance(store, RedactingRedisTrackerStore)
    asyncio.run(store.save(conversation(domain)))
    (key,) = redis_client.keys("*")
    assert key.startswith("rightscompanion:")
    assert_redacted(redis_client.get(key))
    assert 0 < redis_client.ttl(key) <= expiration_seconds(domain)
