"""For the load and fault tests (`make test-load`): a website chat client that times every request.

These tests start their own servers (tests/conftest.py start_servers), so that earlier tests do not change
what they measure. Each module is marked `load` (pytestmark): `make test` leaves them out (pyproject.toml
addopts), `make test-load` (scripts/test-load.sh) runs them.
"""

from __future__ import annotations

import http.client
import json
import time
from dataclasses import dataclass, field
from typing import Any, Dict, Optional
from urllib.parse import urlsplit

from tests.conftest import Servers, rasa_env


def allowed_origin() -> str:
    """An origin the website channel of servers from start_servers accepts (its RC_ALLOWED_ORIGINS).

    Read from the environment start_servers gives the Rasa server, not from the `website` fixture: pytest loads
    tests/conftest.py as its own module, with other free ports, besides the `tests.conftest` imported here.
    """
    return rasa_env()["RC_ALLOWED_ORIGINS"].split(",")[0]


@dataclass
class Reply:
    """One answered request: its status, its JSON body and how long it took."""

    route: str
    status: int
    seconds: float
    body: Dict[str, Any] = field(default_factory=dict)

    @property
    def text(self) -> str:
        """Every reply text of a website answer, joined."""
        return "\n".join(message.get("text") or "" for message in self.body.get("messages") or [])


class WebsiteChat:
    """One person using the website chat from their own loopback address."""

    def __init__(self, servers: Servers, origin: str, source: str) -> None:
        parts = urlsplit(servers.rasa_url)
        self.host, self.port = parts.hostname, parts.port
        self.origin = origin
        self.source = source
        self.token: Optional[str] = None

    def post(self, route: str, body: Dict[str, Any]) -> Reply:
        headers = {"Content-Type": "application/json", "Origin": self.origin}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        connection = http.client.HTTPConnection(self.host, self.port, timeout=60, source_address=(self.source, 0))
        started = time.monotonic()
        try:
            connection.request("POST", f"/webhooks/website/{route}", body=json.dumps(body), headers=headers)
            response = connection.getresponse()
            raw = response.read()
        finally:
            connection.close()
        reply = Reply(route, response.status, time.monotonic() - started)
        try:
            reply.body = json.loads(raw.decode("utf-8"))
        except ValueError:
            reply.body = {}
        self.token = reply.body.get("token") or self.token
        return reply

    def start(self, audience: str = "survivor") -> Reply:
        self.token = None
        return self.post("session", {"audience": audience})

    def say(self, message: str) -> Reply:
        return self.post("message", {"message": message})

    def end(self) -> Reply:
        reply = self.post("end", {})
        self.token = None
        return reply
