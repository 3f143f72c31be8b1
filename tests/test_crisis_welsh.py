"""The deterministic crisis check in Welsh (interim patterns under `welsh` in data/safety/crisis_patterns.yml).

tests/data/crisis_eval_cy.yml was written by someone who had not seen the patterns; tests/data/crisis_dev_cy.yml
is the pattern author's own set. Both hold hard negatives (past events, questions about records, "what if").
A Welsh crisis sets `crisis_language` "cy", so the crisis reply (content/routes.py) is in Welsh first.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable, List, Optional, Tuple

import pytest
import spacy
import yaml

from rasa_server.nlu.crisis import SOMEONE_ELSE, WELSH, CrisisMatcher, CrisisSignal
from tests.conftest import ROOT

SPACY_MODEL = ROOT / "models" / "spacy" / "en_rights_companion"
PATTERNS = ROOT / "data" / "safety" / "crisis_patterns.yml"
EVAL_CY = ROOT / "tests" / "data" / "crisis_eval_cy.yml"
DEV_CY = ROOT / "tests" / "data" / "crisis_dev_cy.yml"
EVAL_EN = ROOT / "tests" / "data" / "crisis_eval.yml"

MIN_RECALL = 0.95
MAX_FALSE_ALARMS = 0.05

Detect = Callable[[str], Optional[CrisisSignal]]


@pytest.fixture(scope="module")
def detect() -> Detect:
    if not SPACY_MODEL.exists():
        pytest.skip("the spaCy pipeline is built by `make setup`")
    nlp = spacy.load(SPACY_MODEL)
    matcher = CrisisMatcher.from_file(nlp, PATTERNS)
    return lambda text: matcher(nlp(text))


def _texts(path: Path) -> Tuple[List[str], List[str]]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))

    def text(item: object) -> str:
        return item["text"] if isinstance(item, dict) else str(item)

    return [text(x) for x in data["crisis"]], [text(x) for x in data["non_crisis"]]


@pytest.mark.hazard("HAZ-01")
@pytest.mark.parametrize("path", [EVAL_CY, DEV_CY], ids=["eval_cy", "dev_cy"])
def test_welsh_crisis_recall_and_false_alarms(detect: Detect, path: Path) -> None:
    crisis, calm = _texts(path)
    missed = [t for t in crisis if detect(t) is None]
    alarms = [t for t in calm if detect(t) is not None]
    assert 1 - len(missed) / len(crisis) >= MIN_RECALL, missed
    assert len(alarms) / len(calm) <= MAX_FALSE_ALARMS, alarms


@pytest.mark.hazard("HAZ-01")
def test_a_welsh_crisis_sets_crisis_language_cy(detect: Detect) -> None:
    crisis, _ = _texts(EVAL_CY)
    signals = [detect(t) for t in crisis]
    wrong = [t for t, s in zip(crisis, signals) if s is not None and s.language != WELSH]
    assert not wrong


@pytest.mark.hazard("HAZ-01")
def test_an_english_crisis_never_sets_crisis_language(detect: Detect) -> None:
    crisis, _ = _texts(EVAL_EN)
    signals = [(t, detect(t)) for t in crisis]
    assert sum(s is not None for _, s in signals) > 0.9 * len(crisis)
    assert not [t for t, s in signals if s is not None and s.language is not None]


@pytest.mark.hazard("HAZ-01")
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("dwi'n mynd i ladd fy hunan heno", "suicide"),
        ("Rwy'n moyn marw nawr", "suicide"),
        ("dw i wir isio marw rŵan", "suicide"),
        ("dwin isio marw", "suicide"),
        ("sa i'n moyn byw rhagor", "suicide"),
        ("dwi'm isio bod yma ddim mwy", "suicide"),
        ("alla i ddim cario mlaen", "suicide"),
        ("mae pawb yn well heb fi", "suicide"),
        ("dwi isio kill myself", "suicide"),
        ("dw i wedi torri fy hun eto", "self_harm"),
        ("rwy newydd lyncu potel gyfan o dabledi", "self_harm"),
        ("dwi di cymryd 30 o dabledi", "self_harm"),
        ("fi wedi cymryd overdose", "self_harm"),
        ("mae o'n mynd i fy lladd i", "danger"),
        ("mae e tu fas i'r drws", "danger"),
        ("plis helpwch fi", "danger"),
        ("ges i fy nhreisio bore ma", "recent_assault"),
        ("mae fy merch wedi llyncu llwyth o bils", SOMEONE_ELSE + "self_harm"),
        ("mae fy ffrind yn mynd i ladd ei hun", SOMEONE_ELSE + "suicide"),
        ("mae o'n taro fy mam rwan", SOMEONE_ELSE + "danger"),
    ],
)
def test_common_welsh_ways_of_saying_it_are_caught(detect: Detect, text: str, expected: str) -> None:
    signal = detect(text)
    assert signal is not None and signal.primary == expected, signal
    assert signal.language == WELSH


@pytest.mark.hazard("HAZ-01")
@pytest.mark.parametrize(
    "text",
    [
        "roeddwn i eisiau marw flynyddoedd yn ôl",
        "ro'n i'n hunan-niweidio yn fy arddegau, fydd yr heddlu'n gweld hynny?",
        "wnes i drio lladd fy hun yn 2016 a rwan mae'r amddiffyniad isio fy nodiadau",
        "ydy'r nodiadau am hunan-niweidio yn mynd i'r llys?",
        "mae fy nghofnodion yn sôn am orddos",
        "beth os ydy disgybl yn dweud ei fod o isio lladd ei hun?",
        "dwi'n gweithio efo pobl sy'n hunan-niweidio",
        "mae'r llys yma'n fy lladd i",
        "dwi wedi torri fy hun i ffwrdd oddi wrth bawb",
        "mae fy nhaid wedi marw",
        "dwi isio byw yn hapus",
        "ges i fy nhreisio ddeng mlynedd yn ôl",
    ],
)
def test_welsh_past_events_records_and_what_ifs_stay_calm(detect: Detect, text: str) -> None:
    assert detect(text) is None
