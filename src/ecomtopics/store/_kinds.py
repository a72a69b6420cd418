"""Model kinds: the one table of built-in kinds, the registry, and the storable protocol.

A stored version names its ``kind`` in the manifest; the class that rebuilds
it is found through the registry here (:func:`register_kind`, or an
``ecomtopics.model_kinds`` entry point), never from anything importable named
by the files themselves.

:data:`BUILTIN_KINDS` is the only place the kinds shipped with ecomtopics are
listed: their class, what their model card says about them, the sanity checks
the store runs on them (:mod:`._sanity`), and which ones a retraining job
trains (:mod:`ecomtopics.jobs`, ``ecomtopics train``). This module imports no
heavy library, so the command line can read the table while it builds its parser.
"""

from __future__ import annotations

import importlib
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, Self, runtime_checkable

from .._errors import InputError, ModelIntegrityError

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np

__all__ = [
    "BUILTIN_KINDS",
    "NAME_RE",
    "ENTRY_POINT_GROUP",
    "JOB_KINDS",
    "KindSpec",
    "StorableModel",
    "check_format_attr",
    "entry_point_kinds",
    "is_registered",
    "register_kind",
    "registered_kinds",
    "resolve_kind",
]

logger = logging.getLogger(__name__)

#: Entry-point group through which installed packages can add model kinds.
ENTRY_POINT_GROUP = "ecomtopics.model_kinds"

#: Model names and kind names: lowercase letters, digits, '.', '_', '-'.
NAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")

_PROBE = "天猫线下门店与服务商合作, Tmall merchants open stores in small towns."


def _probe_classifier(model: Any) -> None:
    import numpy as np

    proba = np.asarray(model.predict_proba([_PROBE]))
    if (
        proba.shape != (1, len(model.classes_))
        or not np.isfinite(proba).all()
        or abs(proba.sum() - 1) > 1e-6
    ):
        raise ValueError(f"probabilities of shape {proba.shape} summing to {proba.sum():.4g}")
    if getattr(model, "context_coef_", None) is not None:  # the context stage scores a document too
        document = [_PROBE, "", _PROBE.upper(), _PROBE[::-1]]  # long enough for the stage to run
        proba = np.asarray(model.predict_proba_in_context(document))
        if (
            proba.shape != (len(document), len(model.classes_))
            or not np.isfinite(proba).all()
            or np.abs(proba.sum(axis=1) - 1).max() > 1e-6
        ):
            raise ValueError(f"in-context probabilities of shape {proba.shape}")


def _probe_topics(model: Any) -> None:
    import numpy as np

    mix = np.asarray(model.transform([_PROBE]))
    if mix.shape != (1, model.n_topics) or not np.isfinite(mix).all():
        raise ValueError(f"a topic mix of shape {mix.shape} with values {mix.ravel()[:5]}")


@dataclass(frozen=True)
class KindSpec:
    """What ecomtopics knows about one built-in model kind.

    Attributes
    ----------
    cls : str
        ``"module:ClassName"`` of the class, imported only when that kind is loaded.
    what, use : str
        The model card's "What it is" and "Intended use".
    finite : bool
        Loading refuses a version whose real-valued arrays hold NaN or infinity.
    probe : callable, optional
        ``verify`` scores a probe text with it; it raises if the result is not sane.
    has_classes : bool
        Loading checks that ``classes_`` are distinct, non-empty names.
    job_metric : str, optional
        The default metric deciding promotion in a retraining job; None: no
        retraining job trains this kind.
    results : tuple of (label, dotted metric path)
        The short results table that opens the model card (rows whose metric
        a version lacks are left out).
    """

    cls: str
    what: str
    use: str
    finite: bool = True
    probe: Callable[[Any], None] | None = None
    has_classes: bool = False
    job_metric: str | None = None
    results: tuple[tuple[str, str], ...] = ()


