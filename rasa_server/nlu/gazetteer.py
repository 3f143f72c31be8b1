"""Rule-based entities (role, record type, nation, support need, age group) from the gazetteers in data/gazetteers."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional

import yaml
from spacy.language import Language
from spacy.matcher import Matcher, PhraseMatcher
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

from rasa_server.nlu.text import normalised_doc, normalised_pattern

# entity name -> normalised value -> phrases people use
Gazetteer = Dict[str, Dict[str, List[str]]]

AGE_ENTITY = "age_group"
# "I am 20 minutes away" is not an age.
_NOT_AGE_UNITS = {
    "minutes",
    "minute",
    "mins",
    "miles",
    "mile",
    "hours",
    "hour",
    "days",
    "day",
    "weeks",
    "week",
    "months",
    "month",
    "percent",
    "%",
    "pounds",
    "times",
    "km",
    "metres",
    "yards",
    "steps",
}
_NUMBER_WORDS = {
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
    "twenty": 20,
}


@dataclass(frozen=True)
class EntityMatch:
    """One entity found in a message: its type, normalised value and character span."""

    entity: str
    value: str
    start: int
    end: int


def load_gazetteers(directory: Path) -> Gazetteer:
    """Reads every `*.yml` file in `directory` (each: `entity:` and `values: {value: [phrases]}`)."""
    gazetteer: Gazetteer = {}
    for path in sorted(directory.glob("*.yml")):
        content = yaml.safe_load(path.read_text(encoding="utf-8"))
        values = gazetteer.setdefault(content["entity"], {})
        for value, phrases in content["values"].items():
            values.setdefault(str(value), []).extend(str(p) for p in phrases)
    return gazetteer


def age_group(age: int) -> str:
    """The age band the support finder works with; the exact age is never kept."""
    if age < 16:
        return "under_16"
    if age < 18:
        return "16_17"
    return "adult"


class EntityMatcher:
    """Finds gazetteer phrases and stated ages in a spaCy doc, longest match first."""

    def __init__(self, nlp: Language, gazetteer: Gazetteer) -> None:
        self._nlp = nlp
        self._phrases = PhraseMatcher(nlp.vocab, attr="ORTH")
        for entity, values in gazetteer.items():
            for value, phrases in values.items():
                patterns = [normalised_pattern(nlp, phrase) for phrase in phrases if phrase.strip()]
                self._phrases.add(f"{entity}={value}", patterns)
        self._ages = Matcher(nlp.vocab)
        number = {"LIKE_NUM": True}
        self._ages.add(
            "stated_age",
            [
                [{"ORTH": "i"}, {"ORTH": "am"}, {"ORTH": "only", "OP": "?"}, number],
                [{"ORTH": {"IN": ["aged", "age"]}}, number],
                [number, {"ORTH": {"IN": ["years", "year", "yrs", "yr"]}}, {"ORTH": "old"}],
                [number, {"ORTH": {"IN": ["yo", "y/o"]}}],
            ],
        )
        self._ages.add("under_age", [[{"ORTH": {"IN": ["under", "below"]}}, number]])

    def __call__(self, doc: Doc) -> List[EntityMatch]:
        """All entities in `doc`; where phrases of one entity type overlap, the longest wins."""
        norm = normalised_doc(self._nlp, doc)
        spans: Dict[str, List[Span]] = {}
        for match_id, start, end in self._phrases(norm):
            label = self._nlp.vocab.strings[match_id]
            spans.setdefault(label.split("=", 1)[0], []).append(Span(norm, start, end, label=label))
        for match_id, start, end in self._ages(norm):
            if end < len(norm) and norm[end].text in _NOT_AGE_UNITS:
                continue
            value = self._age_value(self._nlp.vocab.strings[match_id], norm[start:end])
            if value:
                spans.setdefault(AGE_ENTITY, []).append(Span(norm, start, end, label=f"{AGE_ENTITY}={value}"))
        matches = []
        # Overlaps are resolved within one entity type, so "I was raped last night" keeps its role and its need.
        for entity_spans in spans.values():
            for span in filter_spans(entity_spans):
                entity, value = span.label_.split("=", 1)
                first, last = doc[span.start], doc[span.end - 1]
                matches.append(EntityMatch(entity, value, first.idx, last.idx + len(last.text)))
        return sorted(matches, key=lambda m: m.start)

    @staticmethod
    def _age_value(kind: str, span: Span) -> Optional[str]:
        number = next((t for t in span if t.like_num), None)
        if number is None:
            return None
        text = number.text.lower()
        age = int(text) if text.isdigit() else _NUMBER_WORDS.get(text)
        if age is None or not 5 <= age <= 110:
            return None
        if kind == "under_age":
            return {16: "under_16", 18: "under_18"}.get(age)
        return age_group(age)
