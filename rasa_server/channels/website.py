"""The website chat channel: plain HTTP + JSON for the embeddable widget (web/widget), inside the Rasa server.

Registered in credentials.yml as `rasa_server.channels.website.WebsiteInput`; Rasa mounts it at /webhooks/website/:

  POST /session   start a conversation: {"audience": "survivor" | "therapist"} -> token and opening replies
  POST /message   {"message": "..."} with `Authorization: Bearer <token>` -> replies and a fresh token
  POST /end       end the conversation now (quick exit, "clear"): its tokens stop working, its tracker is deleted
  GET  /widget.js, /widget.css, /privacy   the widget and the privacy page

The browser never chooses its conversation id: the server issues a signed token (rasa_server.channels.sessions).
Only origins listed in the configuration may call the API (CORS is answered here, as the Rasa server runs
without --cors). Every refusal is a 4xx JSON body {"error": code, "message": text}. Message text, tokens and
network addresses are never logged.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import os
import re
from dataclasses import dataclass
from typing import Any, Awaitable, Callable, Dict, FrozenSet, List, Optional, Tuple
from urllib.parse import urlsplit

import redis
from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from rasa.core.tracker_store import InMemoryTrackerStore, RedisTrackerStore, TrackerStore
from rasa.shared.exceptions import RasaException
from redis.exceptions import RedisError
from sanic import Blueprint, Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from content.routes import helplines_for_anyone
from rasa_server.channels.input_text import clean_input
from rasa_server.channels.pages import WEB_DIR, minutes_text, privacy_page, session_expiry_minutes
from rasa_server.channels.sessions import (
    RateLimiter,
    RedisSessionRegistry,
    Session,
    SessionRegistry,
    SessionStoreUnavailable,
    TokenError,
    TokenSigner,
)

logger = logging.getLogger(__name__)

SECRET_ENV = "RC_CHANNEL_SECRET"
ORIGINS_ENV = "RC_ALLOWED_ORIGINS"
# Set (redis://host:port/db) when several Rasa servers share the chat: their live sessions are kept in Redis.
SESSIONS_REDIS_ENV = "RC_SESSIONS_REDIS_URL"
MAX_BODY_BYTES = 16 * 1024
MAX_TOKEN_LENGTH = 200
CLEAN_UP_EVERY_SECONDS = 60.0
PREFLIGHT_MAX_AGE = "600"
WIDGET_CACHE = "public, max-age=300"  # short, and revalidated by ETag, so fixes reach partner sites quickly
API_ROUTES = ("session", "message", "end")
OPENING_MESSAGES = {"survivor": "/greet", "therapist": '/tell_role{"role":"therapist"}'}
_ORIGIN = re.compile(r"^https?://[a-z0-9.-]+(:\d{1,5})?$")
_URL = re.compile(r"https?://[^\s<>\"']+")
_URL_TRAILING = ".,;:!?)]}'\""
_WIDGET_FILES = {"widget.js": "application/javascript; charset=utf-8", "widget.css": "text/css; charset=utf-8"}

# Every refusal a person can meet in the widget ends with the helplines for anyone (999, Samaritans, the 24/7 line
# with its age and area), from data/support/services.yml: someone in crisis is never just told to wait. Braces are
# doubled because the texts are formatted with {limit} and {expiry}.
HELPLINES = "\n\n" + helplines_for_anyone().replace("{", "{{").replace("}", "}}")

ERROR_TEXT = {
    "origin_not_allowed": "This website is not set up to use the chat." + HELPLINES,
    "rate_limited": "That's a lot of messages in a short time. Please wait a minute and try again." + HELPLINES,
    "unsupported_media_type": "Please send JSON (Content-Type: application/json).",
    "body_too_large": "That request is too large.",
    "invalid_json": "The request body is not valid JSON.",
    "invalid_body": "The request body must be a JSON object.",
    "invalid_audience": 'audience must be "survivor" or "therapist".',
    "invalid_message": "message must be a piece of text.",
    "empty_message": "Please type a message.",
    "message_too_long": (
        "That's a long message, and I can only read up to {limit} characters at a time. "
        "Could you say it more briefly? Short questions work best."
    )
    + HELPLINES,
    "missing_token": "This request needs the chat's session token.",
    "malformed_token": "This chat has ended. Please start a new one.",
    "invalid_token": "This chat has ended. Please start a new one.",
    "unknown_session": "This chat has ended. Please start a new one.",
    "expired_token": "This chat ended after {expiry} without messages, so it was deleted. Please start a new one.",
    "busy": "The chat is very busy right now. Please try again in a few minutes." + HELPLINES,
    "assistant_unavailable": "Sorry, I can't answer right now. Please try again in a moment." + HELPLINES,
}


# Said before the replies when a conversation's earlier messages were lost on our side (see WebsiteInput._ask).
CONVERSATION_LOST = (
    "Sorry, I've lost track of our conversation because of a problem on my side, so I'm starting afresh. "
    "Please tell me again anything I need to know."
)


class ChannelError(Exception):
    """A refused request: becomes a JSON error response with this status and code."""

    def __init__(self, status: int, code: str, headers: Optional[Dict[str, str]] = None) -> None:
        super().__init__(code)
        self.status = status
        self.code = code
        self.headers = headers or {}


@dataclass(frozen=True)
class WebsiteConfig:
    """The channel's settings (credentials.yml), validated."""

    allowed_origins: FrozenSet[str]
    max_message_length: int
    session_messages_per_minute: int
    address_requests_per_minute: int
    max_sessions: int

    @classmethod
    def from_credentials(cls, credentials: Dict[str, Any], environ: Dict[str, str]) -> "WebsiteConfig":
        """Reads the settings; RC_ALLOWED_ORIGINS (comma-separated), when set, replaces allowed_origins."""
        origins: Any = environ.get(ORIGINS_ENV) or credentials.get("allowed_origins") or []
        if isinstance(origins, str):
            origins = [part for part in re.split(r"[,\s]+", origins) if part]
        normalised = frozenset(normalise_origin(str(origin)) for origin in origins)

        def positive(key: str, default: int) -> int:
            value = credentials.get(key, default)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise RasaException(f"website channel: {key} must be a positive whole number, not {value!r}")
            return value

        return cls(
            allowed_origins=normalised,
            max_message_length=positive("max_message_length", 1000),
            session_messages_per_minute=positive("session_messages_per_minute", 20),
            address_requests_per_minute=positive("address_requests_per_minute", 120),
            max_sessions=positive("max_sessions", 5000),
        )


