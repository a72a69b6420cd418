"""Is a stored model sane? Checks ``load`` and ``verify`` run on the built-in kinds.

Checksums say the files are the ones written; they do not say the numbers in
them can be used. A weight array of NaN with matching checksums would load and
give every paragraph the same theme. For the kinds shipped with ecomtopics the
store therefore also checks, on every load, that the arrays are numbers of a
plain dtype and finite where they are real-valued, and that the classes are
a proper list; ``verify`` in addition scores a probe text and checks the
result. Kinds registered by others are checked only by their own
``_from_store``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from ._errors import ModelIntegrityError

__all__ = ["check_arrays", "check_model"]

_PROBE = "天猫线下门店与服务商合作, Tmall merchants open stores in small towns."

# kinds whose real-valued arrays must all be finite
_FINITE_KINDS = ("theme-classifier", "topic-model", "tfidf")


def check_arrays(kind: str, arrays: Mapping[str, np.ndarray], vdir: Path, fix: str) -> None:
    """Refuse non-finite real-valued arrays of a built-in kind, naming the array file."""
    if kind not in _FINITE_KINDS:
        return
    for key, array in arrays.items():
        where = vdir / "arrays" / f"{key}.npy"
        if array.dtype.kind in "fc" and not np.isfinite(array).all():
            bad = int(array.size - np.isfinite(array).sum())
            raise ModelIntegrityError(
                f"{where}: {bad} of {array.size} values are NaN or infinite although the checksum matches; "
                f"the model was saved broken: {fix}"
            )
        if array.dtype.kind not in "biufcU":
            raise ModelIntegrityError(f"{where}: dtype {array.dtype} is not a plain number or text array; {fix}")


def check_model(kind: str, model: Any, vdir: Path, fix: str, *, probe: bool) -> None:
    """Check the classes of a built-in model and, with ``probe``, that it scores a text sanely."""
    classes = getattr(model, "classes_", None) if kind == "theme-classifier" else None
    if classes is not None:
        labels = list(classes)
        if not labels or len(set(labels)) != len(labels) or not all(isinstance(c, str) and c for c in labels):
            raise ModelIntegrityError(f"{vdir / 'config.json'}: classes {labels!r:.120} are not distinct names; {fix}")
    if not probe or kind not in _PROBES:
        return
    try:
        _PROBES[kind](model)
    except ModelIntegrityError:
        raise
    except Exception as exc:  # noqa: BLE001 - any failure to score means the version does not work
        raise ModelIntegrityError(
            f"{vdir}: the model loads but cannot score a probe text ({type(exc).__name__}: {exc}); {fix}"
        ) from exc


def _probe_classifier(model: Any) -> None:
    proba = np.asarray(model.predict_proba([_PROBE]))
    if proba.shape != (1, len(model.classes_)) or not np.isfinite(proba).all() or abs(proba.sum() - 1) > 1e-6:
        raise ValueError(f"probabilities of shape {proba.shape} summing to {proba.sum():.4g}")
    if getattr(model, "context_coef_", None) is not None:  # the context stage scores a document too
        proba = np.asarray(model.predict_proba_in_context([_PROBE, _PROBE]))
        if proba.shape != (2, len(model.classes_)) or not np.isfinite(proba).all() \
                or np.abs(proba.sum(axis=1) - 1).max() > 1e-6:  # fmt: skip
            raise ValueError(f"in-context probabilities of shape {proba.shape}")


def _probe_topics(model: Any) -> None:
    mix = np.asarray(model.transform([_PROBE]))
    if mix.shape != (1, model.n_topics) or not np.isfinite(mix).all():
        raise ValueError(f"a topic mix of shape {mix.shape} with values {mix.ravel()[:5]}")


_PROBES: dict[str, Callable[[Any], None]] = {"theme-classifier": _probe_classifier, "topic-model": _probe_topics}
