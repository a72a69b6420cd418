"""Retraining jobs: read labelled data, train with a fixed seed, evaluate, save, promote if better.

A job is described by a :class:`JobConfig` (or a TOML file, see
``jobs/*.toml``). Running it trains the model, evaluates it on a held-out split
of the training data and on the real-text gold set, writes a new version with
its metrics and an evaluation report (``report.json``, ``report.md``) into the
store, and promotes that version only if it is not worse than the promoted one
on the job's metric, both scored in this run on the same evaluation rows, and
has the same classes (see :mod:`ecomtopics._promotion`; ``promote="force"``
always promotes). Same data, config and seed give identical model files.
"""

from __future__ import annotations

import json
import logging
import tomllib
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

from ._errors import InputError, InputTypeError
from ._job_kinds import classifier_job, topic_job
from ._promotion import Evaluation, decide, normalized_text
from ._themes import THEMES
from .data import LabelledParagraph, dataset_hash, read_labelled, summarize
from .store import ModelStore
from .store._kinds import BUILTIN_KINDS

__all__ = ["JobConfig", "JobResult", "load_job_config", "run_job"]

logger = logging.getLogger(__name__)

#: A kind that retraining jobs train: one of ``store._kinds.JOB_KINDS``.
ModelKind = str
Promote = Literal["if-better", "force", "never"]

_DEFAULT_METRIC = {kind: spec.job_metric for kind, spec in BUILTIN_KINDS.items() if spec.job_metric}


@dataclass
class JobConfig:
    """What a retraining job does.

    Attributes
    ----------
    model : {"theme-classifier", "topic-model"}
        The kind of model to train.
    data : list of str
        Labelled training data (JSON Lines files or folders).
    gold : list of str
        Real-text gold set for evaluation (may be empty).
    name : str
        Name in the model store (default: the kind).
    params : dict
        Parameters of the model.
    random_state : int
        Seeds the model and the held-out split.
    holdout : float
        Share of the training data held out for evaluation.
    include_gold_in_final : bool
        Train the shipped model on data + gold (evaluation always uses a
        model that never saw the gold set).
    metric : str
        Dotted path into the metrics deciding promotion (higher is better).
    on_bad_row : {"fail", "skip"}
        A bad data row stops the job (naming file and line) or is skipped
        with a warning.
    select_n_topics : list of int
        Topic model only: candidates for :func:`~ecomtopics.select_n_topics`
        (reported; empty to skip).
    grouped_cv : int
        Theme classifier only: folds of a cross-validation that holds out
        whole source pages of the passage rows (rows with ``doc``), scored
        alone and in context against a plain character n-gram baseline
        (0 to skip; see :func:`~ecomtopics.crossval.grouped_cross_validation`).
    n_resamples : int
        Bootstrap resamples of the confidence intervals.
    parallel : str
        Topic model only: JSON Lines of paragraph pairs (``zh``, ``en``: the
        same content in both languages), scored by
        :func:`~ecomtopics.topics.parallel_divergence` (empty to skip).
    """

    model: ModelKind
    data: list[str]
    gold: list[str] = field(default_factory=list)
    name: str = ""
    params: dict[str, Any] = field(default_factory=dict)
    random_state: int = 0
    holdout: float = 0.2
    include_gold_in_final: bool = True
    metric: str = ""
    on_bad_row: Literal["fail", "skip"] = "fail"
    select_n_topics: list[int] = field(default_factory=list)
    grouped_cv: int = 0
    n_resamples: int = 2000
    parallel: str = ""

    def __post_init__(self) -> None:
        if self.model not in _DEFAULT_METRIC:
            raise InputError(f"model must be one of {sorted(_DEFAULT_METRIC)}, got {self.model!r}")
        for key in ("data", "gold", "select_n_topics"):
            if not isinstance(getattr(self, key), list):
                raise InputTypeError(
                    f"{key} must be a list, got {type(getattr(self, key)).__name__}: "
                    f"{getattr(self, key)!r:.60}"
                )
        if not self.data:
            raise InputError("a job needs at least one data path")
        if not 0.0 < self.holdout < 0.9:
            raise InputError(f"holdout must be between 0 and 0.9, got {self.holdout!r}")
        if self.on_bad_row not in ("fail", "skip"):
            raise InputError(f"on_bad_row must be 'fail' or 'skip', got {self.on_bad_row!r}")
        if (
            isinstance(self.grouped_cv, bool)
            or not isinstance(self.grouped_cv, int)
            or self.grouped_cv < 0
            or self.grouped_cv == 1
        ):
            raise InputError(
                f"grouped_cv must be 0 (off) or an integer >= 2, got {self.grouped_cv!r}"
            )
        if (
            isinstance(self.n_resamples, bool)
            or not isinstance(self.n_resamples, int)
            or self.n_resamples < 10
        ):
            raise InputError(f"n_resamples must be an integer >= 10, got {self.n_resamples!r}")
        self.name = self.name or self.model
        self.metric = self.metric or _DEFAULT_METRIC[self.model]
        if self.model == "theme-classifier" and not self.gold and self.metric.startswith("gold."):
            self.metric = "holdout.model.macro_f1"