#: The kinds shipped with ecomtopics, the only place they are listed.
BUILTIN_KINDS: dict[str, KindSpec] = {
    "theme-classifier": KindSpec(
        cls="ecomtopics.classify:ThemeClassifier",
        what="A classifier that labels paragraphs with a theme (operations, o2o, channel, "
        "merchant_services or other), with probabilities and the terms behind each label.",
        use="Labelling paragraphs of reports, articles and notes about Chinese e-commerce "
        "platforms (Tmall, Taobao, Alibaba and their merchants) by theme.",
        probe=_probe_classifier,
        has_classes=True,
        job_metric="gold.model.macro_f1",
        results=(
            ("Real text (seed gold set), macro-F1, in context", "gold.model.macro_f1"),
            ("Real text, macro-F1 95% interval", "gold.model.macro_f1_ci"),
            ("Real text, macro-F1, each paragraph alone", "gold_alone.model.macro_f1"),
            ("Real text, plain scikit-learn baseline", "gold.plain_sklearn.macro_f1"),
            ("Grouped cross-validation, macro-F1, in context", "grouped_cv.in_context.macro_f1"),
            ("Held-out split, macro-F1", "holdout.model.macro_f1"),
            ("Real text, calibration error (ECE)", "gold.model.ece"),
        ),
    ),
    "topic-model": KindSpec(
        cls="ecomtopics.topics:TopicModel",
        what="An LDA topic model: topics as weighted terms and, for each document, its mix of topics.",
        use="Exploring what a collection of texts about Chinese e-commerce platforms is about.",
        probe=_probe_topics,
        job_metric="coherence.c_v",
        results=(
            ("Topics", "select_n_topics.best"),
            ("Coherence c_v", "coherence.c_v"),
            ("Coherence c_v, plain gensim baseline", "plain_gensim.c_v"),
            ("Coherence c_v, English", "coherence_by_language.en"),
            ("Coherence c_v, Chinese", "coherence_by_language.zh"),
            ("Parallel pairs: paired / unrelated distance ratio", "parallel.ratio"),
        ),
    ),
    "tfidf": KindSpec(
        cls="ecomtopics.features:Tfidf",
        what="A TF-IDF vectorizer over the ecomtopics bilingual tokenizer.",
        use="Keywords and document vectors for texts about Chinese e-commerce platforms.",
    ),
}

#: The kinds a retraining job trains, in table order.
JOB_KINDS: tuple[str, ...] = tuple(kind for kind, spec in BUILTIN_KINDS.items() if spec.job_metric)

# kind -> "module:ClassName" (imported only when that kind is loaded) or the class itself
_KINDS: dict[str, str | type] = {kind: spec.cls for kind, spec in BUILTIN_KINDS.items()}


# --------------------------------------------------------------------------- protocol


@runtime_checkable
class StorableModel(Protocol):
    """What a model class implements to be saved in a :class:`ModelStore`.

    Attributes
    ----------
    _store_kind : str
        Kind name, e.g. ``"theme-classifier"``; must be registered with
        :func:`register_kind` (the built-in kinds are pre-registered).
    _store_format : int
        Version of this kind's ``config``/``arrays`` layout, starting at 1.
        Bump it when the layout changes; the store then refuses to load a
        newer format with older code. A class that still reads older formats
        must tell them apart from ``config`` itself.

    Methods
    -------
    _to_store()
        Return ``(config, arrays)``: a JSON-able dict (str keys; str, int,
        float, bool, None, lists and dicts) and a dict of name -> numpy array
        (no object dtype). The same model must give the same output, so the
        stored files are byte-identical. A model that reads other files (the
        built-in kinds: the lexicons they were trained with) returns
        ``(config, arrays, files)``, ``files`` a dict of relative path ->
        bytes; the manifest lists them as ``model_files``. The model reports
        its own provenance (e.g. lexicon hashes) in ``config``.
    _from_store(config, arrays[, files])
        Class method rebuilding the model from what ``_to_store`` returned;
        ``files`` is passed when the version has model files.
    _check_stored_without_files(manifest, where)
        Optional class method, called before ``_from_store(config, arrays)``
        for a version saved without model files (store format 1): raise
        :class:`ModelIntegrityError` if the model cannot be rebuilt faithfully.

    Examples
    --------
    >>> import numpy as np
    >>> class Scale:
    ...     _store_kind = "doc-scale"
    ...     _store_format = 1
    ...     def __init__(self, factor=1.0):
    ...         self.factor = factor
    ...     def _to_store(self):
    ...         return {"factor": self.factor}, {"ones": np.ones(2)}
    ...     @classmethod
    ...     def _from_store(cls, config, arrays):
    ...         return cls(config["factor"])
    >>> isinstance(Scale(), StorableModel)
    True
    """

    _store_kind: ClassVar[str]
    _store_format: ClassVar[int]

    def _to_store(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]: ...

    @classmethod
    def _from_store(cls, config: dict[str, Any], arrays: dict[str, np.ndarray]) -> Self: ...


