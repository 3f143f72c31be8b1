"""Deterministic crisis check: danger now, suicide, self-harm or a very recent assault, from data/safety patterns.

The classifier can miss a message that matters; this check cannot drift. It reads whole-word phrases (after
rasa_server.nlu.text normalisation) and token patterns, sentence by sentence, and decides three things for each match:

- whether it counts: it is ignored when a word about the past ("years ago", "in 2019", "used to") is closer
  to it than any word about now ("tonight", "again", "still"), when the words just before it show the person
  is asking about records ("notes about", "mentions"), or, for someone else's crisis, when it is only a
  hypothetical ("what if a client ...");
- whose crisis it is: the writer's own, or someone they are helping ("my daughter has taken pills", "my client
  says she will end her life tonight", "someone is attacking my sister"). Someone else's crisis gets its own
  types (`someone_else_suicide` and so on), so the reply can speak to the person who is helping;
- the most urgent type, which becomes the `crisis_type` entity: the writer's own crisis before someone else's.

Welsh (interim, from the `welsh` section of the patterns file) goes through the same three decisions on its own
reading of each sentence: accents dropped, apostrophes expanded ("dwi'n" -> "dwi yn", "i'm" -> "i fy"), run-together
spellings split ("dwin"), and token patterns written with word groups that list each word's mutated forms
("KILL" = lladd, ladd, kill). A counted Welsh match sets `CrisisSignal.language` to "cy" (the `crisis_language`
entity), so the reply can answer in Welsh first.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Dict, FrozenSet, Iterable, List, Optional, Sequence, Set, Tuple

import yaml
from spacy.language import Language
from spacy.matcher import Matcher, PhraseMatcher
from spacy.tokens import Doc

from rasa_server.nlu.text import normalise_words

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
    language: Optional[str] = None  # "cy" when a Welsh pattern counted (the `crisis_language` entity)

    @property
    def someone_else(self) -> bool:
        """True when the most urgent crisis found is someone else's, not the writer's."""
        return self.primary.startswith(SOMEONE_ELSE)


@dataclass(frozen=True)
class _Lexicon:
    """The words one language's checks need: who is speaking, who else, and the guard windows."""

    first_person: FrozenSet[str]
    first_person_in_phrase: FrozenSet[str]
    third_person: FrozenSet[str]
    people: FrozenSet[str]
    object_pronouns: FrozenSet[str]
    possessives: FrozenSet[str]
    not_harm_after: FrozenSet[str]
    not_after_self_harm: FrozenSet[str]
    clause_breaks: FrozenSet[str]
    third_person_pairs: FrozenSet[Tuple[str, str]] = frozenset()
    about_window: int = _ABOUT_WINDOW
    hypothetical_window: int = _HYPOTHETICAL_WINDOW
    about_in_clause: bool = False  # True: an "about records" phrase counts in the match's clause, from its end
    after_window: int = 1  # words after a match searched for `not_after_self_harm`
    english: FrozenSet[str] = frozenset()  # words that alone do not make a match Welsh ("want", "die")


@dataclass(frozen=True)
class _Match:
    label: str
    start: int
    end: int


