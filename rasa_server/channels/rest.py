"""Rasa's REST channel with its requests checked first (credentials.yml: `rasa_server.channels.rest.RestInput`).

Same name ("rest"), address (/webhooks/rest/webhook) and replies as Rasa's own channel, which answered a body
that is not a JSON object with a 500 error, and lost a message that was not text (or was empty, or named no
one) with an error in the log and no reply. Here such a request gets a 4xx JSON body {"error": code,
"message": text}, as on the website channel; text is made safe (rasa_server.channels.input_text) and limited in length.
The channel is for local tools and tests only: nginx never forwards it (deploy/PRODUCTION.md).
"""

from __future__ import annotations

from typing import Any, Dict, Optional

from rasa.core.channels.rest import RestInput as RasaRestInput
from rasa.shared.exceptions import RasaException
from sanic import Blueprint
from sanic.exceptions import InvalidUsage
from sanic.request import Request
from sanic.response import HTTPResponse, json

from rasa_server.channels.input_text import clean_input
from rasa_server.channels.website import ERROR_TEXT, ChannelError

MAX_SENDER_LENGTH = 128
MAX_INPUT_CHANNEL_LENGTH = 64
REST_ERROR_TEXT = {
    **ERROR_TEXT,
    "invalid_sender": f"sender must be a piece of text of 1 to {MAX_SENDER_LENGTH} printable characters.",
    "invalid_metadata": "metadata must be a JSON object.",
    "invalid_input_channel": f"input_channel must be a piece of text of up to {MAX_INPUT_CHANNEL_LENGTH} characters.",
}


class RestInput(RasaRestInput):
    """The REST channel: {"sender": "...", "message": "..."} in, the assistant's replies out."""

    @classmethod
    def name(cls) -> str:
        return "rest"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[str, Any]]) -> "RestInput":
        limit = (credentials or {}).get("max_message_length", 1000)
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
            raise RasaException(f"rest channel: max_message_length must be a positive whole number, not {limit!r}")
        return cls(limit)

    def __init__(self, max_message_length: int = 1000) -> None:
        self.max_message_length = max_message_length

    def _body(self, request: Request) -> Dict[str, Any]:
        """The checked request body (checked once per request); raises ChannelError."""
        if not hasattr(request.ctx, "rest_body"):
            request.ctx.rest_body = self._check(request)
        return request.ctx.rest_body

    def _check(self, request: Request) -> Dict[str, Any]:
        try:
            data = request.json
        except InvalidUsage as error:
            raise ChannelError(400, "invalid_json") from error
        if not isinstance(data, dict):
            raise ChannelError(400, "invalid_body")
        sender = data.get("sender")
        if sender is not None and not (
            isinstance(sender, str) and 0 < len(sender) <= MAX_SENDER_LENGTH and sender.isprintable()
        ):
            raise ChannelError(400, "invalid_sender")
        text = data.get("message")
        if not isinstance(text, str):
            raise ChannelError(400, "invalid_message")
        text = text.strip()
        if not text:
            raise ChannelError(400, "empty_message")
        if len(text) > self.max_message_length:
            raise ChannelError(422, "message_too_long")
        metadata = data.get("metadata")
        if metadata is not None and not isinstance(metadata, dict):
            raise ChannelError(400, "invalid_metadata")
        channel = data.get("input_channel")
        if channel is not None and not (isinstance(channel, str) and len(channel) <= MAX_INPUT_CHANNEL_LENGTH):
            raise ChannelError(400, "invalid_input_channel")
        return {**data, "message": clean_input(text)}

    async def _extract_sender(self, req: Request) -> Optional[str]:
        return self._body(req).get("sender")

    def _extract_message(self, req: Request) -> Optional[str]:
        return self._body(req)["message"]

    def _extract_input_channel(self, req: Request) -> str:
        return self._body(req).get("input_channel") or self.name()

    def get_metadata(self, request: Request) -> Optional[Dict[str, Any]]:
        return self._body(request).get("metadata")

    def blueprint(self, on_new_message: Any) -> Blueprint:
        """Rasa's routes, with refused requests answered as JSON errors."""
        bp = super().blueprint(on_new_message)

        @bp.exception(ChannelError)
        async def refused(request: Request, error: ChannelError) -> HTTPResponse:
            text = REST_ERROR_TEXT[error.code].format(limit=f"{self.max_message_length:,}", expiry="")
            return json({"error": error.code, "message": text}, status=error.status, headers=error.headers)

        return bp
