"""The website channel's Redis session registry: two replicas sharing one real Redis behave as one registry."""

from __future__ import annotations

from typing import Iterator, Tuple

import pytest
import redis

from rasa_server.channels.sessions import (
    RedisSessionRegistry,
    SessionRegistry,
    SessionStoreUnavailable,
    TokenError,
    TokenSigner,
)
from rasa_server.channels.website import WebsiteConfig, session_registry
from tests.conftest import free_port

SECRET = "s" * 40
LIFETIME = 60.0


class FakeClock:
    """A clock the test moves by hand (Unix seconds)."""

    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture()
def client(redis_port: int) -> Iterator[redis.Redis]:
    client = redis.Redis(port=redis_port, db=2)
    client.flushdb()
    yield client
    client.flushdb()


def replicas(
    client: redis.Redis, clock: FakeClock, max_sessions: int = 10
) -> Tuple[RedisSessionRegistry, RedisSessionRegistry]:
    """Two registries, as two Rasa servers with the same secret and Redis would hold them."""
    return tuple(
        RedisSessionRegistry(TokenSigner(SECRET), LIFETIME, max_sessions, client, clock=clock) for _ in range(2)
    )


def test_a_session_started_on_one_replica_works_on_the_other(client):
    clock = FakeClock()
    first, second = replicas(client, clock)
    session_id = first.create()
    token = first.token(session_id)
    assert second.resolve(token) == session_id
    assert second.get(session_id).sender_id == first.get(session_id).sender_id
    first.remember_payloads(session_id, ["/affirm", "/deny"])
    assert second.offered_payloads(session_id) == {"/affirm", "/deny"}
    clock.now += 30
    assert second.touch(session_id)
    assert first.resolve(second.token(session_id)) == session_id


def test_keys_expire_with_the_inactivity_window_and_hold_no_conversation_id(client):
    first, _ = replicas(client, FakeClock())
    session_id = first.create()
    first.remember_payloads(session_id, ["/affirm"])
    sender_id = first.get(session_id).sender_id
    for key in client.keys("rightscompanion:web:*:*"):
        assert 0 < client.ttl(key) <= LIFETIME
    stored = b" ".join(client.keys("*") + [client.dump(key) for key in client.keys("*")])
    assert sender_id.encode() not in stored


def test_ending_on_one_replica_ends_everywhere(client):
    first, second = replicas(client, FakeClock())
    session_id = first.create()
    token = first.token(session_id)
    assert second.end(session_id) is not None
    with pytest.raises(TokenError) as error:
        first.resolve(token, allow_expired=True)
    assert error.value.reason == "unknown_session"
    assert not first.touch(session_id)
    assert second.end(session_id) is None


def test_expired_sessions_are_handed_to_exactly_one_replica_and_tokens_refused(client):
    clock = FakeClock()
    first, second = replicas(client, clock)
    session_id = first.create()
    token = first.token(session_id)
    clock.now += LIFETIME + 1
    with pytest.raises(TokenError) as error:
        second.resolve(token)
    assert error.value.reason == "expired_token"
    expired = first.expire() + second.expire()
    assert [session.sender_id for session in expired] == [first.signer.sender_id(session_id)]


def test_the_session_limit_counts_every_replica(client):
    first, second = replicas(client, FakeClock(), max_sessions=2)
    assert first.create() and second.create()
    assert first.create() is None and second.create() is None
    assert len(first) == len(second) == 2


def test_an_unreachable_redis_is_reported_not_mistaken_for_an_ended_chat():
    dead = redis.Redis(port=free_port(), socket_connect_timeout=1)
    registry = RedisSessionRegistry(TokenSigner(SECRET), LIFETIME, 10, dead)
    with pytest.raises(SessionStoreUnavailable):
        registry.create()
    with pytest.raises(SessionStoreUnavailable):
        registry.resolve(TokenSigner(SECRET).token("A" * 22, 2_000_000_000))


def test_the_channel_uses_redis_only_when_configured(redis_port):
    config = WebsiteConfig.from_credentials({}, {})
    signer = TokenSigner(SECRET)
    assert type(session_registry(signer, LIFETIME, config.max_sessions, {})) is SessionRegistry
    environ = {"RC_SESSIONS_REDIS_URL": f"redis://127.0.0.1:{redis_port}/2"}
    assert isinstance(session_registry(signer, LIFETIME, config.max_sessions, environ), RedisSessionRegistry)
