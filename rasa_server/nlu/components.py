"""Custom Rasa NLU components: gazetteer entities and the crisis override on spaCy docs, and sentence embeddings."""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, List, Optional

import numpy as np
import yaml
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import SPACY_DOCS
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.nlu.featurizers.dense_featurizer.dense_featurizer import DenseFeaturizer
from rasa.nlu.utils.spacy_utils import SpacyModel, SpacyNLP
from rasa.shared.nlu.constants import ENTITIES, FEATURE_TYPE_SENTENCE, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from rasa_server.nlu.crisis import CrisisMatcher
from rasa_server.nlu.gazetteer import EntityMatcher, load_gazetteers
from rasa_server.nlu.sentence_encoder import SentenceEncoder

CRISIS_INTENT = "crisis"
CRISIS_ENTITY = "crisis_type"
LANGUAGE_ENTITY = "crisis_language"


class _DataFileComponent(GraphComponent):
    """A component whose data is read from the project's files at training time and kept inside the model."""

    _file_name = "data.json"

    def __init__(self, config: Dict[str, Any], storage: ModelStorage, resource: Resource, data: Any) -> None:
        self._config = config
        self._storage = storage
        self._resource = resource
        self._data = data
        self._built: Dict[int, Any] = {}

    @classmethod
    def required_components(cls) -> List[type]:
        return [SpacyNLP]

    @classmethod
    def create(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "_DataFileComponent":
        return cls(config, model_storage, resource, None)

    @classmethod
    def load(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> "_DataFileComponent":
        with model_storage.read_from(resource) as directory:
            data = json.loads((directory / cls._file_name).read_text(encoding="utf-8"))
        return cls(config, model_storage, resource, data)

    def _read_source(self) -> Any:
        raise NotImplementedError

    def _build(self, nlp: Any) -> Any:
        raise NotImplementedError

    def train(self, training_data: TrainingData, model: SpacyModel) -> Resource:
        """Reads the data files named in the config and stores their content in the model."""
        self._data = self._read_source()
        with self._storage.write_to(self._resource) as directory:
            (directory / self._file_name).write_text(json.dumps(self._data), encoding="utf-8")
        return self._resource

    def _matcher(self, model: SpacyModel) -> Any:
        """The matcher for this spaCy model, built once (patterns must share the model's vocab)."""
        key = id(model.model)
        if key not in self._built:
            self._built = {key: self._build(model.model)}
        return self._built[key]

    @staticmethod
    def _doc(message: Message, model: SpacyModel) -> Any:
        return message.get(SPACY_DOCS[TEXT]) or model.model(message.get(TEXT) or "")


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=True, model_from="SpacyNLP")
class GazetteerEntityExtractor(_DataFileComponent, EntityExtractorMixin):
    """Extracts role, record type, nation, support need and age group with spaCy phrase and token matchers."""

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        return {"gazetteers": "data/gazetteers"}

    def _read_source(self) -> Any:
        return load_gazetteers(Path(self._config["gazetteers"]))

    def _build(self, nlp: Any) -> EntityMatcher:
        return EntityMatcher(nlp, self._data or {})

    def process(self, messages: List[Message], model: SpacyModel) -> List[Message]:
        """Adds the matched entities (normalised values; the typed words stay only as offsets)."""
        matcher = self._matcher(model)
        for message in messages:
            if not message.get(TEXT):
                continue
            found = [
                {"entity": m.entity, "value": m.value, "start": m.start, "end": m.end, "confidence": 1.0}
                for m in matcher(self._doc(message, model))
            ]
            if found:
                entities = message.get(ENTITIES, []) + self.add_extractor_name(found)
                message.set(ENTITIES, entities, add_to_output=True)
        return messages


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True, model_from="SpacyNLP")
class CrisisDetector(_DataFileComponent, EntityExtractorMixin):
    """Makes `crisis` the intent whenever the deterministic crisis patterns match, whatever the classifier said.

    It runs last in the pipeline. The classifier's ranking is kept below the crisis intent, so the
    safety action can still offer to answer the question that came with the crisis.
    """

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        return {"patterns": "data/safety/crisis_patterns.yml"}

    def _read_source(self) -> Any:
        return yaml.safe_load(Path(self._config["patterns"]).read_text(encoding="utf-8"))

    def _build(self, nlp: Any) -> CrisisMatcher:
        return CrisisMatcher(nlp, self._data)

    def process(self, messages: List[Message], model: SpacyModel) -> List[Message]:
        """Overrides the intent with `crisis` (confidence 1) and adds a `crisis_type` entity on a match."""
        matcher = self._matcher(model)
        for message in messages:
            if not message.get(TEXT):
                continue
            signal = matcher(self._doc(message, model))
            if signal is not None:
                self._mark_crisis(message, signal.primary, signal.language)
        return messages

    def _mark_crisis(self, message: Message, crisis_type: Optional[str], language: Optional[str] = None) -> None:
        ranking = [r for r in message.get(INTENT_RANKING_KEY) or [] if r.get("name") != CRISIS_INTENT]
        top = {"name": CRISIS_INTENT, "confidence": 1.0}
        message.set(INTENT, top, add_to_output=True)
        message.set(INTENT_RANKING_KEY, [top, *ranking], add_to_output=True)
        found = [{"entity": CRISIS_ENTITY, "value": crisis_type, "start": 0, "end": 0, "confidence": 1.0}]
        if language:  # "cy": the crisis reply is in Welsh first (content/routes.py)
            found.append({"entity": LANGUAGE_ENTITY, "value": language, "start": 0, "end": 0, "confidence": 1.0})
        message.set(ENTITIES, message.get(ENTITIES, []) + self.add_extractor_name(found), add_to_output=True)


