"""How a :class:`~ecomtopics.ThemeClassifier` is written to the model store and rebuilt from it.

The store keeps a JSON config (parameters, classes, temperature, lexicon
hashes), plain numpy arrays (vocabulary, idf, coefficients, the character
n-gram table, the context stage) and the lexicon files the model was trained
with; :func:`classifier_from_store` checks every array's shape against the
others before the model is used.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import numpy as np

from .._errors import InputError
from ..tokenize._lexicons import lexicons_from_store, lexicons_to_store, package_lexicons
from ._context import n_context_features

if TYPE_CHECKING:
    from ._classifier import ThemeClassifier


def classifier_to_store(
    self: ThemeClassifier,
) -> tuple[dict[str, Any], dict[str, np.ndarray], dict[str, bytes]]:
    self._check_fitted("coef_")
    params = {k: (list(v) if isinstance(v, tuple) else v) for k, v in self.get_params().items()}
    lexicons = getattr(self, "lexicons_", None) or package_lexicons()
    config = {
        "lexicons": lexicons.hashes(),
        "params": params,
        "classes": self.classes_.tolist(),
        "label_classes": self.label_classes_,
        "temperature": self.temperature_,
    }
    arrays = {
        **_vocabulary_arrays(self.vocabulary_),
        "idf": self.idf_,
        "coef": self.coef_,
        "intercept": self.intercept_,
        "label_coef": self.label_coef_,
        "label_intercept": self.label_intercept_,
    }
    if self.char_keys_ is not None:
        arrays.update(
            char_keys=self.char_keys_, char_sizes=self.char_sizes_, char_idf=self.char_idf_
        )
    if self.context_coef_ is not None:
        arrays.update(context_coef=self.context_coef_, context_intercept=self.context_intercept_)
    return config, arrays, lexicons_to_store(lexicons)


def classifier_from_store(
    cls: type[ThemeClassifier],
    config: dict[str, Any],
    arrays: dict[str, np.ndarray],
    files: dict[str, bytes] | None = None,
) -> ThemeClassifier:
    params = dict(config["params"])
    params["ngram_range"] = tuple(params["ngram_range"])
    # models saved before these settings existed were trained without them
    params.setdefault("lexicon_prior", 0.0)
    params.setdefault("ignore_platform_names", False)
    params.setdefault("char_ngrams", None)
    params.setdefault("context", False)
    params.setdefault("context_document", False)  # versions before v8 read other paragraphs only
    params.setdefault("secondary_weight", 0.0)  # versions before v6 trained on main themes only
    if params["char_ngrams"] is not None:
        params["char_ngrams"] = tuple(params["char_ngrams"])
    model = cls(**params)
    model.lexicons_ = (
        lexicons_from_store(files, cls._store_kind) if files is not None else package_lexicons()
    )
    model.classes_ = _class_array(config["classes"])
    model.label_classes_ = list(config["label_classes"])
    model.temperature_ = float(config["temperature"])
    model.vocabulary_ = _vocabulary_from(arrays)
    model.idf_ = np.asarray(arrays["idf"], dtype=np.float64)
    model.coef_ = np.ascontiguousarray(arrays["coef"], dtype=np.float64)
    model.intercept_ = np.asarray(arrays["intercept"], dtype=np.float64)
    model.label_coef_ = np.asarray(arrays["label_coef"], dtype=np.float64)
    model.label_intercept_ = np.asarray(arrays["label_intercept"], dtype=np.float64)
    model.char_keys_, model.char_sizes_, model.char_idf_ = None, None, None
    if "char_keys" in arrays:
        model.char_keys_ = np.asarray(arrays["char_keys"], dtype=np.uint64)
        model.char_sizes_ = np.asarray(arrays["char_sizes"], dtype=np.int64)
        model.char_idf_ = np.asarray(arrays["char_idf"], dtype=np.float64)
    model.context_coef_, model.context_intercept_ = None, None
    if "context_coef" in arrays:
        model.context_coef_ = np.asarray(arrays["context_coef"], dtype=np.float64)
        model.context_intercept_ = np.asarray(arrays["context_intercept"], dtype=np.float64)
    model.n_features_ = len(model.vocabulary_) + (
        len(model.char_keys_) if model.char_keys_ is not None else 0
    )
    _check_shapes(model)
    model._prepare()
    return model


def _vocabulary_arrays(vocabulary: list[str]) -> dict[str, np.ndarray]:
    """The vocabulary as its UTF-8 bytes end to end and where each feature ends (format 6).

    A fixed-width unicode array spends four bytes a character on the longest
    feature for every feature; word pairs made that 5 MB for 0.3 MB of text.

    >>> _vocabulary_from(_vocabulary_arrays(["天猫", "flagship store", ""]))
    ['天猫', 'flagship store', '']
    """
    encoded = [feature.encode("utf-8") for feature in vocabulary]
    ends = np.cumsum([len(b) for b in encoded], dtype=np.int64)
    return {
        "vocabulary_utf8": np.frombuffer(b"".join(encoded), dtype=np.uint8).copy(),
        "vocabulary_ends": ends,
    }


def _vocabulary_from(arrays: dict[str, np.ndarray]) -> list[str]:
    """The vocabulary from either stored form (formats before 6 keep a unicode array)."""
    if "vocabulary" in arrays:
        return [str(v) for v in arrays["vocabulary"].tolist()]
    data, ends = arrays["vocabulary_utf8"], np.asarray(arrays["vocabulary_ends"])
    if ends.ndim != 1 or (
        len(ends) and (np.any(np.diff(ends) < 0) or ends[0] < 0 or ends[-1] != len(data))
    ):
        raise InputError(
            "stored vocabulary offsets do not match its bytes; the model files disagree"
        )
    data = np.asarray(data, dtype=np.uint8)
    try:
        if len(ends) and not np.any(data == 0):
            # one decode of the whole vocabulary, a NUL put after each word to split on (all in
            # C); a NUL inside a character's bytes (offsets that cut one) fails the decode
            joined = np.insert(data, ends[:-1], 0).tobytes()
            return joined.decode("utf-8").split("\x00")
        raw = data.tobytes()
        starts = np.concatenate([[0], ends[:-1]]) if len(ends) else ends
        return [raw[a:b].decode("utf-8") for a, b in zip(starts.tolist(), ends.tolist())]
    except UnicodeDecodeError:
        raise InputError(
            "stored vocabulary is not UTF-8 text; the model files are damaged"
        ) from None


def _class_array(classes: Iterable[Any]) -> np.ndarray:
    """The classes as scikit-learn keeps them: a 1-d array (of Python str, so each label is a plain str)."""
    labels = [str(c) for c in classes]
    out = np.empty(len(labels), dtype=object)
    out[:] = labels
    return out


def _check_shapes(model: ThemeClassifier) -> None:
    n_classes, n_words = len(model.classes_), len(model.vocabulary_)
    n_chars = len(model.char_keys_) if model.char_keys_ is not None else 0
    n_features = n_words + n_chars
    expected = {
        "idf": (model.idf_.shape, (n_words,)),
        "coef": (model.coef_.shape, (n_classes, n_features)),
        "intercept": (model.intercept_.shape, (n_classes,)),
        "label_coef": (model.label_coef_.shape, (len(model.label_classes_), n_features)),
    }
    if model.char_keys_ is not None:
        expected["char_sizes"] = (model.char_sizes_.shape, (n_chars,))
        expected["char_idf"] = (model.char_idf_.shape, (n_chars,))
    if model.context_coef_ is not None:
        expected["context_coef"] = (
            model.context_coef_.shape,
            (n_classes, n_context_features(n_classes, bool(model.context_document))),
        )
        expected["context_intercept"] = (model.context_intercept_.shape, (n_classes,))
    for name, (got, want) in expected.items():
        if got != want:
            raise InputError(
                f"stored array {name!r} has shape {got}, expected {want}; the model files disagree"
            )
