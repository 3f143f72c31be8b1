"""The NumPy all-MiniLM-L6-v2 encoder: its tokenizer, its numbers against the reference model, and the files it uses."""

from __future__ import annotations

import numpy as np
import pytest
import yaml
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from rasa_server.nlu.components import SentenceEmbeddingFeaturizer
from rasa_server.nlu.sentence_encoder import BLAS, FILES, MAX_WORD_PIECES, MODEL_DIR, SentenceEncoder, model_ready
from tests.conftest import ROOT


@pytest.fixture(scope="module")
def encoder() -> SentenceEncoder:
    return SentenceEncoder()


def test_the_model_files_are_the_upstream_ones():
    assert model_ready(), f"run `python -m rasa_server.nlu.sentence_encoder`: {MODEL_DIR} does not hold {sorted(FILES)}"


def test_words_are_split_as_bert_splits_them(encoder):
    assert encoder.tokenizer.words("Héllo, I'm OK!! 北京") == ["hello", ",", "i", "'", "m", "ok", "!", "!", "北", "京"]
    vocab = {index: piece for piece, index in encoder.tokenizer.ids.items()}
    assert [vocab[i] for i in encoder.tokenizer.encode("unaffable counselling")] == [
        "[CLS]",
        "una",
        "##ffa",
        "##ble",
        "counsel",
        "##ling",
        "[SEP]",
    ]


def test_the_embedding_matches_the_published_reference_values(encoder):
    # sentence-transformers' all-MiniLM-L6-v2 gives 0.0677, 0.0635, 0.0487 ... for this sentence.
    vector = encoder.embed(["This is an example sentence"])[0]
    assert vector.shape == (384,) and vector.dtype == np.float32
    assert np.allclose(vector[:3], [0.067657, 0.063496, 0.048713], atol=1e-5)
    assert abs(float(np.linalg.norm(vector)) - 1.0) < 1e-5


def test_paraphrases_are_closer_than_unrelated_messages(encoder):
    ask, paraphrase, other = encoder.embed(
        [
            "which rank has to approve a police request for counselling notes",
            "how senior does a cop have to be to ok getting my therapy records",
            "book me a table for dinner tonight",
        ]
    )
    assert ask @ paraphrase > 0.5 > ask @ other + 0.3


def test_batches_give_the_same_vectors_as_one_at_a_time(encoder):
    texts = ["short", "a much longer message about police asking for my GP records last year", ""]
    together = encoder.embed(texts)
    alone = np.vstack([encoder.embed([text]) for text in texts])
    assert np.allclose(together, alone, atol=1e-5)


def blas_threads() -> int:
    return max(library["num_threads"] for library in BLAS.info() if library["user_api"] == "blas")


def test_conversation_turns_run_on_one_core_and_training_on_all(encoder, monkeypatch):
    seen: list = []
    forward = encoder._forward
    monkeypatch.setattr(encoder, "_forward", lambda batch: seen.append(blas_threads()) or forward(batch))
    before = blas_threads()
    config = {**SentenceEmbeddingFeaturizer.get_default_config(), "alias": "embeddings"}
    featurizer = SentenceEmbeddingFeaturizer("embeddings", config)
    monkeypatch.setattr("rasa_server.nlu.components.sentence_encoder", lambda model_dir: encoder)
    message = Message(data={"text": "can police read my notes"})
    featurizer.process([message])
    assert seen == [1] and blas_threads() == before
    one_core = message.get_dense_features("text")[1].features
    assert np.allclose(one_core / 10.0, encoder.embed(["can police read my notes"]), atol=1e-5)
    featurizer.process_training_data(TrainingData([Message(data={"text": "what is a SARC"})]))
    assert seen[-1] == before  # the training examples, with every core NumPy has


def test_odd_and_very_long_input_is_cut_and_never_fails(encoder):
    texts = ["\x00\ufffd\u202e", "x" * 5000, "word " * 2000, "🙂" * 50]
    vectors = encoder.embed(texts)
    assert np.isfinite(vectors).all()
    assert len(encoder.tokenizer.encode("word " * 2000)) == MAX_WORD_PIECES


def test_a_long_message_keeps_its_beginning_and_the_question_at_its_end(encoder):
    tokenizer = encoder.tokenizer
    ids = tokenizer.encode("i was assaulted " + "and then " * 300 + "can police read my counselling notes?")
    question = tokenizer.encode("can police read my counselling notes?")[1:-1]
    assert ids[1:4] == tokenizer.encode("i was assaulted")[1:-1]
    assert ids[-1 - len(question) : -1] == question


def test_the_pipeline_uses_the_encoder_with_a_valid_scale():
    config = yaml.safe_load((ROOT / "config.yml").read_text(encoding="utf-8"))
    (step,) = [s for s in config["pipeline"] if s["name"].endswith("SentenceEmbeddingFeaturizer")]
    SentenceEmbeddingFeaturizer.validate_config({**SentenceEmbeddingFeaturizer.get_default_config(), **step})
    with pytest.raises(ValueError):
        SentenceEmbeddingFeaturizer.validate_config({"scale": 0})


def test_typed_messages_are_embedded_and_button_payloads_are_not():
    config = {**SentenceEmbeddingFeaturizer.get_default_config(), "alias": "embeddings"}
    featurizer = SentenceEmbeddingFeaturizer("embeddings", config)
    typed, payload = Message(data={"text": "can police read my notes"}), Message(data={"text": '/inform{"x":"y"}'})
    featurizer.process([typed, payload])
    typed_vector = typed.get_dense_features("text")[1].features
    payload_vector = payload.get_dense_features("text")[1].features
    assert typed_vector.shape == payload_vector.shape == (1, 384)
    assert np.linalg.norm(typed_vector) > 1 and not payload_vector.any()
