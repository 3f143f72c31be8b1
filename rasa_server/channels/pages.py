"""Shared by the website channel and the demo web app: the conversation expiry and the privacy page.

The expiry is read from domain.yml (session_config.session_expiration_time), the one place it is set, so the
tokens, the server-side clean-up and the privacy page can never disagree with the assistant's own setting.
"""

from __future__ import annotations

import html
from pathlib import Path
from string import Template

import yaml

ROOT = Path(__file__).resolve().parents[2]
DOMAIN_FILE = ROOT / "domain.yml"
WEB_DIR = ROOT / "web"
PRIVACY_TEMPLATE = WEB_DIR / "templates" / "privacy.html"


def session_expiry_minutes(domain_file: Path = DOMAIN_FILE) -> float:
    """session_config.session_expiration_time from the domain; it must be a positive number of minutes."""
    domain = yaml.safe_load(domain_file.read_text(encoding="utf-8")) or {}
    minutes = (domain.get("session_config") or {}).get("session_expiration_time")
    if isinstance(minutes, bool) or not isinstance(minutes, (int, float)) or minutes <= 0:
        raise ValueError(
            f"{domain_file}: session_config.session_expiration_time must be a positive number of minutes "
            "(the website chat forgets conversations after that much inactivity)"
        )
    return float(minutes)


def minutes_text(minutes: float) -> str:
    """'30 minutes', '1 minute' or '2.5 minutes'."""
    number = f"{minutes:g}"
    return f"{number} minute" if number == "1" else f"{number} minutes"


def privacy_page(minutes: float) -> str:
    """The privacy page (web/templates/privacy.html) with the real expiry filled in."""
    template = Template(PRIVACY_TEMPLATE.read_text(encoding="utf-8"))
    return template.substitute(expiry=html.escape(minutes_text(minutes)))