def _normalise(tokens: Iterable[str]) -> List[str]:
    """rasa_server.nlu.text normalisation, also for a contraction that starts the text ("cant ..." -> "can not ...")
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
        self._english = _Lexicon(
            first_person=_FIRST_PERSON,
            first_person_in_phrase=_FIRST_PERSON_IN_PHRASE,
            third_person=self._third_person,
            people=self._people,
            object_pronouns=frozenset(_OBJECT_PRONOUNS),
            possessives=frozenset(_POSSESSIVES),
            not_harm_after=self._not_harm_after,
            not_after_self_harm=self._not_after_self_harm,
            clause_breaks=_CLAUSE_BREAKS,
        )
        self._welsh: Optional[_Welsh] = _Welsh(nlp, patterns["welsh"], self._people) if patterns.get("welsh") else None

    @classmethod
    def from_file(cls, nlp: Language, path: Path) -> "CrisisMatcher":
        """Builds the matcher from a crisis patterns YAML file."""
        return cls(nlp, yaml.safe_load(path.read_text(encoding="utf-8")))

    def __call__(self, doc: Doc) -> Optional[CrisisSignal]:
        """The crisis signal in `doc`, or None when there is none."""
        words = _normalise(token.text for token in doc)
        bounds = [(s.start, s.end) for s in doc.sents] if doc.has_annotation("SENT_START") else [(0, len(doc))]
        found: Set[str] = set()
        welsh_found = False
        for start, end in bounds:
            pieces = [piece for word in words[start:end] for piece in word.split()]
            if pieces:
                sentence = Doc(self._nlp.vocab, words=pieces)
                hits = self._hits(sentence, [*self._matcher(sentence), *self._tokens(sentence)])
                found.update(_check_sentence(pieces, hits, self._english))
            if self._welsh is not None:
                welsh_words = self._welsh.words(doc[start:end].text)
                if welsh_words:
                    sentence = Doc(self._nlp.vocab, words=welsh_words)
                    hits = self._hits(sentence, self._welsh.matcher(sentence))
                    welsh = _check_sentence(welsh_words, hits, self._welsh.lexicon)
                    found.update(welsh)
                    welsh_found = welsh_found or bool(welsh)
        if not found:
            return None
        types = tuple(sorted(found, key=_PRIORITY.__getitem__))
        return CrisisSignal(primary=types[0], types=types, language=WELSH if welsh_found else None)

    def _hits(self, sentence: Doc, matches: Iterable[Tuple[int, int, int]]) -> Dict[str, List[Tuple[int, int]]]:
        hits: Dict[str, List[Tuple[int, int]]] = {}
        for match_id, start, end in matches:
            hits.setdefault(self._nlp.vocab.strings[match_id], []).append((start, end))
        # Any earlier year ("in 2005", "back in 2019") is about the past, as are the phrases under `past`.
        this_year = date.today().year
        years = [
            (i, i + 1)
            for i, token in enumerate(sentence)
            if len(token.text) == 4 and token.text.isdigit() and 1900 <= int(token.text) < this_year
        ]
        if years:
            hits.setdefault("past", []).extend(years)
        return hits


WELSH = "cy"
_WELSH_TOKEN = re.compile(r"[a-z0-9]+(?:'[a-z0-9]+)*|'[a-z]+|[,;:]")
_WELSH_APOSTROPHES = re.compile(r"[\u2018\u2019\u02bc`]")
_GROUP = re.compile(r"^[A-Z][A-Z0-9_]*$")


class _Welsh:
    """The Welsh checks: their own reading of a sentence, token patterns and person words."""

    def __init__(self, nlp: Language, data: Dict[str, Any], english_people: FrozenSet[str]) -> None:
        self._after_apostrophe: Dict[str, str] = data.get("after_apostrophe") or {}
        self._spellings: Dict[str, str] = data.get("spellings") or {}
        self._groups: Dict[str, List[str]] = {name: [str(w) for w in ws] for name, ws in data["words"].items()}
        self.matcher = Matcher(nlp.vocab)
        others = data.get("someone_else") or {}
        sections: Dict[str, Sequence[str]] = {}
        for crisis_type, lines in (data.get("types") or {}).items():
            sections[crisis_type] = lines
        for crisis_type, lines in others.items():
            if crisis_type in CRISIS_TYPES:
                sections[SOMEONE_ELSE + crisis_type] = lines
        for key in ("past", "now", "about", "hypothetical"):
            sections[key] = data.get(key) or []
        sections["assault_act"] = data["recent_assault"]["acts"]
        sections["assault_recently"] = data["recent_assault"]["recently"]
        for label, lines in sections.items():
            compiled = [p for line in lines for p in self._compile(str(line))]
            if compiled:
                self.matcher.add(label, compiled)
        person = data["person"]
        pairs = [tuple(self.words(pair)) for pair in person.get("third_person_pairs") or []]
        self.lexicon = _Lexicon(
            first_person=frozenset(self._flat(person["first_person"])),
            first_person_in_phrase=frozenset(self._flat(person["first_person_in_phrase"])),
            third_person=frozenset(self._flat(person["third_person"]))
            | frozenset(self._flat(person["people"]))
            | english_people,
            third_person_pairs=frozenset(p for p in pairs if len(p) == 2),
            people=frozenset(self._flat(person["people"])) | english_people,
            object_pronouns=frozenset(self._flat(person["object_pronouns"])),
            possessives=frozenset(self._flat(person["possessives"])),
            not_harm_after=frozenset(self._flat(data.get("not_harm_after") or [])),
            not_after_self_harm=frozenset(self._flat(data.get("not_after_self_harm") or [])),
            clause_breaks=frozenset(self._flat(data["clause_breaks"])),
            about_window=int(data.get("about_window", _ABOUT_WINDOW)),
            hypothetical_window=int(data.get("hypothetical_window", _HYPOTHETICAL_WINDOW)),
            about_in_clause=True,
            after_window=2,
            english=frozenset(self._flat(data.get("english") or [])),
        )

    def words(self, text: str) -> List[str]:
        """Welsh reading of `text`: lower case, no accents, apostrophes and run-together forms expanded."""
        plain = "".join(
            c
            for c in unicodedata.normalize("NFD", _WELSH_APOSTROPHES.sub("'", text.lower()))
            if not unicodedata.combining(c)
        )
        result: List[str] = []
        for match in _WELSH_TOKEN.finditer(plain):
            whole = match.group()
            if "'" in whole and whole in self._spellings:  # "dwi'm" -> "dwi ddim", not "dwi fy"
                result.extend(str(self._spellings[whole]).split())
                continue
            first, *rest = whole.split("'")
            for i, part in enumerate([first, *rest]):
                if not part:
                    continue
                if i or match.group().startswith("'"):
                    part = self._after_apostrophe.get(part, part)
                result.extend(str(self._spellings.get(part, part)).split())
        return result

    def _flat(self, entries: Iterable[Any]) -> List[str]:
        """Single words from a list (group names expanded)."""
        out: List[str] = []
        for entry in entries:
            name = str(entry)
            out.extend(self._flat(self._groups[name]) if _GROUP.match(name) else self.words(name))
        return out

    def _alternatives(self, name: str) -> List[List[str]]:
        """The word sequences a group (or a literal word) stands for."""
        if not _GROUP.match(name):
            return [self.words(name)]
        result: List[List[str]] = []
        for entry in self._groups[name]:
            result.extend(self._alternatives(entry) if _GROUP.match(entry) else [self.words(entry)])
        return result

    def _compile(self, line: str) -> List[List[Dict[str, Any]]]:
        """spaCy token patterns for one line: words, GROUPS, `*` (any one word), `#` (a number), with `?` or `+`."""
        slots: List[List[List[Dict[str, Any]]]] = []
        for item in line.split():
            op = item[-1] if item[-1] in "?+" and len(item) > 1 else ""
            name = item[:-1] if op else item
            if name == "*":
                slots.append([[{"OP": "?"}]])
                continue
            if name == "#":
                slots.append([[{"IS_DIGIT": True, **({"OP": op} if op else {})}]])
                continue
            sequences = self._alternatives(name)
            single = sorted({s[0] for s in sequences if len(s) == 1})
            options: List[List[Dict[str, Any]]] = []
            if single:
                spec: Dict[str, Any] = {"ORTH": {"IN": single}}
                if op:
                    spec["OP"] = op
                options.append([spec])
            options.extend([{"ORTH": w} for w in s] for s in sequences if len(s) > 1)
            if op == "?" and any(len(s) > 1 for s in sequences):
                options.append([])
            slots.append(options)
        patterns = [[spec for option in combo for spec in option] for combo in itertools.product(*slots)]
        return [p for p in patterns if any(spec.get("OP") != "?" for spec in p)]


# --- one sentence, either language -----------------------------------------------------------------------


def _check_sentence(words: List[str], hits: Dict[str, List[Tuple[int, int]]], lex: _Lexicon) -> Set[str]:
    candidates: List[_Match] = []
    for label, spans in hits.items():
        someone_else = label.startswith(SOMEONE_ELSE)
        base = label[len(SOMEONE_ELSE) :] if someone_else else label
        if base not in ("danger", "suicide", "self_harm"):
            continue
        for start, end in spans:
            if lex.english and set(words[start:end]) <= lex.english:
                continue  # an English phrase inside a Welsh reading: the English check has its own
            after = words[end] if end < len(words) else ""
            following = set(words[end : end + lex.after_window])
            if someone_else and after in lex.not_harm_after:
                continue  # "hurting her case", "dragging them down"
            if base == "self_harm" and following & lex.not_after_self_harm:
                continue  # "he took all my tablets away", "i cut myself off from everyone"
            if someone_else:
                whose = _SELF if after in lex.first_person else _subject(words, start, _OTHER, lex)
            elif base == "danger" or set(words[start:end]) & lex.first_person_in_phrase:
                whose = _SELF  # the danger phrases name who threatens the writer ("he has a knife")
            else:
                whose = _subject(words, start, _SELF, lex)
            candidates.append(_Match(_label(base, whose), start, end))
    if "assault_recently" in hits:
        for start, end in hits.get("assault_act", []):
            if lex.english and set(words[start:end]) <= lex.english:
                continue
            candidates.append(_Match(_label("recent_assault", _victim(words, start, end, lex)), start, end))

    clauses = _clauses(words, lex.clause_breaks)
    counted = [m for m in candidates if _counts(m, hits, clauses, lex)]
    # A general phrase inside someone else's crisis ("threatening to kill" in "threatening to kill herself")
    # is about that person, not the writer.
    others = [m for m in counted if m.label.startswith(SOMEONE_ELSE)]
    return {m.label for m in counted if m in others or not any(_overlap(m, o) for o in others)}


def _counts(match: _Match, hits: Dict[str, List[Tuple[int, int]]], clauses: List[int], lex: _Lexicon) -> bool:
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

    def before(label: str, window: int, in_clause: bool = False) -> bool:
        # In one clause (Welsh), the window runs from the phrase's end: "os dwi'n deud wrth fy nghwnselydd ..."
        return any(
            match.start - window <= (a_end if in_clause else a_start)
            and a_start < match.start
            and not (in_clause and clauses[a_start] != clauses[span[0]])
            for a_start, a_end in hits.get(label, [])
        )

    if before("about", lex.about_window, lex.about_in_clause):
        return False
    return not (match.label.startswith(SOMEONE_ELSE) and before("hypothetical", lex.hypothetical_window))


def _subject(words: List[str], start: int, default: str, lex: _Lexicon) -> str:
    """Whose crisis a phrase is about: the nearest person word before it ("she has taken pills")."""
    first = max(0, start - _SUBJECT_WINDOW)
    for i in range(start - 1, first - 1, -1):
        word = words[i]
        if i > 0 and (words[i - 1], word) in lex.third_person_pairs:
            return _OTHER  # "mae o", "fod e": a pronoun that is also a common other word
        if word in lex.first_person:
            return _SELF
        if word in lex.third_person:
            return _OTHER
    return default


def _victim(words: List[str], start: int, end: int, lex: _Lexicon) -> str:
    """Who was assaulted: the person after the act ("raped her", "attacked me") or, if none, before it."""
    inside = set(words[start:end])
    if inside & lex.first_person:
        return _SELF
    if inside & lex.object_pronouns:
        return _OTHER  # "ymosod arni"
    after = words[end : end + 2]
    if after[:1] and after[0] in lex.first_person:
        return _SELF
    if after[:1] and (after[0] in lex.object_pronouns or after[0] in lex.people):
        return _OTHER
    if len(after) == 2 and after[0] in lex.possessives and after[1] in lex.people:
        return _OTHER
    return _subject(words, start, _SELF, lex)


def _label(crisis_type: str, whose: str) -> str:
    return crisis_type if whose == _SELF else SOMEONE_ELSE + crisis_type


def _clauses(words: List[str], breaks: FrozenSet[str]) -> List[int]:
    """For each word, the number of the clause it is in (clauses end at commas and words like "and", "but")."""
    numbers, current = [], 0
    for word in words:
        if word in breaks:
            current += 1
        numbers.append(current)
    return numbers


def _overlap(a: _Match, b: _Match) -> bool:
    return a.start < b.end and b.start < a.end


def _tokens(nlp: Language, phrase: str) -> List[str]:
    """A phrase tokenised exactly like user text."""
    return [token.text for token in nlp.make_doc(phrase)]
