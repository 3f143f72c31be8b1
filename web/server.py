"""Demo websites for the chat widget: a support organisation's site and a partner's site, on different origins.

    .venv/bin/python -m web.server --site support --port 8000   # http://localhost:8000/ (and /privacy)
    .venv/bin/python -m web.server --site partner --port 8001   # http://localhost:8001/

Both pages embed the widget with the one <script> tag a partner would paste, loaded from the chat server
(RC_CHAT_URL, default http://localhost:5005). RC_EXIT_URL sets the quick-exit destination (the tests point it
at a local /neutral page so no internet is needed). The pages send a strict Content-Security-Policy, which
also shows partners the few sources the widget needs.
"""

from __future__ import annotations

import argparse
import html
import os
from pathlib import Path
from string import Template
from typing import Dict
from urllib.parse import urlsplit

from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from rasa_server.channels.pages import privacy_page, session_expiry_minutes

TEMPLATES = Path(__file__).resolve().parent / "templates"
SITES = ("support", "partner")
DEFAULT_CHAT_URL = "http://localhost:5005"
DEFAULT_EXIT_URL = "https://www.bbc.co.uk/weather"
# The privacy page is one self-contained file (web/templates/privacy.html, also served by the chat server).
PRIVACY_POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"


def origin_of(url: str) -> str:
    """scheme://host[:port] of an absolute URL."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def security_headers(chat_url: str) -> Dict[str, str]:
    """What the demo pages send: the widget needs only its own script, stylesheet and API origin."""
    chat = origin_of(chat_url)
    policy = (
        f"default-src 'none'; script-src {chat}; style-src 'self' {chat}; connect-src {chat}; img-src 'self'; "
        "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    )
    return {
        "Content-Security-Policy": policy,
        "Referrer-Policy": "no-referrer",
        "X-Content-Type-Options": "nosniff",
        "Cache-Control": "no-store",
    }


def render(name: str, **values: str) -> str:
    """web/templates/<name>.html with `values` HTML-escaped into its $placeholders."""
    template = Template((TEMPLATES / f"{name}.html").read_text(encoding="utf-8"))
    return template.substitute({key: html.escape(value, quote=True) for key, value in values.items()})


def create_app(site: str, chat_url: str, exit_url: str) -> Sanic:
    """The demo site `site` ("support" or "partner")."""
    app = Sanic(f"rights_companion_demo_{site}")
    headers = security_headers(chat_url)
    widget_src = chat_url.rstrip("/") + "/webhooks/website/widget.js"
    home = render(site, widget_src=widget_src, exit_url=exit_url)
    neutral = render("neutral")
    styles = (TEMPLATES / "demo.css").read_text(encoding="utf-8")

    @app.get("/")
    async def index(request: Request) -> HTTPResponse:
        return response.html(home, headers=headers)

    @app.get("/demo.css")
    async def stylesheet(request: Request) -> HTTPResponse:
        return response.text(styles, content_type="text/css; charset=utf-8", headers=headers)

    @app.get("/favicon.ico")
    async def favicon(request: Request) -> HTTPResponse:
        return response.empty(headers=headers)

    @app.get("/neutral")
    async def neutral_page(request: Request) -> HTTPResponse:
        return response.html(neutral, headers=headers)

    if site == "support":

        @app.get("/privacy")
        async def privacy(request: Request) -> HTTPResponse:
            page_headers = {**headers, "Content-Security-Policy": PRIVACY_POLICY}
            return response.html(privacy_page(session_expiry_minutes()), headers=page_headers)

    return app


def main() -> None:
    """Runs one demo site until it is stopped."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--site", choices=SITES, required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--chat-url", help=f"the chat server (default $RC_CHAT_URL or {DEFAULT_CHAT_URL})")
    parser.add_argument("--exit-url", help="quick-exit destination (default $RC_EXIT_URL or BBC weather)")
    args = parser.parse_args()
    chat_url = args.chat_url or os.environ.get("RC_CHAT_URL") or DEFAULT_CHAT_URL
    exit_url = args.exit_url or os.environ.get("RC_EXIT_URL") or DEFAULT_EXIT_URL
    app = create_app(args.site, chat_url, exit_url)
    app.run(host=args.host, port=args.port, access_log=False, motd=False)


if __name__ == "__main__":
    main()
