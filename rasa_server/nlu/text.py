"""Token normalisation shared by the gazetteer and crisis matchers: one spelling per word, however it was typed."""

from __future__ import annotations

import re
from typing import Iterable, List

from spacy.language import Language
from spacy.tokens import Doc

# Pieces the English tokenizer splits contractions into ("im" -> "i" "m", "can't" -> "ca" "n't"),
# mapped to the full word, so that "im", "i'm" and "i am" all read "i am".
_CONTRACTIONS = {
    "m": "am",
    "'m": "am",
    "ve": "have",
    "'ve": "have",
    "re": "are",
    "'re": "are",
    "ll": "will",
    "'ll": "will",
    "d": "would",
    "'d": "would",
    "n't": "not",
    "nt": "not",
    "ca": "can",
    "wo": "will",
    "gon": "going",
    "wan": "want",
    "'s": "is",
}
# Second halves of "gonna" / "wanna" ("gon" "na"), only after their first half.
_SPLIT_SECOND = {("going", "na"): "to", ("want", "na"): "to"}

# American and common variant spellings mapped to the British spelling our patterns use.
_SPELLINGS = {
    "counselor": "counsellor",
    "counselors": "counsellors",
    "counseling": "counselling",
    "counceling": "counselling",
    "councelling": "counselling",
    "counciling": "counselling",
    "councilling": "counselling",
    "councellor": "counsellor",
    "counsilor": "counsellor",
    "counsellers": "counsellors",
    "counseller": "counsellor",
    "theraphy": "therapy",
    "therapy's": "therapy",
    "thearpy": "therapy",
    "therapyst": "therapist",
    "polcie": "police",
    "poilce": "police",
    "plice": "police",
    "recieved": "received",
    "recived": "received",
    "myslef": "myself",
    "mysef": "myself",
    "mself": "myself",
    "anymore": "any more",
    "wanna": "want to",
    "gonna": "going to",
    "gotta": "got to",
    "u": "you",
    "ur": "your",
    "pls": "please",
    "plz": "please",
    "tonite": "tonight",
    "2nite": "tonight",
    "rn": "right now",
}

_APOSTROPHES = re.compile(r"[\u2018\u2019\u02bc`]")


def normalise_words(words: Iterable[str]) -> List[str]:
    """Returns one normalised form per token (same length as the input), lower-cased."""
    result: List[str] = []
    for word in words:
        low = _APOSTROPHES.sub("'", word.lower())
        previous = result[-1] if result else ""
        if (previous, low) in _SPLIT_SECOND:
            result.append(_SPLIT_SECOND[(previous, low)])
            continue
        if low in _CONTRACTIONS and result:
            result.append(_CONTRACTIONS[low])
            continue
        result.append(_SPELLINGS.get(low, low))
    return result


def normalised_doc(nlp: Language, doc: Doc) -> Doc:
    """A doc with the same token boundaries as `doc` whose token texts are the normalised words.

    Multi-word replacements ("gonna" -> "going to") stay one token, so phrase patterns are
    normalised the same way and token indices still map back to the original text.
    """
    return Doc(nlp.vocab, words=normalise_words(token.text for token in doc))


def normalised_pattern(nlp: Language, phrase: str) -> Doc:
    """The normalised doc for a gazetteer phrase, tokenised exactly like user text."""
    return normalised_doc(nlp, nlp.make_doc(phrase))
