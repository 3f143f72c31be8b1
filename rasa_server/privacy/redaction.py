"""Takes personal identifiers out of what people type, before a conversation is kept.

Replaced by a placeholder such as "[name]": names introduced as names ("my name is ...", "I'm called ...",
"this is ... speaking"), UK phone numbers, email addresses, postcodes, street addresses and dates of
birth ("born on ...", "DOB ..."). spaCy's tokenizer and Matcher find the phrases that introduce a name,
an address or a date of birth; regular expressions find the fixed formats. Nothing is downloaded: the
blank English pipeline is built by scripts/setup.sh.

It only ever sees what people type: the assistant's own replies (with helpline numbers) are not redacted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, List, Optional

import spacy
from spacy.language import Language
from spacy.matcher import Matcher
from spacy.tokens import Doc, Token

PIPELINE = Path(__file__).resolve().parents[2] / "models" / "spacy" / "en_rights_companion"

NAME = "name"
PHONE = "phone number"
EMAIL = "email"
POSTCODE = "postcode"
ADDRESS = "address"
DATE_OF_BIRTH = "date of birth"

# Phone: the trunk 0 (maybe in brackets), or +44 / 0044 with an optional "(0)", then the 9-10 digits of a UK
# number, which may be split by single spaces, dots, dashes or a closing bracket. 999, 111 and 116 123 are
# too short to match.
_PHONE = re.compile(r"(?<![\w+])(?:(?:\+|00)\s?44\s?(?:\(0\)\s?)?|\(0|0)\d(?:[ .\-]?\)?[ .\-]?\d){8,9}(?!\d)")
# An email starts where a run of its characters starts (the look-behind): trying every position inside a long run
# would take time growing with the square of the run's length.
_EMAIL = re.compile(r"(?<![A-Za-z0-9._%+\-])[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+")
_POSTCODE = re.compile(r"\b(?:[A-Za-z]{1,2}\d[A-Za-z\d]?|GIR)\s?(\d[A-Za-z]{2})\b")
_ORDINAL = re.compile(r"\d(?:st|nd|rd|th)", re.IGNORECASE)

_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?"
    r"|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
_DAY = r"\d{1,2}(?:st|nd|rd|th)?"
# A date right after "born", "DOB", "date of birth" or "birthday" (and an optional "on", "is", ":" ...).
_DATE_AFTER_TRIGGER = re.compile(
    r"(?:\s|:|-|=|\bon\b|\bin\b|\bis\b|\bwas\b)*"
    r"(?P<date>\d{1,2}[./\-]\d{1,2}[./\-](?:\d{4}|\d{2})"
    rf"|{_DAY}\s+(?:of\s+)?{_MONTH}\.?(?:,?\s+\d{{4}})?"
    rf"|{_MONTH}\.?\s+{_DAY}(?:,?\s+\d{{4}})?"
    rf"|{_MONTH}\s+\d{{4}}"
    r"|(?:19|20)\d{2})\b",
    re.IGNORECASE,
)

# Street types that make an address on their own ("Castle Street") and ones that need a house number
# first ("12 Mill Close"), so that "Crown Court" or "no way" are left alone.
_STREETS = "street st road rd avenue ave lane drive crescent terrace gardens grove mews boulevard".split()
_STREETS_AFTER_NUMBER = _STREETS + "close court place way hill view walk row square park rise green parade".split()
_STREETS_AFTER_NUMBER += "vale wharf dr ln cl ct pl".split()
_HOUSE_NUMBER = {"TEXT": {"REGEX": r"^\d{1,4}[A-Za-z]?$"}}
_STREET_WORD = {"IS_ALPHA": True, "IS_STOP": False}
_TITLE_WORD = {"IS_TITLE": True, "IS_STOP": False}

# Words that end a name ("my name is Sam and ...") even when capitalised.
_NOT_NAME = {"and", "but", "so", "because", "not", "i", "im", "a", "the", "from", "in", "at", "on", "here", "ok"}
# "I called Rape Crisis" is a phone call, not a name: "called" after these words does not introduce one.
_CALLERS = {"i", "we", "you", "he", "she", "they", "it", "who", "have", "'ve", "ve", "has", "had", "just", "then"}
_MAX_NAME_WORDS = 3
_NAME_WORD = re.compile(r"^[A-Za-z][A-Za-z'\u2019.]*$")


@dataclass(frozen=True)
class Found:
    """One identifier in a text: what kind it is and its character span."""

    kind: str
    start: int
    end: int


def load_pipeline(path: Path = PIPELINE) -> Language:
    """The project's blank English spaCy pipeline (tokenizer and sentencizer); scripts/setup.sh builds it."""
    if not (path / "meta.json").is_file():
        raise FileNotFoundError(f"{path} is missing: run scripts/setup.sh to build it (nothing is downloaded)")
    return spacy.load(path)


