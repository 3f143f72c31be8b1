"""Understanding, measured: held-out intent F1 and crisis detection, with the numbers written to results/."""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from pathlib import Path
from typing import Any, Dict, List

import pytest
import yaml
from rasa.core.agent import Agent, load_agent
from rasa.shared.nlu.training_data.loading import load_data
from rasa_sdk import Tracker

from actions.answers import TELL_ROLE_INTENT, follow_up_request
from actions.safety import CRISIS_INTENT
from scripts.measure_nlu import Outcomes, load_set
from tests.conftest import RESULTS, ROOT

HOLDOUT = ROOT / "tests" / "nlu" / "holdout.yml"
CRISIS_SET = ROOT / "tests" / "data" / "crisis_eval.yml"


@pytest.fixture(scope="module")
def agent(model_path: Path) -> Agent:
    return asyncio.run(load_agent(model_path=str(model_path)))


def parse_all(agent: Agent, texts: List[str]) -> List[Dict[str, Any]]:
    async def parse() -> List[Dict[str, Any]]:
        return [await agent.parse_message(text) for text in texts]

    return asyncio.run(parse())


def outcomes(agent: Agent, dataset: Path) -> Outcomes:
    """The final intent (after the fallback and the crisis check) each message of a held-out or dev set reached."""
    texts, gold = load_set(dataset)
    return Outcomes(texts, gold, [p["intent"]["name"] for p in parse_all(agent, texts)])


def f1_by_label(gold: List[str], predicted: List[str]) -> Dict[str, float]:
    scores = {}
    for label in sorted(set(gold)):
        tp = sum(g == p == label for g, p in zip(gold, predicted))
        fp = sum(p == label != g for g, p in zip(gold, predicted))
        fn = sum(g == label != p for g, p in zip(gold, predicted))
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        scores[label] = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return scores


def test_intents_on_held_out_messages_reach_macro_f1_of_0_90(agent: Agent):
    examples = load_data(str(HOLDOUT)).intent_examples
    gold = [example.get("intent") for example in examples]
    parsed = parse_all(agent, [example.get("text") for example in examples])
    # The classifier's own best guess, before the fallback or the crisis override change it.
    predicted = [next(r["name"] for r in p["intent_ranking"] if r["name"] != "nlu_fallback") for p in parsed]
    final = [p["intent"]["name"] for p in parsed]
    scores = f1_by_label(gold, predicted)
    macro_f1 = sum(scores.values()) / len(scores)
    accuracy = sum(g == p for g, p in zip(gold, predicted)) / len(gold)
    clarified = sum(f == "nlu_fallback" for f in final) / len(final)
    wrong_answers = sum(f not in ("nlu_fallback", g) for g, f in zip(gold, final)) / len(final)
    confusions = Counter((g, p) for g, p in zip(gold, predicted) if g != p).most_common(15)
    RESULTS.mkdir(parents=True, exist_ok=True)
    report = {
        "examples": len(gold),
        "intents": len(scores),
        "macro_f1": round(macro_f1, 4),
        "accuracy": round(accuracy, 4),
        "asked_to_clarify": round(clarified, 4),
        "answered_wrongly_after_fallback": round(wrong_answers, 4),
        "f1_by_intent": {k: round(v, 3) for k, v in scores.items()},
        "top_confusions": [{"gold": g, "predicted": p, "count": n} for (g, p), n in confusions],
    }
    (RESULTS / "nlu_holdout.json").write_text(json.dumps(report, indent=1), encoding="utf-8")
    assert macro_f1 >= 0.90, f"macro-F1 {macro_f1:.3f}; worst: {sorted(scores.items(), key=lambda kv: kv[1])[:5]}"


def test_a_plain_role_statement_is_not_answered_as_a_question(agent: Agent):
    """Held-out "I'm a counsellor" messages: the role action answers a second question for at most 1 in 12."""
    examples = [e.get("text") for e in load_data(str(HOLDOUT)).intent_examples if e.get("intent") == TELL_ROLE_INTENT]
    answered = []
    for parsed in parse_all(agent, examples):
        tracker = Tracker("held-out", {}, parsed, [], False, None, {}, "action_listen")
        if follow_up_request(tracker, skip={TELL_ROLE_INTENT, CRISIS_INTENT}) is not None:
            answered.append(parsed["text"])
    assert examples and len(answered) <= len(examples) / 12, f"answered as questions: {answered}"


