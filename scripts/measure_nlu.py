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
from pathlib import Path

from rasa.core.agent import load_agent
from rasa.shared.nlu.training_data.loading import load_data
from rasa.utils.log_utils import configure_structlog

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the model's own components live in rasa_server/nlu/


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
    examples = load_data(str(args.dataset)).intent_examples
    gold = [example.get("intent") for example in examples]
    final = asyncio.run(final_intents(args.model or trained_model(), [e.get("text") for e in examples]))
    right = sum(g == f for g, f in zip(gold, final))
    menu = sum(f == "nlu_fallback" for f in final)
    wrong = Counter((g, f) for g, f in zip(gold, final) if f not in (g, "nlu_fallback"))
    print(f"{args.dataset}: {len(gold)} messages")
    print(f"right {right / len(gold):.2f}  menu {menu / len(gold):.2f}  wrong {sum(wrong.values()) / len(gold):.2f}")
    for intent in sorted(set(gold)):
        pairs = [(g, f) for g, f in zip(gold, final) if g == intent]
        hits = sum(g == f for g, f in pairs)
        misses = sum(f == "nlu_fallback" for _, f in pairs)
        print(f"  {intent:32} right {hits}/{len(pairs)}  menu {misses}")
    for (g, f), count in wrong.most_common():
        print(f"  wrong: {g} -> {f} x{count}")


if __name__ == "__main__":
    main()