class Redactor:
    """Finds identifiers in a text and replaces each with a placeholder such as "[phone number]"."""

    def __init__(self, nlp: Optional[Language] = None) -> None:
        self._nlp = nlp or load_pipeline()
        vocab = self._nlp.vocab
        self._names = Matcher(vocab)
        be = {"LOWER": {"IN": ["is", "'s", "\u2019s", "s"]}}
        am = {"LOWER": {"IN": ["am", "'m", "\u2019m", "m"]}}
        # Introductions that are only ever followed by a name: a lower-case name counts too.
        self._names.add(
            "certain",
            [
                [{"LOWER": "name"}, be],
                [{"LOWER": "name"}, {"ORTH": ":"}],
                [{"LOWER": {"IN": ["names", "name's"]}}],
                [{"LOWER": "i"}, am, {"LOWER": "called"}],
            ],
        )
        # Phrases that may be followed by an ordinary word ("call me back"): only a capitalised name counts.
        self._names.add(
            "capitalised",
            [
                [{"LOWER": {"NOT_IN": sorted(_CALLERS)}}, {"LOWER": {"IN": ["called", "named"]}}],
                [{"LOWER": "call"}, {"LOWER": "me"}],
                [{"LOWER": "my"}, {"LOWER": {"IN": ["client", "client's"]}}],
            ],
        )
        name_word = {"IS_ALPHA": True, "LOWER": {"NOT_IN": sorted(_NOT_NAME)}}
        speaking = {"LOWER": "speaking"}
        self._speaking = Matcher(vocab)
        self._speaking.add(
            "speaking",
            [
                [{"LOWER": {"IN": ["this", "it"]}}, be, name_word, speaking],
                [{"LOWER": {"IN": ["this", "it"]}}, be, name_word, name_word, speaking],
                [{"IS_SENT_START": True, "IS_TITLE": True}, speaking],
            ],
        )
        self._addresses = Matcher(vocab)
        after_number = {"LOWER": {"IN": _STREETS_AFTER_NUMBER}}
        street = {"LOWER": {"IN": _STREETS}}
        the = {"LOWER": "the", "OP": "?"}
        self._addresses.add(
            "address",
            [
                [_HOUSE_NUMBER, the, _STREET_WORD, after_number],
                [_HOUSE_NUMBER, the, _STREET_WORD, _STREET_WORD, after_number],
                [_HOUSE_NUMBER, the, _STREET_WORD, _STREET_WORD, _STREET_WORD, after_number],
                [_HOUSE_NUMBER, {"LOWER": "the"}, after_number],
                [_TITLE_WORD, street],
                [_TITLE_WORD, _TITLE_WORD, street],
                [{"LOWER": {"IN": ["flat", "apartment", "apt", "unit"]}}, _HOUSE_NUMBER],
            ],
            greedy="LONGEST",
        )
        self._address_intro = Matcher(vocab)
        self._address_intro.add("intro", [[{"LOWER": "address"}, {"LOWER": {"IN": ["is", ":"]}}]])
        self._birth = Matcher(vocab)
        self._birth.add(
            "birth",
            [
                [{"LOWER": {"IN": ["born", "dob", "d.o.b", "d.o.b.", "birthday", "birthdate"]}}],
                [{"LOWER": "date"}, {"LOWER": "of"}, {"LOWER": "birth"}],
            ],
        )

    def find(self, text: str) -> List[Found]:
        """Every identifier in `text`, in order; overlapping finds are merged."""
        found = [Found(PHONE, m.start(), m.end()) for m in _PHONE.finditer(text)]
        found += [Found(EMAIL, m.start(), m.end()) for m in _EMAIL.finditer(text)]
        found += [Found(POSTCODE, m.start(), m.end()) for m in _POSTCODE.finditer(text) if _is_postcode(m)]
        doc = self._nlp(text)
        found += self._find_names(doc)
        found += self._find_addresses(doc)
        found += self._find_dates_of_birth(doc)
        return merge(found)

    def redact(self, text: str, also: Iterable[Found] = ()) -> str:
        """`text` with every identifier (and every span in `also`) replaced by "[kind]"."""
        return replace(text, merge([*self.find(text), *also]))

    def _find_names(self, doc: Doc) -> List[Found]:
        found = []
        for match_id, _, end in self._names(doc):
            words = _name_after(doc, end, capitalised_only=self._nlp.vocab.strings[match_id] == "capitalised")
            if words:
                found.append(Found(NAME, words[0].idx, _end(words[-1])))
        for _, start, end in self._speaking(doc):
            first = start + 2 if doc[start].lower_ in ("this", "it") else start
            found.append(Found(NAME, doc[first].idx, _end(doc[end - 2])))
        return found

    def _find_addresses(self, doc: Doc) -> List[Found]:
        found = [Found(ADDRESS, doc[start].idx, _end(doc[end - 1])) for _, start, end in self._addresses(doc)]
        for _, _, end in self._address_intro(doc):
            rest = [t for t in doc[end:] if t.sent == doc[end - 1].sent and not t.is_space]
            while rest and rest[-1].is_punct:
                rest.pop()
            if rest:
                found.append(Found(ADDRESS, rest[0].idx, _end(rest[-1])))
        return found

    def _find_dates_of_birth(self, doc: Doc) -> List[Found]:
        found = []
        for _, _, end in self._birth(doc):
            after = _end(doc[end - 1])
            match = _DATE_AFTER_TRIGGER.match(doc.text, after)
            if match:
                found.append(Found(DATE_OF_BIRTH, match.start("date"), match.end("date")))
        return found


