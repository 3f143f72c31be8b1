"""Builds the blank English spaCy pipeline (tokenizer, sentencizer, lookup lemmas); nothing is downloaded."""

from __future__ import annotations

import argparse
from pathlib import Path

import spacy

DEFAULT_PATH = Path("models/spacy/en_rights_companion")


def build(path: Path = DEFAULT_PATH) -> Path:
    """Creates the pipeline at `path` from spaCy's built-in English rules and spacy-lookups-data."""
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    nlp.initialize()
    nlp.meta["name"] = "rights_companion"
    nlp.meta["description"] = "Blank English pipeline with sentence splitting and lookup lemmas"
    path.parent.mkdir(parents=True, exist_ok=True)
    nlp.to_disk(path)
    return path


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("path", nargs="?", type=Path, default=DEFAULT_PATH)
    print(f"spaCy pipeline written to {build(parser.parse_args().path)}")