# What Rasa reads as a button payload: "/intent" with optional JSON entities ("/inform{"nation":"wales"}").
BUTTON_PAYLOAD = re.compile(r"^/\w+(\{.*\})?$", re.DOTALL)


@lru_cache(maxsize=2)
def sentence_encoder(model_dir: str) -> SentenceEncoder:
    """One encoder per model directory and process (the weights are 90 MB)."""
    return SentenceEncoder(Path(model_dir))


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class SentenceEmbeddingFeaturizer(DenseFeaturizer, GraphComponent):
    """Adds each message's all-MiniLM-L6-v2 embedding (rasa_server/nlu/sentence_encoder.py) as dense sentence features.

    `scale` weighs the embedding against the count features in the linear classifier: chosen by
    cross-validation (README "Understanding").
    """

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        return {**DenseFeaturizer.get_default_config(), "model": "models/encoder/all-MiniLM-L6-v2", "scale": 10.0}

    @classmethod
    def create(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "SentenceEmbeddingFeaturizer":
        return cls(execution_context.node_name, config)

    @classmethod
    def validate_config(cls, config: Dict[str, Any]) -> None:
        """The scale must be a positive number."""
        scale = config.get("scale")
        if isinstance(scale, bool) or not isinstance(scale, (int, float)) or scale <= 0:
            raise ValueError(f"SentenceEmbeddingFeaturizer: scale must be a positive number, not {scale!r}")

    def process(self, messages: List[Message]) -> List[Message]:
        """Adds the embeddings of the messages of a conversation turn, on one core (see SentenceEncoder.embed)."""
        return self._add_embeddings(messages, one_thread=True)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Adds the embeddings of the training examples, in batches on every core."""
        self._add_embeddings(training_data.training_examples, one_thread=False)
        return training_data

    def _add_embeddings(self, messages: List[Message], one_thread: bool) -> List[Message]:
        """Adds the embedding of every message that has text (all messages in one go).

        A button payload ("/inform{...}") gets zeros: Rasa's RegexMessageHandler sets its intent at the end of
        the pipeline whatever the classifier says, so embedding it would only cost time.
        """
        with_text = [message for message in messages if message.get(TEXT)]
        if not with_text:
            return messages
        encoder = sentence_encoder(str(self._config["model"]))
        texts = [message.get(TEXT) for message in with_text]
        typed = [i for i, text in enumerate(texts) if not BUTTON_PAYLOAD.match(text)]
        vectors = np.zeros((len(texts), encoder.size), dtype=np.float32)
        if typed:
            embeddings = encoder.embed([texts[i] for i in typed], one_thread=one_thread)
            vectors[typed] = embeddings * float(self._config["scale"])
        for message, vector in zip(with_text, vectors):
            features = Features(vector[np.newaxis, :], FEATURE_TYPE_SENTENCE, TEXT, self._identifier)
            message.add_features(features)
        return messages