def _end(token: Token) -> int:
    return token.idx + len(token.text)


def _is_postcode(match: re.Match) -> bool:
    """False for lower-case look-alikes ending in an ordinal, such as "a1 2nd"."""
    return not (_ORDINAL.fullmatch(match.group(1)) and not match.group(0).isupper())


def _name_after(doc: Doc, start: int, capitalised_only: bool) -> List[Token]:
    """The words of the name that starts at token `start` (right after an introduction), if there is one.

    A stop word counts only when capitalised ("Will"); after a capitalised first word, or when the
    introduction can also precede ordinary words, every word must be capitalised.
    """
    i = start
    while i < len(doc) and doc[i].text in (":", ","):
        i += 1
    words: List[Token] = []
    while i < len(doc) and len(words) < _MAX_NAME_WORDS:
        token = doc[i]
        if words and token.text == "-" and not doc[i - 1].whitespace_:
            i += 1  # a double-barrelled name: "Sarah-Jane"
            continue
        capital = token.text[:1].isupper()
        if not _NAME_WORD.match(token.text) or token.lower_ in _NOT_NAME or (token.is_stop and not capital):
            break
        if not capital and (capitalised_only or (words and words[0].text[:1].isupper())):
            break
        words.append(token)
        i += 1
    return words


def merge(found: Iterable[Found]) -> List[Found]:
    """Finds sorted by position, with overlapping ones joined (the earlier one names the kind)."""
    merged: List[Found] = []
    for item in sorted(found, key=lambda f: (f.start, -f.end)):
        if merged and item.start < merged[-1].end:
            last = merged[-1]
            merged[-1] = Found(last.kind, last.start, max(last.end, item.end))
        else:
            merged.append(item)
    return merged


def replace(text: str, found: List[Found]) -> str:
    """`text` with each (sorted, non-overlapping) find replaced by "[kind]"."""
    parts, position = [], 0
    for item in found:
        parts += [text[position : item.start], f"[{item.kind}]"]
        position = item.end
    parts.append(text[position:])
    return "".join(parts)
