"""Deterministic crisis check: danger now, suicide, self-harm or a very recent assault, from data/safety patterns.

The classifier can miss a message that matters; this check cannot drift. It reads whole-word phrases (after
addons.text normalisation) and token patterns, sentence by sentence, and decides three things for each match:

- whether it counts: it is ignored when a word about the past ("years ago", "in 2019", "used to") is closer
  to it than any word about now ("tonight", "again", "still"), when the words just before it show the person
  is asking about records ("notes about", "mentions"), or, for someone else's crisis, when it is only a
  hypothetical ("what if a client ...");
- whose crisis it is: the writer's own, or someone they are helping ("my daughter has taken pills", "my client
  says she will end her life tonight", "someone is attacking my sister"). Someone else's crisis gets its own
  types (`someone_else_suicide` and so on), so the reply can speak to the person who is helping;
- the most urgent type, which becomes the `crisis_type` entity: the writer's own crisis before someone else's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Sequence, Set, Tuple

import yaml
from spacy.language import Language
from spacy.matcher import Matcher, PhraseMatcher
from spacy.tokens import Doc

from addons.text import normalise_words

CRISIS_TYPES = ("danger", "suicide", "self_harm", "recent_assault")
SOMEONE_ELSE = "someone_else_"
# Every type the check can give, the most urgent route first: the writer's own crisis, then someone else's.
ALL_TYPES = CRISIS_TYPES + tuple(SOMEONE_ELSE + name for name in CRISIS_TYPES)
_PRIORITY = {name: rank for rank, name in enumerate(ALL_TYPES)}
_ABOUT_WINDOW = 4  # tokens before a match searched for "about records" phrases
_HYPOTHETICAL_WINDOW = 8  # tokens before someone else's crisis searched for "what if" phrases
_SUBJECT_WINDOW = 8  # tokens before a match searched for whose crisis it is
_CLAUSE_PENALTY = 5  # extra distance, in tokens, for each clause break between a match and a past/now word
_CLAUSE_BREAKS = frozenset({",", ";", ":", "and", "but", "so", "because", "cos", "though", "although", "then"})
_FIRST_PERSON = frozenset({"i", "me", "myself", "we", "us"})
_FIRST_PERSON_IN_PHRASE = _FIRST_PERSON | {"my", "our", "mine"}
_OBJECT_PRONOUNS = ("her", "him", "them")
_POSSESSIVES = ("my", "our", "his", "her", "their", "the", "a")
_IS = "is"
_BEFORE_IS = frozenset({"he", "she", "it", "that", "what", "there", "who", "everyone", "everything", "life"})
_OTHER = "other"
_SELF = "self"


@dataclass(frozen=True)
class CrisisSignal:
    """What the crisis check found: the most urgent type and every type present."""

    primary: str
    types: Tuple[str, ...]

    @property
    def someone_else(self) -> bool:
        """True when the most urgent crisis found is someone else's, not the writer's."""
        return self.primary.startswith(SOMEONE_ELSE)


@dataclass(frozen=True)
class _Match:
    label: str
    start: int
    end: int


def _normalise(tokens: Iterable[str]) -> List[str]:
    """addons.text normalisation, also for a contraction that starts the text ("cant ..." -> "can not ...")
    and for "is" typed without its apostrophe ("hes" -> "he s" -> "he is")."""
    words = normalise_words(["", *tokens])
    return [_IS if w == "s" and words[i] in _BEFORE_IS else w for i, w in enumerate(words[1:])]


def _words(tokens: Iterable[str]) -> List[str]:
    """Normalised words, with multi-word normal forms ("anymore" -> "any more", "rn" -> "right now") split."""
    return [piece for word in _normalise(tokens) for piece in word.split()]


def _gap(a: Tuple[int, int], b: Tuple[int, int]) -> int:
    """Tokens between two spans (0 when they touch or overlap)."""
    if a[1] <= b[0]:
        return b[0] - a[1]
    if b[1] <= a[0]:
        return a[0] - b[1]
    return 0


class CrisisMatcher:
    """Finds crisis phrases in a spaCy doc (the doc needs sentence boundaries or is one sentence)."""

    def __init__(self, nlp: Language, patterns: Dict) -> None:
        self._nlp = nlp
        self._matcher = PhraseMatcher(nlp.vocab, attr="ORTH")
        self._tokens = Matcher(nlp.vocab)
        others = patterns.get("someone_else") or {}

        def add(label: str, phrases: Optional[Sequence[str]]) -> None:
            docs = [Doc(nlp.vocab, words=words) for words in (_words(_tokens(nlp, p)) for p in phrases or []) if words]
            if docs:
                self._matcher.add(label, docs)

        for crisis_type, phrases in patterns["types"].items():
            add(crisis_type, phrases)
        for crisis_type in ("danger", "suicide", "self_harm"):
            add(SOMEONE_ELSE + crisis_type, others.get(crisis_type))
        add("assault_act", patterns["recent_assault"]["acts"])
        add("assault_recently", patterns["recent_assault"]["recently"])
        add("past", patterns["past"])
        add("now", patterns["now"])
        add("about", patterns["about"])
        add("hypothetical", patterns.get("hypothetical"))

        self._people = frozenset(_words(others.get("people") or []))
        self._third_person = self._people | frozenset(_words(others.get("pronouns") or []))
        self._not_harm_after = frozenset(_words(others.get("not_harm_after") or []))
        overdose = patterns.get("overdose") or {}
        if overdose:
            any_word: Dict = {"OP": "?"}
            self._tokens.add(
                "self_harm",
                [
                    [
                        {"ORTH": {"IN": _words(overdose["took"])}},
                        {"ORTH": {"IN": _words(overdose["amount"])}},
                        *[any_word] * 3,
                        {"ORTH": {"IN": _words(overdose["medicines"])}},
                    ]
                ],
            )
        self._not_after_self_harm = frozenset(_words(overdose.get("not_after") or []))
        harming = _words(others.get("harming_now") or [])
        if harming:
            verb = {"ORTH": {"IN": harming}}
            self._tokens.add("danger", [[verb, {"ORTH": {"IN": ["me", "us"]}}]])
            self._tokens.add(
                SOMEONE_ELSE + "danger",
                [
                    [verb, {"ORTH": {"IN": list(_OBJECT_PRONOUNS)}}],
                    [verb, {"ORTH": {"IN": list(_POSSESSIVES)}, "OP": "?"}, {"ORTH": {"IN": sorted(self._people)}}],
                ],
            )

    @classmethod
    def from_file(cls, nlp: Language, path: Path) -> "CrisisMatcher":
        """Builds the matcher from a crisis patterns YAML file."""
        return cls(nlp, yaml.safe_load(path.read_text(encoding="utf-8")))

    def __call__(self, doc: Doc) -> Optional[CrisisSignal]:
        """The crisis signal in `doc`, or None when there is none."""
        words = _normalise(token.text for token in doc)
        bounds = [(s.start, s.end) for s in doc.sents] if doc.has_annotation("SENT_START") else [(0, len(doc))]
        found: Set[str] = set()
        for start, end in bounds:
            pieces = [piece for word in words[start:end] for piece in word.split()]
            if pieces:
                found.update(self._check_sentence(Doc(self._nlp.vocab, words=pieces)))
        if not found:
            return None
        types = tuple(sorted(found, key=_PRIORITY.__getitem__))
        return CrisisSignal(primary=types[0], types=types)

    # --- one sentence -------------------------------------------------------------------------------------

    def _check_sentence(self, sentence: Doc) -> Set[str]:
        words = [token.text for token in sentence]
        hits: Dict[str, List[Tuple[int, int]]] = {}
        for match_id, start, end in [*self._matcher(sentence), *self._tokens(sentence)]:
            hits.setdefault(self._nlp.vocab.strings[match_id], []).append((start, end))
        # Any earlier year ("in 2005", "back in 2019") is about the past, as are the phrases under `past`.
        this_year = date.today().year
        years = [(i, i + 1) for i, w in enumerate(words) if len(w) == 4 and w.isdigit() and 1900 <= int(w) < this_year]
        if years:
            hits.setdefault("past", []).extend(years)

        candidates: List[_Match] = []
        for label, spans in hits.items():
            someone_else = label.startswith(SOMEONE_ELSE)
            base = label[len(SOMEONE_ELSE) :] if someone_else else label
            if base not in ("danger", "suicide", "self_harm"):
                continue
            for start, end in spans:
                after = words[end] if end < len(words) else ""
                if someone_else and after in self._not_harm_after:
                    continue  # "hurting her case", "dragging them down"
                if base == "self_harm" and after in self._not_after_self_harm:
                    continue  # "he took all my tablets away", "i cut myself off from everyone"
                if someone_else:
                    whose = _SELF if after in _FIRST_PERSON else self._subject(words, start, default=_OTHER)
                elif base == "danger" or set(words[start:end]) & _FIRST_PERSON_IN_PHRASE:
                    whose = _SELF  # the danger phrases name who threatens the writer ("he has a knife")
                else:
                    whose = self._subject(words, start, default=_SELF)
                candidates.append(_Match(_label(base, whose), start, end))
        if "assault_recently" in hits:
            for start, end in hits.get("assault_act", []):
                candidates.append(_Match(_label("recent_assault", self._victim(words, start, end)), start, end))

        clauses = _clauses(words)
        counted = [m for m in candidates if self._counts(m, hits, clauses)]
        # A general phrase inside someone else's crisis ("threatening to kill" in "threatening to kill herself")
        # is about that person, not the writer.
        others = [m for m in counted if m.label.startswith(SOMEONE_ELSE)]
        return {m.label for m in counted if m in others or not any(_overlap(m, o) for o in others)}

    def _counts(self, match: _Match, hits: Dict[str, List[Tuple[int, int]]], clauses: List[int]) -> bool:
        span = (match.start, match.end)

        def distance(other: Tuple[int, int]) -> int:
            # Words in the same clause belong together: "in 2019 she tried to kill herself, now police want ..."
            return _gap(span, other) + _CLAUSE_PENALTY * abs(clauses[span[0]] - clauses[other[0]])

        past = hits.get("past", [])
        if past:
            nearest_past = min(map(distance, past))
            nearest_now = min(map(distance, hits.get("now", [])), default=None)
            if nearest_now is None or nearest_past < nearest_now:
                return False

        def before(label: str, window: int) -> bool:
            return any(match.start - window <= a_start < match.start for a_start, _ in hits.get(label, []))

        if before("about", _ABOUT_WINDOW):
            return False
        return not (match.label.startswith(SOMEONE_ELSE) and before("hypothetical", _HYPOTHETICAL_WINDOW))

    def _subject(self, words: List[str], start: int, default: str) -> str:
        """Whose crisis a phrase is about: the nearest person word before it ("she has taken pills")."""
        for word in reversed(words[max(0, start - _SUBJECT_WINDOW) : start]):
            if word in _FIRST_PERSON:
                return _SELF
            if word in self._third_person:
                return _OTHER
        return default

    def _victim(self, words: List[str], start: int, end: int) -> str:
        """Who was assaulted: the person after the act ("raped her", "attacked me") or, if none, before it."""
        inside = words[start:end]
        if set(inside) & _FIRST_PERSON:
            return _SELF
        after = words[end : end + 2]
        if after[:1] and after[0] in _FIRST_PERSON:
            return _SELF
        if after[:1] and (after[0] in _OBJECT_PRONOUNS or after[0] in self._people):
            return _OTHER
        if len(after) == 2 and after[0] in _POSSESSIVES and after[1] in self._people:
            return _OTHER
        return self._subject(words, start, default=_SELF)


def _label(crisis_type: str, whose: str) -> str:
    return crisis_type if whose == _SELF else SOMEONE_ELSE + crisis_type


def _clauses(words: List[str]) -> List[int]:
    """For each word, the number of the clause it is in (clauses end at commas and words like "and", "but")."""
    numbers, current = [], 0
    for word in words:
        if word in _CLAUSE_BREAKS:
            current += 1
        numbers.append(current)
    return numbers


def _overlap(a: _Match, b: _Match) -> bool:
    return a.start < b.end and b.start < a.end


def _tokens(nlp: Language, phrase: str) -> List[str]:
    """A phrase tokenised exactly like user text."""
    return [token.text for token in nlp.make_doc(phrase)]
