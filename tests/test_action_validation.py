"""The prebuilt validator for action server replies accepts and refuses exactly what Rasa's own check does."""

from __future__ import annotations

from typing import Any, Dict, Optional

import pytest
from jsonschema import ValidationError, validate
from rasa.core.actions.action import RemoteAction

from rasa_server.patches.action_validation import validate_action_result

REPLIES = {
    "empty": {},
    "events and responses": {
        "events": [
            {"event": "slot", "name": "role", "value": "therapist", "timestamp": None},
            {"event": "active_loop", "name": None},
            {"event": "followup", "name": "action_listen"},
        ],
        "responses": [{"text": "Hello", "buttons": [{"title": "Yes", "payload": "/affirm"}]}],
    },
    "unknown event": {"events": [{"event": "no_such_event"}]},
    "slot without name": {"events": [{"event": "slot", "value": 1}]},
    "responses not a list": {"responses": {"text": "x"}},
    "events not a list": {"events": "slot"},
}


def rasa_error(reply: Dict[str, Any]) -> Optional[str]:
    """The message of the error jsonschema.validate raises for this reply (Rasa 3.6's check), or None."""
    try:
        validate(reply, RemoteAction.action_response_format_spec())
    except ValidationError as error:
        return error.message
    return None


@pytest.mark.parametrize("name", REPLIES)
def test_the_same_replies_pass_and_fail_with_the_same_error(name):
    reply = REPLIES[name]
    expected = rasa_error(reply)
    if expected is None:
        assert validate_action_result(RemoteAction("action_answer", None), reply) is True
    else:
        with pytest.raises(ValidationError) as error:
            validate_action_result(RemoteAction("action_answer", None), reply)
        assert error.value.message.startswith(expected + ". Failed to validate Action server response")
