"""Checks the action server's replies against Rasa's schema with a validator built once, not on every call.

Rasa 3.6 checks every action server reply with `jsonschema.validate(reply, schema)`, which first validates the
(large, fixed) schema itself against JSON Schema's meta-schema and builds a new validator: profiling the Rasa
server under load (py-spy, README "Performance") put 55% of its CPU time there, more than understanding the
message. `install()` replaces `RemoteAction._validate_action_result` with the same check (same schema, same
best-match error, same message) done by one validator built and checked once per process.
Installed by rasa_server.patches.install(), which `python -m rasa_server` calls before Rasa starts.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Dict

from jsonschema import exceptions, validators
from rasa.core.actions.action import RemoteAction
from rasa.shared.constants import DOCS_BASE_URL


@lru_cache(maxsize=1)
def response_validator() -> Any:
    """The validator for RemoteAction's reply schema, its schema checked once."""
    schema = RemoteAction.action_response_format_spec()
    cls = validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def validate_action_result(self: RemoteAction, result: Dict[str, Any]) -> bool:
    """RemoteAction._validate_action_result with a validator built once (raises ValidationError as Rasa's does)."""
    error = exceptions.best_match(response_validator().iter_errors(result))
    if error is not None:
        error.message += (
            f". Failed to validate Action server response from API, "
            f"make sure your response from the Action endpoint is valid. "
            f"For more information about the format visit "
            f"{DOCS_BASE_URL}/custom-actions"
        )
        raise error
    return True


def install() -> None:
    """Makes every RemoteAction in this process validate replies with the prebuilt validator."""
    RemoteAction._validate_action_result = validate_action_result
