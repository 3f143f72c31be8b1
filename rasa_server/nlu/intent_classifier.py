"""Rasa's logistic-regression intent classifier, saved as plain arrays instead of with skops.

Rasa 3.6's `LogisticRegressionClassifier` saves its scikit-learn model with `skops.io`, whose import walks every
scikit-learn estimator to build its list of trusted types: 4-25 s of the Rasa server's cold start on 2 cores and
~100 MB of memory, for a model that is just three arrays. This subclass trains exactly as Rasa's (same estimator,
same settings, same predictions) but stores `classes_`, `coef_` and `intercept_` in a NumPy `.npz` file read
with `allow_pickle=False`, so loading runs no code from the model file, and keeps `coef_` column-major for fast
predictions. Unlike Rasa's, it refuses to start with a model it cannot read instead of quietly answering with an
untrained classifier.
"""

from __future__ import annotations

from typing import Any, Dict

import numpy as np
from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.logistic_regression_classifier import LogisticRegressionClassifier
from rasa.shared.exceptions import RasaException

FILE_NAME = "logistic_regression.npz"
FITTED = ("classes_", "coef_", "intercept_")


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class ArrayLogisticRegressionClassifier(LogisticRegressionClassifier):
    """`LogisticRegressionClassifier` whose fitted model is stored as arrays (see the module docstring)."""

    def persist(self) -> None:
        """Writes the fitted arrays into the model."""
        with self._model_storage.write_to(self._resource) as model_dir:
            np.savez(model_dir / FILE_NAME, **{name: getattr(self.clf, name) for name in FITTED})

    @classmethod
    def load(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> "ArrayLogisticRegressionClassifier":
        """The trained classifier; raises if the model holds none (Rasa's would answer with an untrained one)."""
        try:
            with model_storage.read_from(resource) as model_dir:
                with np.load(model_dir / FILE_NAME, allow_pickle=False) as arrays:
                    fitted = {name: arrays[name] for name in FITTED}
        except (ValueError, OSError, KeyError) as error:
            raise RasaException(f"The intent classifier could not be loaded from the model: {error}") from error
        component = cls(config, execution_context.node_name, model_storage, resource)
        for name, value in fitted.items():
            setattr(component.clf, name, value)
        # Column-major, so that scikit-learn's sparse features @ coef_.T reads contiguous rows: the same sums,
        # 40 times faster (1 ms per message with the row-major array).
        component.clf.coef_ = np.asfortranarray(fitted["coef_"])
        component.clf.n_features_in_ = fitted["coef_"].shape[1]
        return component
