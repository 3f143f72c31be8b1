"""The packages keep to their roles: the Rasa server's code (rasa_server/) never imports the action server
(actions/), and the content both read (content/) imports neither server."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Set

import pytest

from tests.conftest import ROOT


def imported_packages(package: Path) -> Set[str]:
    """The top-level names every module in `package` imports."""
    names: Set[str] = set()
    for module in package.rglob("*.py"):
        for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize(
    ("package", "never"),
    [("rasa_server", {"actions", "rasa_sdk"}), ("content", {"actions", "rasa_server", "rasa", "rasa_sdk"})],
)
def test_a_package_never_imports_what_its_role_keeps_out(package: str, never: Set[str]):
    assert not imported_packages(ROOT / package) & never


def test_the_action_server_reads_content_but_never_the_rasa_servers_code():
    assert "content" in imported_packages(ROOT / "actions")
    assert "rasa_server" not in imported_packages(ROOT / "actions")