def load_job_config(path: str | Path, **overrides: Any) -> JobConfig:
    """Read a job from TOML: top-level keys of :class:`JobConfig`, ``[params]`` for the model.

    Relative data paths are taken relative to the TOML file's folder.
    """
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"{path}: no such job file") from None
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{path}: not valid TOML: {exc}") from None
    known = set(JobConfig.__dataclass_fields__)
    unknown = sorted(set(raw) - known)
    if unknown:
        raise InputError(f"{path}: unknown key(s) {unknown}; allowed: {sorted(known)}")
    for key in ("data", "gold"):
        if key in raw:
            raw[key] = [
                str((path.parent / p).resolve()) if not Path(p).is_absolute() else p
                for p in raw[key]
            ]
    if raw.get("parallel") and not Path(raw["parallel"]).is_absolute():
        raw["parallel"] = str((path.parent / raw["parallel"]).resolve())
    raw.update({k: v for k, v in overrides.items() if v is not None})
    try:
        return JobConfig(**raw)
    except TypeError as exc:
        raise InputError(f"{path}: {exc}") from None


@dataclass
class JobResult:
    """What a job did: the new version, its metrics, and whether it was promoted.

    ``value`` is this run's metric on its whole evaluation set. The promotion
    compared ``compared_value`` (this run) with ``previous_value`` (the
    promoted version), both on the same ``compared_on`` rows; ``reason`` says
    why it promoted or not.
    """

    name: str
    version: str
    metric: str
    value: float | None
    previous: str | None
    previous_value: float | None
    promoted: bool
    metrics: dict[str, Any]
    report_markdown: str
    reason: str = ""
    compared_value: float | None = None
    compared_on: int | None = None

    def summary(self) -> str:
        verdict = "promoted" if self.promoted else "not promoted"
        value = f"{self.value:.4f}" if self.value is not None else "n/a"
        why = f" ({self.reason})" if self.reason else ""
        return f"{self.name} {self.version}: {self.metric} = {value}; {verdict}{why}"


#: Detail left out of the manifest's metrics (it stays in the version's ``report.json``).
_DETAIL_KEYS = frozenset({"gold_predictions", "predictions", "per_class", "confusion", "topics"})


def headline_metrics(metrics: Any) -> Any:
    """The metrics a manifest keeps: no per-row predictions, per-class tables or lists of records.

    Everything else (and all of it) is in the version's ``report.json``.

    >>> headline_metrics({"gold": {"macro_f1": 0.7, "per_class": {}}, "gold_predictions": [{}]})
    {'gold': {'macro_f1': 0.7}}
    """
    if isinstance(metrics, dict):
        return {
            k: headline_metrics(v)
            for k, v in metrics.items()
            if k not in _DETAIL_KEYS
            and not (isinstance(v, list) and any(isinstance(item, dict) for item in v))
        }
    return metrics


def _metric(metrics: dict[str, Any], dotted: str) -> float | None:
    node: Any = metrics
    for part in dotted.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return float(node) if isinstance(node, (int, float)) else None