def register_kind(kind: str, cls: type | str) -> None:
    """Register the class that stores and loads models of ``kind``.

    Parameters
    ----------
    kind : str
        Kind name as written in manifests, e.g. ``"theme-classifier"``.
    cls : type or str
        The class (implementing :class:`StorableModel`), or a lazy
        ``"module:ClassName"`` string imported only when that kind is loaded.

    Installed packages can also declare kinds as entry points in the group
    ``ecomtopics.model_kinds`` (``kind = "module:ClassName"``), which makes
    them known to every process, including the ``ecomtopics`` command line.

    Examples
    --------
    >>> class Dummy:
    ...     _store_kind = "doc-dummy"
    ...     _store_format = 1
    >>> register_kind("doc-dummy", Dummy)
    >>> "doc-dummy" in registered_kinds()
    True
    """
    if not isinstance(kind, str) or not NAME_RE.fullmatch(kind):
        raise InputError(
            f"model kind must be lowercase letters, digits, '.', '_' or '-' "
            f"(at most 64, starting with a letter or digit), got {kind!r}"
        )
    if isinstance(cls, str):
        if cls.count(":") != 1 or not all(cls.split(":")):
            raise InputError(f"a lazy model class must be written 'module:ClassName', got {cls!r}")
    elif isinstance(cls, type):
        declared = getattr(cls, "_store_kind", None)
        if declared != kind:
            raise InputError(
                f"cannot register {cls.__qualname__} as kind {kind!r}: its _store_kind is "
                f"{declared!r}; saved models record _store_kind, so the two must match"
            )
        check_format_attr(cls)
    else:
        raise InputError(
            f"cls must be a class or a 'module:ClassName' string, got {type(cls).__name__}"
        )
    previous = _KINDS.get(kind)
    if previous is not None and previous is not cls:
        logger.debug("model kind %r re-registered: %r -> %r", kind, previous, cls)
    _KINDS[kind] = cls


def registered_kinds() -> dict[str, str]:
    """Return the known kinds as ``{kind: "module:ClassName"}`` (without importing them).

    Examples
    --------
    >>> registered_kinds()["theme-classifier"]
    'ecomtopics.classify:ThemeClassifier'
    """
    out = {kind: _describe_cls(target) for kind, target in entry_point_kinds().items()}
    out.update({kind: _describe_cls(target) for kind, target in _KINDS.items()})
    return dict(sorted(out.items()))


def _describe_cls(target: str | type) -> str:
    return target if isinstance(target, str) else f"{target.__module__}:{target.__qualname__}"


def entry_point_kinds() -> dict[str, str]:
    import importlib.metadata  # only for kinds the built-in registry lacks (slow to import)

    try:
        eps = importlib.metadata.entry_points(group=ENTRY_POINT_GROUP)
    except Exception:  # pragma: no cover - a broken installed distribution
        logger.debug("could not read entry points of %s", ENTRY_POINT_GROUP, exc_info=True)
        return {}
    return {ep.name: ep.value for ep in eps}


def is_registered(kind: str) -> bool:
    """Whether ``kind`` can be loaded again: registered here or declared by an entry point."""
    return kind in _KINDS or kind in entry_point_kinds()


def check_format_attr(cls: type) -> int:
    fmt = getattr(cls, "_store_format", None)
    if not isinstance(fmt, int) or isinstance(fmt, bool) or fmt < 1:
        raise InputError(f"{cls.__qualname__}._store_format must be an int >= 1, got {fmt!r}")
    return fmt


def resolve_kind(kind: str, where: Path) -> type[Any]:
    """Return the class for ``kind``; ModelIntegrityError naming ``where`` if unknown."""
    target: str | type | None = _KINDS.get(kind)
    if target is None:
        target = entry_point_kinds().get(kind)
    if target is None:
        known = ", ".join(sorted(registered_kinds())) or "none"
        raise ModelIntegrityError(
            f"{where}: unknown model kind {kind!r} (known kinds: {known}); the model was saved "
            f"by code this installation lacks: upgrade ecomtopics or install the package that "
            f"provides the kind (or register it with ecomtopics.register_kind)"
        )
    if isinstance(target, type):
        return target
    module_name, _, attr = target.partition(":")
    try:
        cls = getattr(importlib.import_module(module_name), attr)
    except (ImportError, AttributeError) as exc:
        raise ModelIntegrityError(
            f"{where}: model kind {kind!r} needs {target}, which cannot be imported "
            f"({type(exc).__name__}: {exc}); upgrade or reinstall ecomtopics"
        ) from exc
    if not isinstance(cls, type):
        raise ModelIntegrityError(
            f"{where}: {target} for model kind {kind!r} is not a class; upgrade ecomtopics"
        )
    return cls
