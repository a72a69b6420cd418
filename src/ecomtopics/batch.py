"""Scoring many paragraphs: whole documents, and large streams in parallel (joblib or Dask).

Worker processes never receive pickled models or tokenizers (a jieba
tokenizer holds a lock): they load the model from its store files by
reference, once per process, and rebuild the tokenizer from its settings.
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import logging
import numbers
import os
import re
import shutil
import tempfile
import threading
import time
from collections import deque
from collections.abc import Generator, Iterable, Iterator, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np

from ._errors import InputError, InputTypeError
from ._validation import Interval, Options, check_text, check_texts, validate_params
from .text import Paragraph, clean_line, detect_language, split_paragraphs

__all__ = [
    "ClassifiedParagraph",
    "DocumentResult",
    "Prediction",
    "classify_document",
    "classify_many",
]

logger = logging.getLogger(__name__)

Backend = Literal["sequential", "loky", "dask"]


@dataclass(frozen=True)
class Prediction:
    """The theme of one paragraph with the probability of every theme."""

    label: str
    probabilities: dict[str, float]


@dataclass(frozen=True)
class ClassifiedParagraph:
    """A paragraph of a document with its theme, probabilities and all themes it discusses."""

    paragraph: Paragraph
    label: str
    probabilities: dict[str, float]
    labels: list[str]

    @property
    def text(self) -> str:
        return self.paragraph.text


@dataclass(frozen=True)
class DocumentResult:
    """A classified document.

    ``shares`` is the document's theme mix: the mean of the paragraphs'
    probabilities, each paragraph counting once (``weight="paragraph"``, the
    default) or by its length in characters (``weight="length"``), so a
    document's mix does not depend on how wordy its language is.
    """

    paragraphs: list[ClassifiedParagraph]
    shares: dict[str, float] = field(default_factory=dict)

    @property
    def label_counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for p in self.paragraphs:
            counts[p.label] = counts.get(p.label, 0) + 1
        return counts


def _resolve(model: Any, store: Any = None) -> Any:
    if model is None or isinstance(model, str):
        from .store import load_model

        name = model or "theme-classifier"
        loaded = load_model(name, store=store)
        if not hasattr(loaded, "predict_proba_and_labels") or not hasattr(loaded, "classes_"):
            kind = getattr(loaded, "_store_kind", type(loaded).__name__)
            raise InputError(f"model {name!r} is a {kind}; classifying needs a theme-classifier")
        return loaded
    if not hasattr(model, "predict_proba_and_labels") or not hasattr(model, "classes_"):
        raise InputError(
            f"model must be a fitted ThemeClassifier or a model name, got {type(model).__name__}"
        )
    return model


Weight = Literal["paragraph", "length"]


def classify_document(
    text: str | Sequence[str],
    model: Any = None,
    *,
    store: Any = None,
    threshold: float | None = None,
    context: bool = True,
    weight: Weight = "paragraph",
) -> DocumentResult:
    """Classify each paragraph of a document in the context of the others, and give the theme shares.

    Parameters
    ----------
    text : str or list of str
        The raw document, which is cleaned and split into paragraphs; or
        its paragraphs, already split (then each is cleaned but not split
        again, and there is exactly one result per paragraph, in order).
    model : ThemeClassifier or str, optional
        A fitted classifier, or the name of a stored one (default: the
        bundled ``theme-classifier``).
    threshold : float, optional
        Threshold of :meth:`~ecomtopics.ThemeClassifier.predict_labels`.
    context : bool
        Label each paragraph using the document around it
        (:meth:`~ecomtopics.ThemeClassifier.predict_proba_in_context`);
        ``False`` scores each paragraph alone, as ``predict`` does. A document
        of fewer than 4 paragraphs is always scored paragraph by paragraph: the
        context stage learnt from passages of 4 to 12 paragraphs.
    weight : {"paragraph", "length"}
        How paragraphs count in ``shares``: once each, or by length.

    Examples
    --------
    >>> result = classify_document("天猫线下门店与线上会员打通。\\n\\nService providers help merchants.")
    >>> [p.label for p in result.paragraphs]
    ['o2o', 'merchant_services']
    >>> len(classify_document(["门店 stores", "", "服务商"]).paragraphs)
    3
    """
    if weight not in ("paragraph", "length"):
        raise InputError(f"weight must be 'paragraph' or 'length', got {weight!r}")
    if isinstance(text, (bytes, bytearray)):
        check_text(text)  # the clear "decode it first" error
    clf = _resolve(model, store)
    if isinstance(text, str):
        paragraphs = split_paragraphs(text)
    else:
        paragraphs = _given_paragraphs(text)
    if not paragraphs:
        return DocumentResult([], {c: 0.0 for c in clf.classes_})
    texts = [p.text for p in paragraphs]
    if context and hasattr(clf, "predict_proba_in_context"):
        proba, labels = clf.predict_proba_and_labels(texts, threshold=threshold, in_context=True)
    else:
        proba, labels = clf.predict_proba_and_labels(
            texts, threshold=threshold
        )  # one tokenization each
    out = []
    for p, row, ls in zip(paragraphs, proba, labels):
        label = clf.classes_[int(row.argmax())]
        if label != "other" and label not in ls:  # the context moved the main theme: list it first
            ls = [label] + [t for t in ls if t != "other"]
        out.append(
            ClassifiedParagraph(p, label, {c: float(v) for c, v in zip(clf.classes_, row)}, ls)
        )
    weights = np.array([len(t) if weight == "length" else 1.0 for t in texts], dtype=np.float64)
    mix = weights @ proba / max(weights.sum(), 1.0)
    return DocumentResult(out, {c: round(float(v), 6) for c, v in zip(clf.classes_, mix)})


def _given_paragraphs(texts: Sequence[str]) -> list[Paragraph]:
    """Paragraphs a caller has already split: cleaned, never split again, one per input."""
    from .text import clean_line, detect_language

    items = check_texts(texts, name="paragraphs")
    out = []
    for i, raw in enumerate(items):
        cleaned = clean_line(raw)
        out.append(Paragraph(text=cleaned, lang=detect_language(cleaned), index=i, line=i + 1))
    return out


# -- parallel scoring ---------------------------------------------------------------------


@functools.lru_cache(maxsize=2)  # workers are reused across calls: keep the last models only
def _worker_model(ref: tuple[str, str, str]) -> Any:
    from .store import ModelStore

    root, name, version = ref
    return ModelStore(root).load(name, version)


#: What the command line writes of each record besides its theme and probabilities: every theme
#: it discusses (``predict_labels``) and its language
Details = tuple[list[list[str]], list[str]]

#: A scored batch: each paragraph's main theme, the probabilities (rows in the model's class
#: order) and, when asked for, its :data:`Details`
Scored = tuple[list[str], np.ndarray, "Details | None"]


def _labels_and_proba(model: Any, texts: list[str], details: bool = False) -> Scored:
    if details:  # probabilities and themes from one pass over the texts
        proba, discussed = model.predict_proba_and_labels(texts)
        found: Details | None = (discussed, [_record_language(t) for t in texts])
    else:
        proba, found = model.predict_proba(texts), None
    return [model.classes_[i] for i in proba.argmax(axis=1)], proba, found


def _score_batch(ref: tuple[str, str, str], texts: list[str], details: bool = False) -> Scored:
    return _labels_and_proba(_worker_model(ref), texts, details)


def _record_language(text: str) -> str:
    """The language of a record's text: ``detect_language(clean_line(text))``, the
    cleaning skipped where it cannot change the answer (ASCII text without markup or
    entities has no Han characters, and cleaning it neither adds nor removes letters:
    ``en`` when it has a Latin letter, else ``und``).

    >>> _record_language("Tmall's O2O push")
    'en'
    >>> _record_language("天猫双十一的 O2O 战略")
    'zh'
    """
    if text.isascii() and "<" not in text and "&" not in text:
        return "en" if _ASCII_LETTER.search(text) else "und"
    return detect_language(clean_line(text))


_ASCII_LETTER = re.compile("[A-Za-z]")


def _batches(texts: Iterable[str], size: int) -> Iterator[list[str]]:
    iterator = iter(texts)
    offset = 0
    while batch := list(itertools.islice(iterator, size)):
        if not all(isinstance(t, str) for t in batch):  # the error names the first bad one
            for i, t in enumerate(batch):
                check_text(t, name=f"texts[{offset + i}]")
        offset += len(batch)
        yield batch


class _Reference:
    """A store reference to the model; writes an in-memory model to a temporary store."""

    def __init__(self, model: Any) -> None:
        self.tmp: Path | None = None
        source = getattr(model, "source_", None)
        if source:
            self.ref = (source["store"], source["name"], source["version"])
            return
        from .store import ModelStore

        self.tmp = Path(tempfile.mkdtemp(prefix="ecomtopics-batch-"))
        version = ModelStore(self.tmp).save(model, "batch-model")
        self.ref = (str(self.tmp), "batch-model", version)

    def close(self) -> None:
        if self.tmp is not None:
            shutil.rmtree(self.tmp, ignore_errors=True)


def classify_many(
    texts: Iterable[str],
    model: Any = None,
    *,
    n_jobs: int = 1,
    batch_size: int = 1000,
    backend: Backend = "loky",
    client: Any = None,
    store: Any = None,
) -> Iterator[Prediction]:
    """Classify a stream of paragraphs, in order, with bounded memory.

    Parameters
    ----------
    texts : iterable of str
        Read lazily, ``batch_size`` at a time.
    model : ThemeClassifier or str, optional
        A fitted classifier or a stored model's name (default: the bundled
        ``theme-classifier``).
    n_jobs : int
        Processes that score with the ``loky`` backend, this one included
        (-1: as many as cores): ``n_jobs=2`` starts one worker process and
        scores in this process too, whenever the worker has enough to do. With
        1 (or ``backend="sequential"``) everything runs in this process.
        Workers exit when this process dies, even by ``kill -9``. The workers
        stay up between calls, each with the model loaded (a model from a
        store; a model fitted in memory is written to a temporary store and
        loaded again on every call).
    batch_size : int
        Paragraphs per task.
    backend : {"sequential", "loky", "dask"}
        ``loky`` uses joblib processes on this machine; ``dask`` sends batches
        to a ``dask.distributed`` cluster (``client``, or the current one).
        Workers load the model from its store folder (an in-memory model is
        first saved to a temporary one), so on a multi-machine cluster that
        folder must be reachable from every worker.
    client : dask.distributed.Client, optional

    Returns
    -------
    iterator of Prediction
        In the order of ``texts``. The arguments and the model are checked
        when ``classify_many`` is called; the texts as they are read.

    Examples
    --------
    >>> [p.label for p in classify_many(["天猫线下门店", "服务商培训商家"], n_jobs=1)]
    ['o2o', 'merchant_services']
    """
    if isinstance(texts, (str, bytes)):
        raise InputTypeError(
            "texts must be an iterable of str, not a single string; wrap it in a list"
        )
    validate_params(
        {"batch_size": batch_size, "backend": backend}, _MANY_CONSTRAINTS, "classify_many"
    )
    if backend == "loky":
        _n_processes(n_jobs)
    clf = _resolve(model, store)
    return _classify_stream(texts, clf, n_jobs, int(batch_size), backend, client)


_MANY_CONSTRAINTS: dict[str, list[Any]] = {
    "batch_size": [Interval("int", 1, None)],
    "backend": [Options({"sequential", "loky", "dask"})],
}


def _classify_stream(
    texts: Iterable[str], clf: Any, n_jobs: int, batch_size: int, backend: str, client: Any
) -> Iterator[Prediction]:
    """The generator behind :func:`classify_many` (its arguments checked): each batch's labels
    and probabilities, from this process or the workers, become one Prediction a paragraph
    here (one loop, no generator in between: it is this process's share of the work)."""
    classes = list(clf.classes_)
    with contextlib.closing(
        _scored_batches(texts, clf, n_jobs, batch_size, backend, client)
    ) as results:
        for labels, proba, _ in results:
            for label, row in zip(labels, proba.tolist()):  # one conversion for the batch
                yield Prediction(label, dict(zip(classes, row)))


def _scored_batches(
    texts: Iterable[str],
    clf: Any,
    n_jobs: int,
    batch_size: int,
    backend: str,
    client: Any = None,
    details: bool = False,
) -> Generator[Scored, None, None]:
    """Each batch of ``texts`` scored, in order: here, on loky workers or on Dask.

    The arguments are those of :func:`classify_many`, checked; ``details``
    adds each paragraph's :data:`Details` (the command line writes them).
    """
    reference = None
    results: Generator[Scored, None, None] | None = None
    try:
        if backend == "sequential" or (backend == "loky" and _n_processes(n_jobs) == 1):
            results = (
                _labels_and_proba(clf, batch, details) for batch in _batches(texts, batch_size)
            )
        else:
            reference = _Reference(clf)
            if backend == "loky":
                results = _loky_map(clf, reference.ref, texts, batch_size, n_jobs, details)
            else:
                results = _dask_map(reference.ref, texts, batch_size, client, details)
        yield from results
    finally:
        if results is not None:
            results.close()  # cancels the batches still in flight, before their store goes
        if reference is not None:
            reference.close()


def _watch_parent(interval: float = 0.5) -> None:
    """Worker initializer: exit as soon as the process that started this worker is gone.

    A parent killed with ``kill -9`` cannot stop its workers, and loky's idle
    workers would wait for tasks for minutes: a daemon thread checks the
    parent every ``interval`` seconds (an orphan is re-parented, so its
    parent id changes) and ends the worker.
    """
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(interval)
        os._exit(1)

    threading.Thread(target=watch, name="ecomtopics-parent-watch", daemon=True).start()


def _n_processes(n_jobs: int) -> int:
    """Processes that score for ``n_jobs``, this one included (joblib's convention: -1 all
    cores, -2 all but one, ...)."""
    from joblib import cpu_count

    if isinstance(n_jobs, (bool, np.bool_)) or not isinstance(n_jobs, numbers.Integral):
        raise InputTypeError(f"n_jobs must be an int, got {type(n_jobs).__name__}: {n_jobs!r:.40}")
    n_jobs = int(n_jobs)
    n = n_jobs if n_jobs > 0 else cpu_count() + 1 + n_jobs
    if n_jobs == 0 or n < 1:
        raise InputError(
            f"n_jobs must be a positive number of processes or -1 (all cores), got {n_jobs!r}"
        )
    return n


def _pool(n: int) -> Any:
    """The pool of ``n`` loky workers: joblib's shared executor, kept between calls.

    A worker loads each model once (:func:`_worker_model`) and keeps it, so a
    second call with the same ``n`` finds the workers up and the model loaded.
    """
    from joblib.executor import get_memmapping_executor

    # as joblib does, no oversubscribed BLAS: this process scores too
    threads = str(max(1, (os.cpu_count() or 1) // (n + 1)))
    env = {var: threads for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")}
    executor = get_memmapping_executor(n, initializer=_watch_parent, env=env)
    _widen_pipes(executor)
    return executor


#: Room asked for in each of the pool's pipes: a batch of 2,000 paragraphs is about 0.5 MB of
#: text one way and 80 kB of probabilities the other
_PIPE_BYTES = 1 << 20


def _widen_pipes(executor: Any) -> None:
    """Give the pool's task and result pipes room for whole batches (Linux; best effort).

    A pipe holds 64 kB by default, so a batch passes only while the other
    side reads it; on this side the reading and writing are done by the
    executor's threads, which need the GIL, and scoring here holds the GIL
    for milliseconds at a time. A worker would sit idle, its next batch half
    sent or its last result half read. With room for whole batches both
    sides write and go on. Elsewhere, or where the pipes are not reachable
    (loky's own attributes, or a system limit), the pipes stay as they are:
    the results are the same, only slower.
    """
    try:
        import fcntl

        setsize = fcntl.F_SETPIPE_SZ  # Linux only
        ends = (executor._call_queue._writer, executor._result_queue._reader)
        for end in ends:
            fcntl.fcntl(end.fileno(), setsize, _PIPE_BYTES)
    except (ImportError, AttributeError, OSError, ValueError) as exc:
        logger.debug("the worker pool's pipes keep their size: %s", exc)


#: Batches a worker holds at once: one it scores and two waiting in its pipe, so it never waits
#: for this process, which hands batches on only between batches of its own
_WORKER_DEPTH = 3

#: Results scored here that may wait for an earlier batch still on a worker (a worker that is
#: starting takes a second or more): small arrays, so memory stays bounded
_HELD_RESULTS = 16


def _loky_map(
    clf: Any,
    ref: tuple[str, str, str],
    texts: Iterable[str],
    batch_size: int,
    n_jobs: int,
    details: bool = False,
) -> Generator[Scored, None, None]:
    """Score batches in this process and on ``n_jobs - 1`` loky workers; results in stream order.

    ``n_jobs`` counts the processes that score, this one included: a batch
    goes to the workers while they hold fewer than :data:`_WORKER_DEPTH`
    each, and is scored here otherwise. This process also turns every
    result into :class:`Prediction` objects, so the split follows the
    queue: on two cores, two processes score and neither waits for the
    other (two workers beside this process would share two cores three
    ways). Until a worker has returned a batch in this call (it may still be
    starting), each gets one; the stream is read :data:`_WORKER_DEPTH`
    batches ahead, and once its end is in sight the last batches are scored
    here unless a worker is idle, so that both sides finish together.

    The executor is joblib's shared one (what ``joblib.Parallel`` uses, so the
    two can follow each other in one process), started with
    :func:`_watch_parent` in every worker.
    """
    workers = _n_processes(n_jobs) - 1
    executor = _pool(workers)
    batches = _batches(texts, batch_size)
    ahead = deque(itertools.islice(batches, _WORKER_DEPTH))
    pending: deque[Any] = deque()  # futures, and results scored here, in stream order
    warm = False  # a worker has returned a batch in this call
    try:
        while ahead:
            batch = ahead.popleft()
            following = next(batches, None)
            if following is not None:
                ahead.append(following)
            futures = [item for item in pending if isinstance(item, Future)]
            queued = sum(1 for f in futures if not f.done())
            warm = warm or queued < len(futures)
            room = _WORKER_DEPTH * workers if warm and following is not None else workers
            if queued < room:
                pending.append(executor.submit(_score_batch, ref, batch, details))
            else:
                pending.append(_labels_and_proba(clf, batch, details))
            # hand on what is ready; wait only when much is held (memory stays bounded)
            while pending and (
                not isinstance(pending[0], Future)
                or pending[0].done()
                or len(pending) > _WORKER_DEPTH * workers + _HELD_RESULTS
            ):
                item = pending.popleft()
                warm = warm or isinstance(item, Future)
                yield _result(item)
        while pending:
            yield _result(pending.popleft())
    finally:
        for item in pending:  # the caller stopped early, or a batch failed
            if isinstance(item, Future):
                item.cancel()


def _result(item: Any) -> Scored:
    return item.result() if isinstance(item, Future) else item


def _dask_map(
    ref: tuple[str, str, str],
    texts: Iterable[str],
    batch_size: int,
    client: Any,
    details: bool = False,
) -> Generator[Scored, None, None]:
    try:
        from dask.distributed import default_client
    except ImportError:  # pragma: no cover - depends on the environment
        raise ImportError(
            'the dask backend needs dask.distributed: pip install "ecomtopics[dask]"'
        ) from None
    if client is None:
        try:
            client = default_client()
        except ValueError:
            raise InputError(
                "backend='dask' needs a dask.distributed Client: pass client=... or create one first"
            ) from None
    window = max(2, 2 * len(client.scheduler_info().get("workers", {})))
    pending: list[Any] = []
    for batch in _batches(texts, batch_size):
        pending.append(client.submit(_score_batch, ref, batch, details, pure=False))
        if len(pending) >= window:
            yield pending.pop(0).result()
    for future in pending:
        yield future.result()
