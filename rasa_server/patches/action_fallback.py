"""A calm reply with helplines, instead of silence, when a custom action fails.

In Rasa 3.6, when the action server cannot be reached, answers with an error or sends a reply that fails Rasa's
check, `RemoteAction.run` raises; the processor logs the error, drops the action's events and the person gets
no reply at all. Someone who may be in crisis must never be met with silence. `install()` wraps
`RemoteAction.run` so that:
- a call to the action server takes at most the action endpoint's `timeout` in seconds (endpoints.yml
  `action_endpoint.timeout`; DEFAULT_TIMEOUT without it). Rasa reads no such setting and waits 5 minutes;
- when the call fails, the person gets one fixed message (data/wording/unavailable.yml) with emergency and
  support lines from data/support/services.yml (content.routes.helplines_for_anyone: we can't know the
  person's age or nation, so the 24/7 line shows its own notes), once per turn however many actions failed in
  it. The failed action's events are lost, as they would be anyway, and the next message is handled normally,
  so the assistant carries on by itself once the action server is back.
`ActionExecutionRejection` (a form saying "this reply does not fit") is not a failure and is passed on.
Installed by rasa_server.patches.install(), which `python -m rasa_server` calls before Rasa starts.
"""

from __future__ import annotations

import asyncio
import logging
from functools import lru_cache
from typing import Any, List, Optional

from rasa.core.actions.action import ActionExecutionRejection, RemoteAction
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.events import ActionExecutionRejected, BotUttered, Event, FollowupAction, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

from content.loader import directory, wording
from content.routes import helplines_for_anyone

logger = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 5.0
_rasa_run = RemoteAction.run


@lru_cache(maxsize=1)
def unavailable_message() -> str:
    """The fixed reply for a failed action: an apology, then how to reach the listed services now."""
    text = wording("wording/unavailable")
    services = directory()
    missing = [route for route in text["routes"] if route not in services]
    if missing:
        raise KeyError(f"data/wording/unavailable.yml names services not in the directory: {missing}")
    return f"{text['text']}\n\n{helplines_for_anyone()}\n\n{text['closing']}"


def action_timeout(endpoint: Optional[EndpointConfig]) -> float:
    """The action endpoint's `timeout` setting in seconds, or DEFAULT_TIMEOUT."""
    value = endpoint.kwargs.get("timeout") if endpoint else None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
        return DEFAULT_TIMEOUT
    return float(value)


def told_this_turn(tracker: DialogueStateTracker) -> bool:
    """Whether the fallback message was already sent since the person's latest message."""
    for event in reversed(tracker.events):
        if isinstance(event, UserUttered):
            return False
        if isinstance(event, BotUttered) and event.text == unavailable_message():
            return True
    return False


async def run_with_fallback(
    self: RemoteAction, output_channel: Any, nlg: Any, tracker: DialogueStateTracker, domain: Any
) -> List[Event]:
    """RemoteAction.run with a time limit, giving the fallback message instead of raising."""
    try:
        return await asyncio.wait_for(
            _rasa_run(self, output_channel, nlg, tracker, domain), timeout=action_timeout(self.action_endpoint)
        )
    except ActionExecutionRejection:
        raise
    except Exception as error:  # the reason is logged; what the person typed never is
        logger.error(
            "Custom action %s failed (%s); the person was given the helplines instead of a reply.",
            self.name(),
            type(error).__name__,
        )
        # Then wait for the person: nothing else this turn (a form would otherwise carry on, or give up and let
        # another rule answer as if the reply had been read).
        events: List[Event] = [FollowupAction(ACTION_LISTEN_NAME)]
        if self.name().startswith("validate_"):
            events.append(ActionExecutionRejected(self.name()))  # keeps the form waiting for this answer
        return events if told_this_turn(tracker) else [BotUttered(text=unavailable_message()), *events]


def install() -> None:
    """Makes every RemoteAction in this process time-limited, with the fallback message on failure."""
    unavailable_message()  # a missing service id fails here, at start-up, not when an action fails
    RemoteAction.run = run_with_fallback