def test_crisis_messages_are_caught_and_ordinary_ones_are_not(agent: Agent):
    data = yaml.safe_load(CRISIS_SET.read_text(encoding="utf-8"))
    crisis = [item["text"] for item in data["crisis"]]
    ordinary = [item["text"] for item in data["non_crisis"]]
    hard = [item["text"] for item in data["non_crisis"] if item["kind"] == "hard_negative"]
    parsed = parse_all(agent, crisis + ordinary)
    flagged = {p["text"] for p in parsed if p["intent"]["name"] == "crisis"}
    by_matcher = {p["text"] for p in parsed if any(e["entity"] == "crisis_type" for e in p.get("entities", []))}
    recall = sum(t in flagged for t in crisis) / len(crisis)
    false_alarms = sum(t in flagged for t in ordinary) / len(ordinary)
    report = {
        "crisis_messages": len(crisis),
        "non_crisis_messages": len(ordinary),
        "hard_negatives": len(hard),
        "recall": round(recall, 4),
        "false_alarm_rate": round(false_alarms, 4),
        "hard_negative_false_alarm_rate": round(sum(t in flagged for t in hard) / len(hard), 4),
        "recall_of_deterministic_matcher_alone": round(sum(t in by_matcher for t in crisis) / len(crisis), 4),
        "missed": [t for t in crisis if t not in flagged],
        "false_alarms": [t for t in ordinary if t in flagged],
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "crisis_detection.json").write_text(json.dumps(report, indent=1), encoding="utf-8")
    assert recall >= 0.98, f"recall {recall:.3f}; missed: {report['missed'][:10]}"
    assert false_alarms <= 0.03, f"false alarms {false_alarms:.3f}: {report['false_alarms'][:10]}"


NEW_INTENTS_HOLDOUT = ROOT / "tests" / "nlu" / "holdout_new_intents.yml"


def test_questions_about_the_new_practice_entries_reach_them(agent: Agent):
    """Held-out questions for the five practice entries (issue 9 point 7), written independently of the training
    examples: the final intent is right, a menu (nlu_fallback) or wrong; wrong answers are what hurt."""
    result = outcomes(agent, NEW_INTENTS_HOLDOUT)
    right, wrong = result.right, result.wrong
    assert right >= 0.7 and len(wrong) / len(result.gold) <= 0.2, f"right {right:.2f}, menu {result.menu:.2f}, {wrong}"


@pytest.mark.parametrize(
    ("dev_set", "reported_request"),
    [("dev_record_holders.yml", "report_received_request"), ("dev_survivors.yml", "ask_consent")],
)
def test_dev_set_questions_mostly_reach_their_answer_and_rarely_a_wrong_one(
    agent: Agent, dev_set: str, reported_request: str
):
    """Dev sets written by helpers who had not seen the training data; never trained on. Measured right / menu /
    wrong, before and after the examples of requests people describe (record holders: a police request they got;
    survivors: a consent form they were sent): record holders 0.71 / 0.06 / 0.23 -> 0.79 / 0.03 / 0.18,
    survivors 0.67 / 0.07 / 0.26 -> 0.74 / 0.08 / 0.18. scripts/measure_nlu.py prints the per-intent table."""
    result = outcomes(agent, ROOT / "tests" / "nlu" / dev_set)
    right, wrong = result.right, result.wrong
    described = [f for g, f in zip(result.gold, result.final) if g == reported_request]
    assert right >= 0.7 and len(wrong) / len(result.gold) <= 0.2, f"right {right:.2f}, wrong {wrong}"
    assert described.count(reported_request) / len(described) >= 0.7, described


WELSH_CRISIS_SET = ROOT / "tests" / "data" / "crisis_eval_cy.yml"


@pytest.mark.hazard("HAZ-01")
def test_welsh_crisis_messages_reach_the_crisis_reply_in_welsh_through_the_whole_pipeline(agent: Agent):
    """The independent Welsh set through the trained model: crisis intent and crisis_language "cy" for every
    crisis message, calm for the others (the matcher alone is measured in tests/test_crisis_welsh.py)."""
    data = yaml.safe_load(WELSH_CRISIS_SET.read_text(encoding="utf-8"))
    crisis = [item["text"] for item in data["crisis"]]
    ordinary = [item["text"] for item in data["non_crisis"]]
    parsed = parse_all(agent, crisis + ordinary)
    welsh = {
        p["text"]
        for p in parsed
        if p["intent"]["name"] == "crisis"
        and any(e["entity"] == "crisis_language" and e["value"] == "cy" for e in p.get("entities", []))
    }
    flagged = {p["text"] for p in parsed if p["intent"]["name"] == "crisis"}
    missed = [t for t in crisis if t not in welsh]
    false_alarms = [t for t in ordinary if t in flagged]
    assert len(missed) / len(crisis) <= 0.05, missed
    assert len(false_alarms) / len(ordinary) <= 0.05, false_alarms
