"""Rasa's behaviour is changed in one place: rasa_server.patches.install(), called by the launcher that starts
every Rasa server this project runs, for the one Rasa version the patches were written for."""

from __future__ import annotations

import re
import subprocess

import pytest
import rasa
from rasa.core.actions.action import RemoteAction

from rasa_server.patches import PATCHED_RASA_VERSION, install
from rasa_server.patches.action_fallback import run_with_fallback
from rasa_server.patches.action_validation import validate_action_result
from tests.conftest import ROOT, VENV_BIN


@pytest.mark.hazard("HAZ-10")
def test_install_gives_every_remote_action_the_calm_fallback_and_the_prebuilt_validator():
    install()
    assert RemoteAction.run is run_with_fallback
    assert RemoteAction._validate_action_result is validate_action_result


def test_the_patches_are_for_the_installed_rasa_and_refuse_any_other_version():
    assert rasa.__version__ == PATCHED_RASA_VERSION
    with pytest.raises(RuntimeError, match="written for Rasa 3.6.21, not 3.7.0"):
        install("3.7.0")


def test_the_launcher_installs_the_patches_and_then_runs_rasas_own_command_line():
    done = subprocess.run(
        [str(VENV_BIN / "python"), "-m", "rasa_server", "--version"], cwd=ROOT, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert PATCHED_RASA_VERSION in done.stdout


@pytest.mark.hazard("HAZ-10")
def test_every_rasa_server_the_project_starts_goes_through_the_launcher():
    """Scripts, the test servers, the bench and the image: a plain `rasa run` would start without the fallback."""
    shell = "\n".join((ROOT / "scripts" / name).read_text(encoding="utf-8") for name in ("run.sh", "run_scaled.sh"))
    assert not re.search(r"bin/rasa (?:run|shell) --model", shell + (ROOT / "scripts" / "shell.sh").read_text())
    assert shell.count("-m rasa_server run --model") == 2
    assert '"-m",\n            "rasa_server",\n            "run",' in (ROOT / "tests" / "conftest.py").read_text()
    assert '[*OUR_RASA, "run", "--model"' in (ROOT / "scripts" / "bench.py").read_text()
    assert 'ENTRYPOINT ["python", "-m", "rasa_server"]' in (ROOT / "Dockerfile").read_text()
