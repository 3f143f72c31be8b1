"""Deterministic crisis check: danger now, suicide, self-harm or a very recent assault, from data/safety patterns.

The classifier can miss a message that matters; this check cannot drift. It reads whole-word phrases
(after addons.text normalisation) and ignores a match only when its sentence is clearly about the past
with nothing about now, or when the words just before it show the person is asking about records.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

import yaml
from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc, Span

from addons.text import normalised_doc, normalised_pattern

CRISIS_TYPES = ("danger", "suicide", "self_harm", "recent_assault")
# Order used when one message matches several types: the most urgent route first.
_PRIORITY = {name: rank for rank, name in enumerate(CRISIS_TYPES)}
_ABOUT_WINDOW = 4  # tokens before a match searched for "about records" phrases


@dataclass(frozen=True)
class CrisisSignal:
    """What the crisis check found: the most urgent type and every type present."""

    primary: str
    types: Tuple[str, ...]


class CrisisMatcher:
    """Finds crisis phrases in a spaCy doc (the doc needs sentence boundaries or is one sentence)."""

    def __init__(self, nlp: Language, patterns: Dict) -> None:
        self._nlp = nlp
        self._matcher = PhraseMatcher(nlp.vocab, attr="ORTH")

        def add(label: str, phrases: Sequence[str]) -> None:
            self._matcher.add(label, [normalised_pattern(nlp, p) for p in phrases])

        for crisis_type, phrases in patterns["types"].items():
            add(crisis_type, phrases)
        add("assault_act", patterns["recent_assault"]["acts"])
        add("assault_recently", patterns["recent_assault"]["recently"])
        add("past", patterns["past"])
        add("now", patterns["now"])
        add("about", patterns["about"])

    @classmethod
    def from_file(cls, nlp: Language, path: Path) -> "CrisisMatcher":
        """Builds the matcher from a crisis patterns YAML file."""
        return cls(nlp, yaml.safe_load(path.read_text(encoding="utf-8")))

    def __call__(self, doc: Doc) -> Optional[CrisisSignal]:
        """The crisis signal in `doc`, or None when there is none."""
        norm = normalised_doc(self._nlp, doc)
        found = set()
        for sentence in self._sentences(doc, norm):
            found.update(self._check_sentence(sentence))
        if not found:
            return None
        types = tuple(sorted(found, key=_PRIORITY.__getitem__))
        return CrisisSignal(primary=types[0], types=types)

    @staticmethod
    def _sentences(doc: Doc, norm: Doc) -> List[Span]:
        if doc.has_annotation("SENT_START"):
            return [norm[s.start : s.end] for s in doc.sents]
        return [norm[:]]

    def _check_sentence(self, sentence: Span) -> List[str]:
        hits: Dict[str, List[Tuple[int, int]]] = {}
        for match_id, start, end in self._matcher(sentence):
            hits.setdefault(self._nlp.vocab.strings[match_id], []).append((start, end))
        about_now = "now" in hits
        about_past = "past" in hits and not about_now

        def counts(start: int) -> bool:
            if about_past:
                return False
            window = (max(0, start - _ABOUT_WINDOW), start)
            return not any(window[0] <= a_start < window[1] for a_start, _ in hits.get("about", []))

        found = [t for t in ("danger", "suicide", "self_harm") if any(counts(s) for s, _ in hits.get(t, []))]
        if "assault_recently" in hits and any(counts(s) for s, _ in hits.get("assault_act", [])):
            found.append("recent_assault")
        return found
