"""Is a stored model sane? Checks ``load`` and ``verify`` run on the built-in kinds.

Checksums say the files are the ones written; they do not say the numbers in
them can be used. A weight array of NaN with matching checksums would load and
give every paragraph the same theme. For the kinds shipped with ecomtopics the
store therefore also checks, on every load, that the arrays are numbers of a
plain dtype and finite where they are real-valued, and that the classes are
a proper list; ``verify`` in addition scores a probe text and checks the
result (each kind's checks are set in :data:`._kinds.BUILTIN_KINDS`). Kinds
registered by others are checked only by their own ``_from_store``.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from .._errors import ModelIntegrityError
from ._kinds import BUILTIN_KINDS

__all__ = ["check_arrays", "check_model"]


def check_arrays(kind: str, arrays: Mapping[str, np.ndarray], vdir: Path, fix: str) -> None:
    """Refuse non-finite real-valued arrays of a built-in kind, naming the array file."""
    spec = BUILTIN_KINDS.get(kind)
    if spec is None or not spec.finite:
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
            raise ModelIntegrityError(
                f"{where}: dtype {array.dtype} is not a plain number or text array; {fix}"
            )


def check_model(kind: str, model: Any, vdir: Path, fix: str, *, probe: bool) -> None:
    """Check the classes of a built-in model and, with ``probe``, that it scores a text sanely."""
    spec = BUILTIN_KINDS.get(kind)
    classes = getattr(model, "classes_", None) if spec is not None and spec.has_classes else None
    if classes is not None:
        labels = list(classes)
        if (
            not labels
            or len(set(labels)) != len(labels)
            or not all(isinstance(c, str) and c for c in labels)
        ):
            raise ModelIntegrityError(
                f"{vdir / 'config.json'}: classes {labels!r:.120} are not distinct names; {fix}"
            )
    if not probe or spec is None or spec.probe is None:
        return
    try:
        spec.probe(model)
    except ModelIntegrityError:
        raise
    except Exception as exc:  # noqa: BLE001 - any failure to score means the version does not work
        raise ModelIntegrityError(
            f"{vdir}: the model loads but cannot score a probe text ({type(exc).__name__}: {exc}); {fix}"
        ) from exc