def run_job(
    config: JobConfig,
    store: ModelStore | str | Path,
    *,
    promote: Promote = "if-better",
) -> JobResult:
    """Train, evaluate, save a new version and promote it if it is not worse.

    Parameters
    ----------
    config : JobConfig
    store : ModelStore or path
    promote : {"if-better", "force", "never"}
    """
    store = store if isinstance(store, ModelStore) else ModelStore(store)
    if promote not in ("if-better", "force", "never"):
        raise InputError(f"promote must be 'if-better', 'force' or 'never', got {promote!r}")
    on_error: Literal["raise", "skip"] = "skip" if config.on_bad_row == "skip" else "raise"
    rows = read_labelled(config.data, on_error=on_error)
    gold = read_labelled(config.gold, on_error=on_error) if config.gold else []
    gold_ids = {r.id for r in gold}
    rows = [
        r for r in rows if r.id not in gold_ids
    ]  # a folder may hold both: gold never trains the evaluated model
    logger.info("job %s: %d training rows, %d gold rows", config.name, len(rows), len(gold))
    _warn_about_data(config, rows, gold)
    evaluations: dict[str, Evaluation] = {}
    if config.model == "theme-classifier":
        model, metrics, report = classifier_job(config, rows, gold, evaluations)
    else:
        model, metrics, report = topic_job(config, rows, gold)

    final_rows = rows + gold if config.include_gold_in_final else rows
    summary = summarize(final_rows)
    training_data = {
        "sha256": dataset_hash(final_rows),
        "rows": len(final_rows),
        "by_label": summary["by_label"],
        "by_lang": summary["by_lang"],
        # relative to the folder holding the store (the repository for the bundled one), not to where it ran
        "paths": [
            _shown_path(p, (Path(store.root).parent, Path.cwd())) for p in config.data + config.gold
        ],
    }
    params = {
        "job": {k: v for k, v in asdict(config).items() if k not in ("data", "gold", "parallel")}
    }
    version = store.save(
        model,
        config.name,
        metrics=headline_metrics(metrics),
        params=params,
        training_data=training_data,
        files={
            "report.json": json.dumps(metrics, indent=2, sort_keys=True, ensure_ascii=False) + "\n",
            "report.md": report,
            "training_ids.txt": "".join(f"{i}\n" for i in sorted(r.id for r in final_rows)),
        },
        description=f"{config.model} trained by a retraining job on {len(final_rows)} labelled paragraphs",
    )
    value = _metric(metrics, config.metric)
    previous = store.promoted(config.name)
    texts = [r.text for r in rows + gold] if config.model == "topic-model" else []
    verdict = (
        decide(store, config.name, config.metric, model, evaluations, texts)
        if previous and promote != "never"
        else None
    )
    if promote == "force":
        do_promote, reason = True, "forced"
        if verdict is not None and not verdict.promote:
            logger.warning(
                "promoting %s %s although the gate would not: %s",
                config.name,
                version,
                verdict.reason,
            )
    elif promote == "never":
        do_promote, reason = False, "promotion turned off"
    elif value is None:
        do_promote, reason = False, f"this run has no value of {config.metric}"
    elif verdict is None:
        do_promote, reason = True, "no version was promoted yet"
    else:
        do_promote, reason = verdict.promote, verdict.reason
    if not do_promote and promote == "if-better":
        logger.warning("%s %s not promoted: %s", config.name, version, reason)
    if do_promote:
        store.promote(config.name, version)
    result = JobResult(
        config.name,
        version,
        config.metric,
        value,
        previous,
        verdict.previous_value if verdict else None,
        do_promote,
        metrics,
        report,
        reason,
        verdict.value if verdict else None,
        verdict.compared_on if verdict else None,
    )
    logger.debug(result.summary())
    return result


def _warn_about_data(
    config: JobConfig, rows: Sequence[LabelledParagraph], gold: Sequence[LabelledParagraph]
) -> None:
    """Warn about duplicate texts and, for a classifier, themes without any row."""
    first: dict[str, str] = {}
    duplicates: list[tuple[str, str]] = []
    for row in [*rows, *gold]:
        key = normalized_text(row.text)
        if key in first:
            duplicates.append((first[key], row.id))
        else:
            first[key] = row.id
    if duplicates:
        shown = ", ".join(f"{a} = {b}" for a, b in duplicates[:5]) + (
            ", ..." if len(duplicates) > 5 else ""
        )
        logger.warning(
            "job %s: %d row(s) repeat the text of another row (%s); duplicates inflate evaluation "
            "scores and weigh those texts more",
            config.name,
            len(duplicates),
            shown,
        )
    if config.model == "theme-classifier":
        missing = [t for t in THEMES if t not in {r.label for r in rows}]
        if missing:
            logger.warning(
                "job %s: no training row has the theme(s) %s: the model cannot predict them "
                "(it will not be promoted over a version that can)",
                config.name,
                ", ".join(missing),
            )


def _shown_path(path: str | Path, bases: Sequence[Path]) -> str:
    """``path`` relative to the first of ``bases`` that holds it (cards name no machine's folders).

    >>> _shown_path("/repo/data/authored", [Path("/elsewhere"), Path("/repo")])
    'data/authored'
    """
    resolved = Path(path).resolve()
    for base in bases:
        try:
            return resolved.relative_to(Path(base).resolve()).as_posix()
        except ValueError:
            continue
    return str(path)
