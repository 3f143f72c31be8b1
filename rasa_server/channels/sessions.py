"""Website chat sessions: signed tokens, the session registry (in memory or in Redis) and sliding-window rate limits.

No Rasa or Sanic here; used by rasa_server.channels.website. A session is a random 128-bit id that only the server
knows how to sign. The browser holds a token `<id>.<expiry>.<signature>`; each accepted message returns a fresh
token whose expiry is the inactivity limit from now, so an old token stops working at the latest when the
conversation has been quiet for that long. Ending a session removes it from the registry, so its tokens are
rejected even before they expire. Nothing here stores message text or raw addresses.

`SessionRegistry` keeps the live sessions in this process's memory (one Rasa server). `RedisSessionRegistry`
keeps them in Redis, so that every replica behind a load balancer accepts a conversation's tokens and an ended
chat is ended everywhere (RC_SESSIONS_REDIS_URL, see rasa_server.channels.website); its keys expire on their own
after the inactivity lifetime.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Callable, Deque, Dict, List, Optional, Set

import redis

TOKEN_VERSION = "v1"
MIN_SECRET_LENGTH = 32
MAX_REMEMBERED_PAYLOADS = 200


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class TokenError(Exception):
    """A token that cannot be used; `reason` is a short code safe to show and to log."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class TokenSigner:
    """Signs and checks session tokens, and derives conversation ids and address keys, from one secret."""

    def __init__(self, secret: str) -> None:
        if len(secret) < MIN_SECRET_LENGTH:
            raise ValueError(f"the channel secret must be at least {MIN_SECRET_LENGTH} characters")
        root = secret.encode("utf-8")
        self._token_key = hmac.new(root, b"rights-companion/website/token", hashlib.sha256).digest()
        self._sender_key = hmac.new(root, b"rights-companion/website/sender", hashlib.sha256).digest()
        self._address_key = hmac.new(root, b"rights-companion/website/address", hashlib.sha256).digest()

    def _signature(self, session_id: str, expires: int) -> str:
        message = f"{TOKEN_VERSION}.{session_id}.{expires}".encode("ascii")
        return _b64(hmac.new(self._token_key, message, hashlib.sha256).digest())

    def token(self, session_id: str, expires: int) -> str:
        """A token for `session_id` that is valid until the Unix time `expires`."""
        return f"{TOKEN_VERSION}.{session_id}.{expires}.{self._signature(session_id, expires)}"

    def verify(self, token: str, now: float, allow_expired: bool = False) -> str:
        """The session id in a correctly signed, unexpired token; raises TokenError otherwise."""
        parts = token.split(".")
        if not token.isascii() or len(parts) != 4 or parts[0] != TOKEN_VERSION or not parts[2].isdigit():
            raise TokenError("malformed_token")
        _, session_id, expires, signature = parts
        try:
            if len(_unb64(session_id)) != 16:
                raise TokenError("malformed_token")
        except (binascii.Error, ValueError) as error:
            raise TokenError("malformed_token") from error
        if not hmac.compare_digest(signature, self._signature(session_id, int(expires))):
            raise TokenError("invalid_token")
        if int(expires) <= now and not allow_expired:
            raise TokenError("expired_token")
        return session_id

    def sender_id(self, session_id: str) -> str:
        """The Rasa conversation id for a session: not the token, and not guessable without the secret."""
        return "web-" + hmac.new(self._sender_key, session_id.encode("ascii"), hashlib.sha256).hexdigest()[:32]

    def address_key(self, address: str) -> str:
        """A keyed hash of a network address, so rate limits never keep the address itself."""
        return hmac.new(self._address_key, address.encode("utf-8"), hashlib.sha256).hexdigest()[:32]


