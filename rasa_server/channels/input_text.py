"""Makes what people type safe to hand to the assistant, in the channels, before anything else reads it.

Two kinds of text broke the Rasa server before this existed (tests/test_hostile_input.py sends them):
- lone surrogates ("\\ud800", which JSON allows): spaCy cannot encode them and the message was lost with an
  error; they become U+FFFD, the replacement character;
- long runs without spaces: spaCy's tokenizer and the email pattern take time that grows with the square
  of a run's length, so a few thousand brackets held up every conversation for seconds and one long word
  for minutes. Runs are cut with a space every MAX_RUN characters. No word, link or button payload the
  assistant uses comes near that length, so ordinary messages are unchanged.
"""

from __future__ import annotations

import re

MAX_RUN = 100
_SURROGATE = re.compile("[\ud800-\udfff]")
_LONG_RUN = re.compile(rf"\S{{{MAX_RUN}}}(?=\S)")


def clean_input(text: str) -> str:
    """`text` with lone surrogates replaced and every run of more than MAX_RUN non-space characters cut."""
    text = _SURROGATE.sub("\ufffd", text)
    return _LONG_RUN.sub(lambda match: match.group(0) + " ", text)
