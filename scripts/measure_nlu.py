"""Score the trained model on a held-out or dev set: right, menu (the fallback) and wrong, with the confusions.

    .venv/bin/python scripts/measure_nlu.py tests/nlu/dev_record_holders.yml [--model models/x.tar.gz]

"Right" is the final intent after the fallback and the crisis check, which is what the person gets. Dev sets
are written by someone who has not seen the training data and are never merged into it (README, "Understanding").
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from rasa.core.agent import load_agent
from rasa.shared.nlu.training_data.loading import load_data
from rasa.utils.log_utils import configure_structlog

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the model's own components live in rasa_server/nlu/
MENU = "nlu_fallback"  # the clarifying question with buttons


@dataclass(frozen=True)
class Outcomes:
    """What each message of a set reached: the intent it should reach (gold) and the one it got (final)."""

    texts: list[str]
    gold: list[str]
    final: list[str]

    @property
    def right(self) -> float:
        return sum(g == f for g, f in zip(self.gold, self.final)) / len(self.gold)

    @property
    def menu(self) -> float:
        return sum(f == MENU for f in self.final) / len(self.gold)

    @property
    def wrong(self) -> list[tuple[str, str, str]]:
        """(text, gold, final) for every message answered with another intent's answer: what hurts."""
        return [(t, g, f) for t, g, f in zip(self.texts, self.gold, self.final) if f not in (g, MENU)]


def load_set(path: Path) -> tuple[list[str], list[str]]:
    """A held-out or dev set's texts and the intents they should reach."""
    examples = load_data(str(path)).intent_examples
    return [e.get("text") for e in examples], [e.get("intent") for e in examples]


def trained_model() -> str:
    """The model scripts/train.sh names for the current inputs (it trains first if they changed)."""
    done = subprocess.run(["scripts/train.sh"], cwd=ROOT, check=True, capture_output=True, text=True)
    return done.stdout.strip().splitlines()[-1]


async def final_intents(model: str, texts: list[str]) -> list[str]:
    agent = await load_agent(model_path=str(ROOT / model))
    return [(await agent.parse_message(text))["intent"]["name"] for text in texts]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dataset", type=Path)
    parser.add_argument("--model", help="a trained model (default: the current one, trained if needed)")
    args = parser.parse_args()
    configure_structlog(logging.WARNING)  # Rasa's debug lines would print every message
    texts, gold = load_set(args.dataset)
    final = asyncio.run(final_intents(args.model or trained_model(), texts))
    result = Outcomes(texts, gold, final)
    print(f"{args.dataset}: {len(gold)} messages")
    print(f"right {result.right:.2f}  menu {result.menu:.2f}  wrong {len(result.wrong) / len(gold):.2f}")
    for intent in sorted(set(gold)):
        pairs = [(g, f) for g, f in zip(gold, final) if g == intent]
        hits = sum(g == f for g, f in pairs)
        misses = sum(f == MENU for _, f in pairs)
        print(f"  {intent:32} right {hits}/{len(pairs)}  menu {misses}")
    for (g, f), count in Counter((g, f) for _, g, f in result.wrong).most_common():
        print(f"  wrong: {g} -> {f} x{count}")


if __name__ == "__main__":
    main()
