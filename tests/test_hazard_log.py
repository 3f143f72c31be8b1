"""The hazard log (docs/hazard-log.md) and the tests agree.

Every `@pytest.mark.hazard("HAZ-NN")` in tests/ names a hazard in the log; every hazard in the log is named by at
least one test's marker; every test the log names (`tests/<file>.py::<function>`) and every file it names exists.
"""

from __future__ import annotations

import ast
import re
from functools import cache, lru_cache
from pathlib import Path
from typing import Dict, List, Set, Tuple

import pytest

ROOT = Path(__file__).resolve().parents[1]
LOG = ROOT / "docs" / "hazard-log.md"
TESTS = ROOT / "tests"
HAZARD_ID = re.compile(r"HAZ-\d{2}")
HEADING = re.compile(r"^## (HAZ-\d{2}): \S", re.MULTILINE)
TEST_REFERENCE = re.compile(r"`(tests/[\w/]+\.py)::(\w+)`")
# Paths of this repository's own files, in backticks: `rasa_server/nlu/crisis.py`, `tests/x.py`.
FILE_REFERENCE = re.compile(
    r"`((?:actions|content|rasa_server|data|deploy|docs|scripts|tests|web)/[\w./-]+\.[a-z]+)(?:::\w+)?`"
)


@lru_cache(maxsize=1)
def log_text() -> str:
    return LOG.read_text(encoding="utf-8")


def log_hazards() -> List[str]:
    """The hazard ids in the log, in order, one per `## HAZ-NN: ...` heading."""
    return HEADING.findall(log_text())


def sections() -> Dict[str, str]:
    """Each hazard's section of the log, by id."""
    text = log_text()
    starts = [(m.group(1), m.start()) for m in HEADING.finditer(text)]
    ends = [start for _, start in starts[1:]] + [len(text)]
    return {hazard: text[start:end] for (hazard, start), end in zip(starts, ends)}


def is_hazard_marker(call: ast.Call) -> bool:
    """`pytest.mark.hazard(...)` or `mark.hazard(...)`."""
    func = call.func
    return (
        isinstance(func, ast.Attribute)
        and func.attr == "hazard"
        and isinstance(func.value, ast.Attribute)
        and func.value.attr == "mark"
    )


@lru_cache(maxsize=1)
def markers() -> Tuple[Tuple[str, int, str], ...]:
    """(file, line, first argument) of every hazard marker in tests/, as written (the argument "" if not a string)."""
    found = []
    for path in sorted(TESTS.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and is_hazard_marker(node):
                arg = node.args[0] if node.args else None
                value = arg.value if isinstance(arg, ast.Constant) and isinstance(arg.value, str) else ""
                found.append((str(path.relative_to(ROOT)), node.lineno, value))
    return tuple(found)


def test_the_log_has_hazards_with_unique_well_formed_ids():
    hazards = log_hazards()
    assert hazards, "docs/hazard-log.md has no `## HAZ-NN: <name>` sections"
    assert len(hazards) == len(set(hazards)), f"a hazard id is used twice: {hazards}"
    assert hazards == sorted(hazards), "hazards are listed in order of their ids"


def test_every_hazard_section_says_what_the_log_promises():
    for hazard, section in sections().items():
        for heading in ("**Hazard.**", "**Causes.**", "**Effect on the person.**", "**Risk before.**", "**Tests.**"):
            assert heading in section, f"{hazard} has no {heading} paragraph"
        assert "**Mitigations" in section, f"{hazard} names no mitigations"
        assert "**Risk after.**" in section and "**Residual risk.**" in section, f"{hazard} has no residual risk"
        assert "**What would reduce it.**" in section, f"{hazard} does not say what would reduce its risk"
        assert TEST_REFERENCE.search(section), f"{hazard} names no test as tests/<file>.py::<function>"


def test_the_summary_table_has_one_row_per_hazard():
    rows = re.findall(r"^\| (HAZ-\d{2}) \|", log_text(), re.MULTILINE)
    assert rows == log_hazards()


def test_hazard_markers_are_written_as_one_id():
    bad = [(path, line, value) for path, line, value in markers() if not HAZARD_ID.fullmatch(value)]
    assert not bad, f'write markers as @pytest.mark.hazard("HAZ-NN"): {bad}'


def test_every_hazard_a_test_names_is_in_the_log():
    known = set(log_hazards())
    unknown = [(path, line, value) for path, line, value in markers() if value not in known]
    assert not unknown, f"these markers name hazards that docs/hazard-log.md does not have: {unknown}"


@pytest.mark.parametrize("hazard", log_hazards())
def test_every_hazard_in_the_log_is_named_by_a_test_marker(hazard: str):
    assert any(value == hazard for _, _, value in markers()), (
        f'no test carries @pytest.mark.hazard("{hazard}"): mark the tests that prove its mitigations'
    )


@cache
def functions_in(path: Path) -> Set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    return {node.name for node in ast.walk(tree) if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))}


def test_every_test_the_log_names_exists():
    references = TEST_REFERENCE.findall(log_text())
    assert references
    missing = []
    for file, function in references:
        path = ROOT / file
        if not path.is_file():
            missing.append(f"{file} (no such file)")
        elif not function.startswith("test") or function not in functions_in(path):
            missing.append(f"{file}::{function}")
    assert not missing, f"docs/hazard-log.md names tests that do not exist: {missing}"


def test_every_file_the_log_names_exists():
    missing = sorted({file for file in FILE_REFERENCE.findall(log_text()) if not (ROOT / file).exists()})
    assert not missing, f"docs/hazard-log.md names files that do not exist: {missing}"


def test_the_marker_is_declared_and_the_log_explains_it():
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert re.search(r'"hazard\(id\):[^"]*docs/hazard-log\.md', pyproject)
    assert '@pytest.mark.hazard("HAZ-NN")' in log_text()
