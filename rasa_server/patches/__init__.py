"""Changes to Rasa's own behaviour, installed by one function for the one Rasa version they were written for.

Each patch replaces a method of Rasa's `RemoteAction` because Rasa 3.6 offers no extension point for it:
- action_fallback: a calm reply with helplines, instead of silence, when a custom action fails or hangs;
- action_validation: the action server's replies checked by a validator built once (it was 55% of CPU).
`install()` is called by `python -m rasa_server` (rasa_server/__main__.py), the one way this project starts Rasa.
"""

from __future__ import annotations

import rasa

from rasa_server.patches import action_fallback, action_validation

# The patches replace Rasa internals: another version may have changed them, so it must be checked first.
PATCHED_RASA_VERSION = "3.6.21"


def install(rasa_version: str = rasa.__version__) -> None:
    """Installs every patch; raises RuntimeError on any other Rasa version than the one they were written for."""
    if rasa_version != PATCHED_RASA_VERSION:
        raise RuntimeError(
            f"rasa_server/patches were written for Rasa {PATCHED_RASA_VERSION}, not {rasa_version}: "
            "check RemoteAction.run and RemoteAction._validate_action_result, then update PATCHED_RASA_VERSION"
        )
    action_validation.install()
    action_fallback.install()