def normalise_origin(origin: str) -> str:
    """`scheme://host[:port]` in lower case, without a trailing slash; refuses wildcards and paths."""
    value = origin.strip().rstrip("/").lower()
    if not _ORIGIN.match(value):
        raise RasaException(
            f"website channel: allowed origin {origin!r} must look like https://example.org or "
            "http://localhost:8000 (scheme, host and optional port; no wildcards or paths)"
        )
    return value


def links_in(text: str) -> List[str]:
    """The http(s) addresses written in a reply, in order and without repeats, for the widget to link."""
    found: List[str] = []
    for match in _URL.finditer(text):
        url = match.group(0).rstrip(_URL_TRAILING)
        if url not in found and urlsplit(url).netloc:
            found.append(url)
    return found


def replies(messages: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    """Rasa's collected bot messages as the widget's JSON: text, quick-reply buttons and links."""
    shown = []
    for message in messages:
        text = message.get("text") if isinstance(message.get("text"), str) else ""
        offered = message.get("buttons") if isinstance(message.get("buttons"), list) else []
        buttons = [
            {"title": str(button["title"]), "payload": str(button["payload"])}
            for button in offered
            if isinstance(button, dict) and button.get("title") and button.get("payload")
        ]
        if text or buttons:
            shown.append({"text": text, "buttons": buttons, "links": links_in(text)})
    return shown


def unwrapped(tracker_store: TrackerStore) -> TrackerStore:
    """The real store inside Rasa's AwaitableTrackerStore and FailSafeTrackerStore wrappers."""
    store = tracker_store
    while hasattr(store, "_tracker_store"):
        store = store._tracker_store
    return store


def conversation_kept(tracker_store: TrackerStore, sender_id: str) -> bool:
    """Whether the in-memory or Redis store still holds this conversation (False when Redis cannot say)."""
    store = unwrapped(tracker_store)
    if isinstance(store, InMemoryTrackerStore):
        return sender_id in store.store
    if isinstance(store, RedisTrackerStore):
        try:
            return bool(store.red.exists(store.key_prefix + sender_id))
        except RedisError as error:
            logger.error("website channel: the conversation store is unavailable (%s)", type(error).__name__)
            return False
    return True


async def forget_conversation(tracker_store: TrackerStore, sender_id: str) -> None:
    """Deletes a conversation's tracker from the in-memory or Redis store (the two this project uses)."""
    store = unwrapped(tracker_store)
    if isinstance(store, InMemoryTrackerStore):
        store.store.pop(sender_id, None)
    elif isinstance(store, RedisTrackerStore):
        store.red.delete(store.key_prefix + sender_id)
    else:
        logger.warning(
            "website channel: %s cannot delete conversations; ended chats stay until the store expires them",
            type(store).__name__,
        )


def session_registry(
    signer: TokenSigner, lifetime: float, max_sessions: int, environ: Dict[str, str]
) -> SessionRegistry:
    """Live sessions in Redis when RC_SESSIONS_REDIS_URL is set (several replicas), else in this process."""
    url = environ.get(SESSIONS_REDIS_ENV, "").strip()
    if not url:
        return SessionRegistry(signer, lifetime, max_sessions)
    try:
        client = redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5)
    except ValueError as error:
        raise RasaException(f"website channel: {SESSIONS_REDIS_ENV} must look like redis://host:port/db") from error
    return RedisSessionRegistry(signer, lifetime, max_sessions, client)


