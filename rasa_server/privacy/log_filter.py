"""Keeps what people type out of the logs of the Rasa server and the action server.

deploy/logging.yml attaches `PrivacyFilter` to the one log handler of both servers. It:
- drops every record below INFO, whatever level a command line asks for (Rasa's DEBUG output holds
  message texts, slot values and trackers);
- removes the fields Rasa itself marks as personal from its structured (structlog) log lines, and the
  local variables of tracebacks, which can hold a message;
- shortens Rasa's warnings about a message that starts with "/" but is not a valid button payload:
  those quote the whole message.
Creating the filter also routes Python warnings through logging, so that they pass through it too.
Structured log lines are filtered as JSON, so the scripts set FORCE_JSON_LOGGING=1.

Only the standard library is used: the action server loads this without spaCy or Rasa.
"""

from __future__ import annotations

import json
import logging
from typing import Any

# The keys Rasa 3.6 lists as anonymisable in rasa/utils/log_utils.py (`_anonymizer`).
PERSONAL_KEYS = frozenset(
    {
        "text",
        "response_text",
        "user_text",
        "slot_values",
        "parse_data_text",
        "parse_data_entities",
        "prediction_events",
        "tracker_latest_message",
        "prefilled_slots",
        "message",
        "response",
        "slot_candidates",
        "rasa_event",
        "rasa_events",
        "tracker_states",
        "current_states",
        "old_states",
        "successes",
        "current_entity",
        "next_entity",
        "states",
        "entity",
        "token_text",
        "user_message",
        "json_message",
    }
)
REMOVED = "[removed]"
PAYLOAD_WARNING = "Failed to parse arguments in line"
PAYLOAD_WARNING_SHORT = (
    "UserWarning: a message starting with '/' could not be read as a button payload and was treated as "
    "text (details not logged: they quote the message)."
)


class PrivacyFilter(logging.Filter):
    """A logging filter that drops DEBUG records and removes message text from the rest."""

    def __init__(self, name: str = "") -> None:
        super().__init__(name)
        logging.captureWarnings(True)

    def filter(self, record: logging.LogRecord) -> bool:
        """False for records below INFO; otherwise cleans the record's message in place and keeps it."""
        if record.levelno < logging.INFO:
            return False
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # a badly formatted record: the handler reports it
            return True
        cleaned = clean_message(message)
        if cleaned != message:
            record.msg, record.args = cleaned, ()
        return True


def clean_message(message: str) -> str:
    """`message` without the parts that can hold what someone typed."""
    if PAYLOAD_WARNING in message:
        return PAYLOAD_WARNING_SHORT
    if not message.startswith("{"):
        return message
    try:
        event = json.loads(message)
    except ValueError:
        return message
    if not isinstance(event, dict):
        return message
    return json.dumps(_clean_event(event))


def _clean_event(event: dict) -> dict:
    cleaned = {key: REMOVED if key in PERSONAL_KEYS else value for key, value in event.items()}
    if isinstance(cleaned.get("exception"), list):
        cleaned["exception"] = [_without_locals(part) for part in cleaned["exception"]]
    return cleaned


def _without_locals(part: Any) -> Any:
    if not isinstance(part, dict) or not isinstance(part.get("frames"), list):
        return part
    frames = [{k: v for k, v in frame.items() if k != "locals"} for frame in part["frames"] if isinstance(frame, dict)]
    return {**part, "frames": frames}
