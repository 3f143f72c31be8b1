"""Rasa's own checks: the training data validates cleanly and every test story is predicted exactly."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.conftest import ARTIFACTS, ROOT, VENV_BIN, rasa_env


def rasa(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(VENV_BIN / "rasa"), *args], cwd=ROOT, env=rasa_env(), capture_output=True, text=True)


def test_training_data_validates_without_warnings():
    result = rasa("data", "validate", "--fail-on-warnings")
    problems = [line for line in result.stderr.splitlines() if "UserWarning" in line or "ERROR" in line]
    assert result.returncode == 0, "\n".join(problems) or result.stderr[-2000:]


def test_every_test_story_is_followed_exactly(model_path: Path):
    out = ARTIFACTS / "core"
    result = rasa(
        "test",
        "core",
        "--stories",
        "tests/stories",
        "--model",
        str(model_path),
        "--out",
        str(out),
        "--fail-on-prediction-errors",
    )
    failed = (out / "failed_test_stories.yml").read_text(encoding="utf-8") if out.exists() else ""
    assert result.returncode == 0, failed or result.stderr[-2000:]
    assert "None of the test stories failed" in failed