def json_error(error: ChannelError, limit: int, expiry: str) -> HTTPResponse:
    """The JSON body for a refused request."""
    text = ERROR_TEXT[error.code].format(limit=f"{limit:,}", expiry=expiry)
    return response.json({"error": error.code, "message": text}, status=error.status, headers=error.headers)


class WebsiteInput(InputChannel):
    """The channel the embeddable website widget talks to."""

    @classmethod
    def name(cls) -> str:
        return "website"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[str, Any]]) -> "WebsiteInput":
        secret = os.environ.get(SECRET_ENV, "")
        if not secret:
            raise RasaException(
                f"website channel: set {SECRET_ENV} to a long random secret (scripts/run.sh creates one in "
                ".secrets/channel_secret). The channel will not start without it."
            )
        try:
            signer = TokenSigner(secret)
        except ValueError as error:
            raise RasaException(f"website channel: {SECRET_ENV}: {error}") from error
        config = WebsiteConfig.from_credentials(credentials or {}, dict(os.environ))
        return cls(config, signer, session_expiry_minutes())

    def __init__(self, config: WebsiteConfig, signer: TokenSigner, expiry_minutes: float) -> None:
        self.config = config
        self.expiry_minutes = expiry_minutes
        self.sessions = session_registry(signer, expiry_minutes * 60, config.max_sessions, dict(os.environ))
        self.address_limit = RateLimiter(config.address_requests_per_minute, 60.0)
        self.session_limit = RateLimiter(config.session_messages_per_minute, 60.0)
        self.signer = signer
        if not config.allowed_origins:
            logger.warning("website channel: no allowed origins are configured, so no website can use the chat")

    # --- request checks -------------------------------------------------------------------------------

    @staticmethod
    def _cors_headers(origin: str) -> Dict[str, str]:
        return {
            "Access-Control-Allow-Origin": origin,
            "Access-Control-Allow-Methods": "POST, OPTIONS",
            "Access-Control-Allow-Headers": "Authorization, Content-Type",
            "Access-Control-Max-Age": PREFLIGHT_MAX_AGE,
            "Vary": "Origin",
        }

    def _allowed_origin(self, request: Request) -> str:
        origin = (request.headers.get("origin") or "").strip().rstrip("/").lower()
        if origin not in self.config.allowed_origins:
            raise ChannelError(403, "origin_not_allowed")
        return origin

    def _check_address(self, request: Request) -> None:
        address = request.remote_addr or request.ip or "unknown"
        if not self.address_limit.allow(self.signer.address_key(address)):
            raise ChannelError(429, "rate_limited", {"Retry-After": "60"})

    @staticmethod
    async def _json_body(request: Request) -> Dict[str, Any]:
        content_type = (request.headers.get("content-type") or "").split(";")[0].strip().lower()
        if content_type != "application/json":
            raise ChannelError(415, "unsupported_media_type")
        declared = request.headers.get("content-length") or "0"
        if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
            raise ChannelError(413, "body_too_large")
        body = bytearray()
        while True:
            chunk = await request.stream.read()
            if chunk is None:
                break
            body.extend(chunk)
            if len(body) > MAX_BODY_BYTES:
                raise ChannelError(413, "body_too_large")
        if not body.strip():
            return {}
        try:
            data = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError) as error:
            raise ChannelError(400, "invalid_json") from error
        if not isinstance(data, dict):
            raise ChannelError(400, "invalid_body")
        return data

    def _session_from(self, request: Request, allow_expired: bool = False) -> str:
        header = request.headers.get("authorization") or ""
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise ChannelError(401, "missing_token")
        if len(token) > MAX_TOKEN_LENGTH:
            raise ChannelError(401, "malformed_token")
        try:
            return self.sessions.resolve(token.strip(), allow_expired=allow_expired)
        except TokenError as error:
            logger.debug("website channel: token refused (%s)", error.reason)
            raise ChannelError(401, error.reason) from error

    # --- conversation ----------------------------------------------------------------------------------

    async def _ask(
        self,
        on_new_message: Callable[[UserMessage], Awaitable[Any]],
        session_id: str,
        text: str,
        app: Optional[Sanic] = None,
    ) -> Dict[str, Any]:
        """Hands `text` to the assistant and returns its replies with a fresh token.

        With `app` (a message in a conversation that has already started), first checks that the conversation
        is still kept: if it was lost (Redis restarted, or could not be reached), the assistant starts afresh and
        the replies begin by saying so, instead of answering as if nothing had been said before.
        """
        session = self.sessions.get(session_id)
        agent = getattr(app.ctx, "agent", None) if app else None
        lost = agent is not None and not conversation_kept(agent.tracker_store, session.sender_id)
        collector = CollectingOutputChannel()
        try:
            await on_new_message(UserMessage(text, collector, session.sender_id, input_channel=self.name()))
        except Exception as error:  # the reason is logged; the text never is
            logger.error("website channel: the assistant failed to answer (%s)", type(error).__name__)
            raise ChannelError(503, "assistant_unavailable") from error
        if not self.sessions.touch(session_id):  # ended (quick exit) while the assistant was answering
            raise ChannelError(401, "unknown_session")
        shown = replies(collector.messages)
        if lost:
            shown.insert(0, {"text": CONVERSATION_LOST, "buttons": [], "links": []})
        self.sessions.remember_payloads(
            session_id, [button["payload"] for reply in shown for button in reply["buttons"]]
        )
        return {
            "token": self.sessions.token(session_id),
            "expires_in": int(self.sessions.lifetime),
            "max_message_length": self.config.max_message_length,
            "messages": shown,
        }

    @staticmethod
    async def _forget(app: Sanic, sessions: List[Session]) -> None:
        """Deletes these sessions' conversations (waiting for any answer in progress to finish first)."""
        agent = getattr(app.ctx, "agent", None)
        if agent is None:
            return
        for session in sessions:
            async with agent.lock_store.lock(session.sender_id):
                await forget_conversation(agent.tracker_store, session.sender_id)

    async def _end(self, app: Sanic, session_id: str) -> None:
        session = self.sessions.end(session_id)
        await self._forget(app, [session] if session else [])

    async def _clean_up(self, app: Sanic) -> None:
        """Every minute: deletes conversations inactive for the expiry time, and forgets old rate counts."""
        while True:
            await asyncio.sleep(CLEAN_UP_EVERY_SECONDS)
            try:
                await self._forget(app, self.sessions.expire())
            except SessionStoreUnavailable as error:  # try again next minute; Redis also expires the keys itself
                logger.error("website channel: the session store is unavailable (%s)", error)
            self.address_limit.prune()
            self.session_limit.prune()

    def _message_text(self, data: Dict[str, Any], session_id: str) -> str:
        text = data.get("message")
        if not isinstance(text, str):
            raise ChannelError(400, "invalid_message")
        text = text.strip()
        if text.startswith("/") and text not in self.sessions.offered_payloads(session_id):
            text = text.lstrip("/").strip()  # only buttons the bot offered may send "/intent" payloads
        if not text:
            raise ChannelError(400, "empty_message")
        if len(text) > self.config.max_message_length:
            raise ChannelError(422, "message_too_long")
        return clean_input(text)

    # --- routes ------------------------------------------------------------------------------------------

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        """The channel's routes."""
        bp = Blueprint("website_channel", __name__)
        expiry = minutes_text(self.expiry_minutes)
        assets = {name: (WEB_DIR / "widget" / name).read_bytes() for name in _WIDGET_FILES}
        etags = {name: '"' + hashlib.sha256(body).hexdigest()[:32] + '"' for name, body in assets.items()}
        clean_up: Dict[str, asyncio.Task] = {}

        def api(
            handle: Callable[[Request, Dict[str, Any]], Awaitable[Tuple[int, Dict[str, Any]]]],
        ) -> Callable[[Request], Awaitable[HTTPResponse]]:
            async def route(request: Request) -> HTTPResponse:
                headers = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}
                try:
                    self._allowed_origin(request)
                    self._check_address(request)
                    status, body = await handle(request, await self._json_body(request))
                    return response.json(body, status=status, headers=headers)
                except ChannelError as error:
                    error.headers = {**headers, **error.headers}
                    return json_error(error, self.config.max_message_length, expiry)
                except SessionStoreUnavailable as error:
                    logger.error("website channel: the session store is unavailable (%s)", error)
                    unavailable = ChannelError(503, "assistant_unavailable", {**headers, "Retry-After": "30"})
                    return json_error(unavailable, self.config.max_message_length, expiry)

            return route

        @bp.middleware("response")
        async def cors(request: Request, reply: HTTPResponse) -> Optional[HTTPResponse]:
            """The one place CORS is decided for the API (the last response middleware, so it has the last word).

            Rasa's own sanic-cors answers every OPTIONS request before any route runs, without our origins, so
            preflights get their answer here: 204 with CORS headers for allowed origins, 403 for the rest.
            (The routes list OPTIONS so that preflights reach this blueprint's middleware at all.)
            """
            if request.path.rsplit("/", 1)[-1] not in API_ROUTES:
                return None
            for header in [h for h in reply.headers if h.lower().startswith("access-control-")]:
                del reply.headers[header]
            reply.headers["Vary"] = "Origin"
            try:
                origin = self._allowed_origin(request)
            except ChannelError as error:
                if request.method != "OPTIONS":
                    return reply
                error.headers = {"Cache-Control": "no-store", "Vary": "Origin"}
                return json_error(error, self.config.max_message_length, expiry)
            if request.method == "OPTIONS":
                reply = response.empty(status=204, headers={"Cache-Control": "no-store", "Vary": "Origin"})
            reply.headers.update(self._cors_headers(origin))
            return reply

        async def start_session(request: Request, data: Dict[str, Any]) -> Tuple[int, Dict[str, Any]]:
            audience = data.get("audience", "survivor")
            if not isinstance(audience, str) or audience not in OPENING_MESSAGES:
                raise ChannelError(400, "invalid_audience")
            if len(self.sessions) >= self.config.max_sessions:
                await self._forget(request.app, self.sessions.expire())
            session_id = self.sessions.create()
            if session_id is None:
                raise ChannelError(503, "busy", {"Retry-After": "300"})
            try:
                return 201, await self._ask(on_new_message, session_id, OPENING_MESSAGES[audience])
            except ChannelError:
                await self._end(request.app, session_id)
                raise

        async def message(request: Request, data: Dict[str, Any]) -> Tuple[int, Dict[str, Any]]:
            session_id = self._session_from(request)
            if not self.session_limit.allow(session_id):
                raise ChannelError(429, "rate_limited", {"Retry-After": "60"})
            text = self._message_text(data, session_id)
            return 200, await self._ask(on_new_message, session_id, text, request.app)

        async def end(request: Request, data: Dict[str, Any]) -> Tuple[int, Dict[str, Any]]:
            await self._end(request.app, self._session_from(request, allow_expired=True))
            return 200, {"ended": True}

        for route_name, handle in zip(API_ROUTES, (start_session, message, end)):
            bp.add_route(api(handle), f"/{route_name}", methods=["POST", "OPTIONS"], stream=True, name=route_name)

        @bp.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            return response.json({"status": "ok"}, headers={"Cache-Control": "no-store"})

        def asset(name: str) -> Callable[[Request], Awaitable[HTTPResponse]]:
            headers = {
                "Cache-Control": WIDGET_CACHE,
                "ETag": etags[name],
                "X-Content-Type-Options": "nosniff",
                "Cross-Origin-Resource-Policy": "cross-origin",
            }

            async def serve(request: Request) -> HTTPResponse:
                if etags[name] in (request.headers.get("if-none-match") or ""):
                    return response.empty(status=304, headers=headers)
                return response.raw(assets[name], content_type=_WIDGET_FILES[name], headers=headers)

            return serve

        for name in _WIDGET_FILES:
            bp.add_route(asset(name), f"/{name}", methods=["GET"], name=name.replace(".", "_"))

        @bp.route("/privacy", methods=["GET"])
        async def privacy(request: Request) -> HTTPResponse:
            return response.html(privacy_page(self.expiry_minutes), headers={"Cache-Control": "public, max-age=300"})

        @bp.listener("after_server_start")
        async def start_clean_up(app: Sanic, loop: asyncio.AbstractEventLoop) -> None:
            clean_up["task"] = loop.create_task(self._clean_up(app))

        @bp.listener("before_server_stop")
        async def stop_clean_up(app: Sanic, loop: asyncio.AbstractEventLoop) -> None:
            if "task" in clean_up:
                clean_up["task"].cancel()

        return bp