class RateLimiter:
    """At most `limit` events per key in any `window` seconds (a sliding log of recent event times)."""

    def __init__(self, limit: int, window: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self.window = window
        self._clock = clock
        self._events: Dict[str, Deque[float]] = {}

    def allow(self, key: str) -> bool:
        """Records one event for `key` and says whether it is within the limit (refused events still count)."""
        now = self._clock()
        events = self._events.setdefault(key, deque())
        while events and events[0] <= now - self.window:
            events.popleft()
        events.append(now)
        if len(events) > self.limit:
            while len(events) > self.limit + 1:  # keep memory bounded under a flood
                events.popleft()
            return False
        return True

    def prune(self) -> None:
        """Forgets keys with no events inside the window."""
        cutoff = self._clock() - self.window
        for key in [key for key, events in self._events.items() if not events or events[-1] <= cutoff]:
            del self._events[key]


@dataclass
class Session:
    """One website conversation: when it was last used and which button payloads the bot has offered."""

    sender_id: str
    last_seen: float
    offered_payloads: Set[str] = field(default_factory=set)

    def remember_payloads(self, payloads: List[str]) -> None:
        """Remembers payloads the bot offered, so only those can be sent back as "/intent" messages."""
        if len(self.offered_payloads) + len(payloads) > MAX_REMEMBERED_PAYLOADS:
            self.offered_payloads.clear()
        self.offered_payloads.update(payloads)


class SessionRegistry:
    """The live website sessions of this server process, keyed by session id."""

    def __init__(
        self, signer: TokenSigner, lifetime: float, max_sessions: int, clock: Callable[[], float] = time.time
    ) -> None:
        self.signer = signer
        self.lifetime = lifetime
        self.max_sessions = max_sessions
        self._clock = clock
        self._sessions: Dict[str, Session] = {}

    def __len__(self) -> int:
        return len(self._sessions)

    def create(self) -> Optional[str]:
        """Starts a session and returns its id, or None when the server holds as many as it may."""
        if len(self._sessions) >= self.max_sessions:
            return None
        session_id = _b64(secrets.token_bytes(16))
        self._sessions[session_id] = Session(self.signer.sender_id(session_id), self._clock())
        return session_id

    def token(self, session_id: str) -> str:
        """A fresh token for a live session, valid for the inactivity lifetime from its last use."""
        expires = int(self._sessions[session_id].last_seen + self.lifetime)
        return self.signer.token(session_id, expires)

    def resolve(self, token: str, allow_expired: bool = False) -> str:
        """The id of the live session a token belongs to; raises TokenError when it is not usable."""
        now = self._clock()
        session_id = self.signer.verify(token, now, allow_expired=allow_expired)
        session = self._sessions.get(session_id)
        if session is None:
            raise TokenError("unknown_session")
        if session.last_seen + self.lifetime <= now and not allow_expired:
            raise TokenError("expired_token")
        return session_id

    def get(self, session_id: str) -> Session:
        """The live session with this id (the id must come from `resolve` or `create`)."""
        return self._sessions[session_id]

    def offered_payloads(self, session_id: str) -> Set[str]:
        """The button payloads the bot has offered in this session."""
        return self._sessions[session_id].offered_payloads

    def remember_payloads(self, session_id: str, payloads: List[str]) -> None:
        """Remembers payloads the bot offered, so only those can be sent back as "/intent" messages."""
        self._sessions[session_id].remember_payloads(payloads)

    def touch(self, session_id: str) -> bool:
        """Marks the session as used now, restarting its inactivity clock; False if it has ended meanwhile."""
        session = self._sessions.get(session_id)
        if session is not None:
            session.last_seen = self._clock()
        return session is not None

    def end(self, session_id: str) -> Optional[Session]:
        """Removes a session: all its tokens stop working. Returns it, if it was live."""
        return self._sessions.pop(session_id, None)

    def expire(self) -> List[Session]:
        """Removes and returns every session that has been inactive for the whole lifetime."""
        cutoff = self._clock() - self.lifetime
        expired = [session_id for session_id, s in self._sessions.items() if s.last_seen <= cutoff]
        return [self._sessions.pop(session_id) for session_id in expired]


class SessionStoreUnavailable(Exception):
    """The shared session store (Redis) could not be reached."""


class RedisSessionRegistry(SessionRegistry):
    """The live website sessions of every replica, in Redis (same behaviour as `SessionRegistry`).

    Per session: `<prefix>session:<id>` (a hash with the last-use time) and `<prefix>offered:<id>` (the offered
    button payloads), both expiring `lifetime` seconds after the last use, plus a member of `<prefix>live` (a
    sorted set by last use) for counting and expiring. Conversation ids are derived from the session id with the
    shared secret, so they are not stored. Times are Unix times: replicas on several hosts need synchronised
    clocks (NTP).
    """

    def __init__(
        self,
        signer: TokenSigner,
        lifetime: float,
        max_sessions: int,
        client: redis.Redis,
        prefix: str = "rightscompanion:web:",
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(signer, lifetime, max_sessions, clock)
        self.red = client
        self.prefix = prefix
        self._ttl = max(1, int(lifetime + 0.999))

    def _key(self, kind: str, session_id: str = "") -> str:
        return f"{self.prefix}{kind}{':' + session_id if session_id else ''}"

    def _last_seen(self, session_id: str) -> Optional[float]:
        try:
            value = self.red.hget(self._key("session", session_id), "last_seen")
        except redis.RedisError as error:
            raise SessionStoreUnavailable(type(error).__name__) from error
        return float(value) if value is not None else None

    def __len__(self) -> int:
        try:
            return int(self.red.zcount(self._key("live"), f"({self._clock() - self.lifetime}", "+inf"))
        except redis.RedisError as error:
            raise SessionStoreUnavailable(type(error).__name__) from error

    def _save(self, session_id: str, last_seen: float) -> None:
        pipe = self.red.pipeline()
        pipe.hset(self._key("session", session_id), "last_seen", repr(last_seen))
        pipe.expire(self._key("session", session_id), self._ttl)
        pipe.expire(self._key("offered", session_id), self._ttl)
        pipe.zadd(self._key("live"), {session_id: last_seen})
        try:
            pipe.execute()
        except redis.RedisError as error:
            raise SessionStoreUnavailable(type(error).__name__) from error

    def create(self) -> Optional[str]:
        """Starts a session and returns its id, or None when the replicas hold as many as they may."""
        if len(self) >= self.max_sessions:
            return None
        session_id = _b64(secrets.token_bytes(16))
        self._save(session_id, self._clock())
        return session_id

    def token(self, session_id: str) -> str:
        """A fresh token for a live session, valid for the inactivity lifetime from its last use."""
        last_seen = self._last_seen(session_id)
        if last_seen is None:
            raise TokenError("unknown_session")
        return self.signer.token(session_id, int(last_seen + self.lifetime))

    def resolve(self, token: str, allow_expired: bool = False) -> str:
        """The id of the live session a token belongs to; raises TokenError when it is not usable."""
        now = self._clock()
        session_id = self.signer.verify(token, now, allow_expired=allow_expired)
        last_seen = self._last_seen(session_id)
        if last_seen is None:
            raise TokenError("unknown_session")
        if last_seen + self.lifetime <= now and not allow_expired:
            raise TokenError("expired_token")
        return session_id

    def get(self, session_id: str) -> Session:
        """The session with this id (its offered payloads are read with `offered_payloads`)."""
        return Session(self.signer.sender_id(session_id), self._last_seen(session_id) or 0.0)

    def offered_payloads(self, session_id: str) -> Set[str]:
        """The button payloads the bot has offered in this session."""
        try:
            return {payload.decode("utf-8") for payload in self.red.smembers(self._key("offered", session_id))}
        except redis.RedisError as error:
            raise SessionStoreUnavailable(type(error).__name__) from error

    def remember_payloads(self, session_id: str, payloads: List[str]) -> None:
        """Remembers payloads the bot offered (at most MAX_REMEMBERED_PAYLOADS; older ones are dropped)."""
        if not payloads:
            return
        key = self._key("offered", session_id)
        try:
            if self.red.scard(key) + len(payloads) > MAX_REMEMBERED_PAYLOADS:
                self.red.delete(key)
            pipe = self.red.pipeline()
            pipe.sadd(key, *payloads)
            pipe.expire(key, self._ttl)
            pipe.execute()
        except redis.RedisError as error:
            raise SessionStoreUnavailable(type(error).__name__) from error

    def touch(self, session_id: str) -> bool:
        """Marks the session as used now, restarting its inactivity clock; False if it has ended meanwhile."""
        if self._last_seen(session_id) is None:
            return False
        self._save(session_id, self._clock())
        return True

    def end(self, session_id: str) -> Optional[Session]:
        """Removes a session on every replica: all its tokens stop working. Returns it, if it was live."""
        pipe = self.red.pipeline()
        pipe.delete(self._key("session", session_id), self._key("offered", session_id))
        pipe.zrem(self._key("live"), session_id)
        try:
            deleted, _ = pipe.execute()
        except redis.RedisError as error:
            raise SessionStoreUnavailable(type(error).__name__) from error
        return Session(self.signer.sender_id(session_id), self._clock()) if deleted else None

    def expire(self) -> List[Session]:
        """Removes and returns the sessions inactive for the whole lifetime (each to exactly one replica)."""
        live = self._key("live")
        try:
            expired = self.red.zrangebyscore(live, "-inf", self._clock() - self.lifetime)
            mine = [member.decode("ascii") for member in expired if self.red.zrem(live, member)]
        except redis.RedisError as error:
            raise SessionStoreUnavailable(type(error).__name__) from error
        return [Session(self.signer.sender_id(session_id), self._clock()) for session_id in mine]
