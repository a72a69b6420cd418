"""The body of a retraining job for each kind it trains: fit, evaluate, and write the report.

:func:`~ecomtopics.jobs.run_job` reads the data and calls the function of its
kind here; each returns the trained model, its metrics and a Markdown report,
and the job saves and promotes them.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ._errors import InputError
from ._promotion import Evaluation, normalized_text

if TYPE_CHECKING:  # pragma: no cover - for type checkers only
    from .data import LabelledParagraph
    from .jobs import JobConfig

__all__ = ["classifier_job", "topic_job"]

# the job's records, under the logger they always had
logger = logging.getLogger("ecomtopics.jobs")


def _progress(total: int, desc: str) -> Any:
    from tqdm.auto import tqdm

    return tqdm(total=total, desc=desc, disable=None, leave=False)


def _split(rows: Sequence[LabelledParagraph], holdout: float, seed: int) -> tuple[list, list]:
    """Stratified held-out split in which copies of a text never fall on both sides.

    Rows repeating a text (white space and case aside) are split as one: all
    copies train, or the first one alone is held out. Copies on both sides
    would score the model on text it learnt word for word (120 rows copied four
    times scored a perfect, meaningless 1.0). Without duplicates this is the
    plain stratified split.
    """
    from sklearn.model_selection import train_test_split

    copies: dict[str, list[LabelledParagraph]] = {}
    for row in rows:
        copies.setdefault(normalized_text(row.text), []).append(row)
    unique = [group[0] for group in copies.values()]
    strata = [f"{r.label}/{r.lang}" for r in unique]
    train, test = train_test_split(unique, test_size=holdout, random_state=seed, stratify=strata)
    if len(unique) < len(rows):
        train = [copy for first in train for copy in copies[normalized_text(first.text)]]
        logger.warning(
            "held-out split: %d rows repeat another row's text; each text is held out or trained on "
            "as one, and held out once",
            len(rows) - len(unique),
        )
    return train, test


def classifier_job(
    config: JobConfig,
    rows: list[LabelledParagraph],
    gold: list[LabelledParagraph],
    evaluations: dict[str, Evaluation],
) -> tuple[Any, dict[str, Any], str]:
    """Theme classifier: grouped CV (if asked), held-out split, gold set, transfer; fills ``evaluations``."""
    from .classify import ThemeClassifier
    from .crossval import format_grouped_cv, grouped_cross_validation
    from .evaluate import evaluate, format_report, passage_order

    def make() -> ThemeClassifier:
        return ThemeClassifier(**{**config.params, "random_state": config.random_state})

    def fit(subset: Sequence[LabelledParagraph]) -> ThemeClassifier:
        subset = passage_order(subset)  # each passage's paragraphs together, in reading order
        return make().fit(
            [r.text for r in subset],
            [r.label for r in subset],
            labels=[r.labels for r in subset],
            groups=[r.doc for r in subset],
        )

    passages = [r for r in rows if r.doc is not None]
    steps = (
        3
        + (2 if gold else 0)
        + (1 if gold and config.include_gold_in_final else 0)
        + bool(config.grouped_cv)
    )
    metrics: dict[str, Any] = {}
    sections: dict[str, dict[str, Any]] = {}
    cv_report = ""
    with _progress(steps, f"train {config.name}") as bar:
        if config.grouped_cv:
            if not passages:
                raise InputError(
                    "grouped_cv needs passage rows (rows with 'doc' and 'position') in the data"
                )
            cv = grouped_cross_validation(
                fit,
                passages,
                extra_train=[r for r in rows if r.doc is None],
                n_splits=config.grouped_cv,
                n_resamples=config.n_resamples,
                random_state=config.random_state,
            )
            metrics["grouped_cv"] = cv
            cv_report = format_grouped_cv(cv)
            bar.update(1)
        train, test = _split(rows, config.holdout, config.random_state)
        held = evaluate(fit(train), test, train_rows=train, random_state=config.random_state)
        bar.update(1)
        metrics["holdout"] = {k: v for k, v in held.items() if k != "predictions"}
        evaluations["holdout"] = Evaluation(test, [p["predicted"] for p in held["predictions"]])
        sections[f"Held-out split ({len(test)} of the training rows, each paragraph alone)"] = held
        model = fit(rows)
        bar.update(1)
        if gold:
            real = evaluate(
                model, gold, train_rows=rows, random_state=config.random_state, in_context=True
            )
            metrics["gold"] = {k: v for k, v in real.items() if k != "predictions"}
            metrics["gold_predictions"] = real["predictions"]
            evaluations["gold"] = Evaluation(
                gold, [p["predicted"] for p in real["predictions"]], in_context=True
            )
            sections[
                f"Real text: seed gold set ({len(gold)} paragraphs, each read in its document), "
                "model trained on the training rows only"
            ] = real
            alone = evaluate(model, gold, random_state=config.random_state)
            metrics["gold_alone"] = {k: v for k, v in alone.items() if k != "predictions"}
            sections["Real text: seed gold set, each paragraph alone"] = alone
            bar.update(1)
            metrics["transfer"] = {}
            for source, target in (("en", "zh"), ("zh", "en")):
                one = [r for r in rows if r.lang == source]
                other = [r for r in gold if r.lang == target]
                if one and other and len({r.label for r in one}) > 1:
                    metrics["transfer"][f"{source}_to_{target}"] = evaluate(fit(one), other)[
                        "model"
                    ]["macro_f1"]
            bar.update(1)
        if gold and config.include_gold_in_final:
            model = fit(rows + gold)
            bar.update(1)
        bar.update(1)
    metrics["classes"] = list(model.classes_)
    metrics["n_features"] = model.n_features_
    metrics["temperature"] = round(model.temperature_, 6)
    report = format_report(f"{config.name}: evaluation report", sections)
    if cv_report:
        title, rest = report.split("\n", 1)
        report = f"{title}\n\n{cv_report}{rest}"
    if "transfer" in metrics:
        report += "\n## Cross-language transfer (train on one language, test on the other's gold rows)\n\n"
        report += (
            "\n".join(f"- {k}: macro-F1 {v:.3f}" for k, v in metrics["transfer"].items()) + "\n"
        )
    return model, metrics, report


def topic_job(
    config: JobConfig, rows: list[LabelledParagraph], gold: list[LabelledParagraph]
) -> tuple[Any, dict[str, Any], str]:
    """Topic model: n_topics selection (if asked), coherence against plain gensim, quality, parallel pairs."""
    from .topics import (
        TopicModel,
        parallel_divergence,
        plain_gensim_by_language,
        plain_gensim_coherence,
        select_n_topics,
    )

    texts = [r.text for r in rows + gold]
    langs = [r.lang for r in rows + gold]
    params = {**config.params, "random_state": config.random_state}
    metrics: dict[str, Any] = {}
    with _progress(3 + bool(config.select_n_topics), f"train {config.name}") as bar:
        if config.select_n_topics:
            best, table = select_n_topics(
                texts,
                config.select_n_topics,
                **{k: v for k, v in params.items() if k not in ("n_topics", "random_state")},
            )
            metrics["select_n_topics"] = {"best": best, "table": table}
            bar.update(1)
        model = TopicModel(**params).fit(texts)
        bar.update(1)
        metrics["coherence"] = {
            m: round(model.coherence(m), 4) for m in ("c_v", "u_mass", "c_npmi")
        }
        bar.update(1)
        metrics["plain_gensim"] = plain_gensim_coherence(
            texts, model, random_state=config.random_state
        )
        bar.update(1)
    metrics["topics"] = model.describe()
    metrics["n_texts"] = len(texts)
    metrics["coherence_by_language"] = model.coherence_by_language(texts, langs)
    metrics["plain_gensim_by_language"] = plain_gensim_by_language(
        texts,
        langs,
        model.n_topics,
        random_state=config.random_state,
        tokenizer_params=model.tokenizer_params,
    )
    metrics["quality"] = model.topic_quality()
    if config.parallel:
        pairs = [
            json.loads(line)
            for line in Path(config.parallel).read_text(encoding="utf-8").splitlines()
            if line.strip()
        ]
        metrics["parallel"] = parallel_divergence(model, [(p["zh"], p["en"]) for p in pairs])
        metrics["parallel"]["n_pairs"] = len(pairs)
        metrics["parallel"]["separation"] = round(1.0 - metrics["parallel"]["ratio"], 4)
    lines = [
        f"# {config.name}: evaluation report",
        "",
        f"Trained on {len(texts)} paragraphs, {model.n_topics} topics, {len(model.vocabulary_)} words.",
        "",
        "| model | c_v | u_mass | c_npmi |",
        "|---|---|---|---|",
        "| ours | "
        + " | ".join(f"{metrics['coherence'][m]:.4f}" for m in ("c_v", "u_mass", "c_npmi"))
        + " |",
        "| plain gensim LdaModel, same tokens and topics | "
        + " | ".join(f"{metrics['plain_gensim'][m]:.4f}" for m in ("c_v", "u_mass", "c_npmi"))
        + " |",
        "",
        "| topic | theme | share | top words |",
        "|---|---|---|---|",
    ]
    by_lang, plain_by_lang = metrics["coherence_by_language"], metrics["plain_gensim_by_language"]
    lines[-3:-3] = [
        "",
        "Coherence per language (each topic's words in that language, on that language's texts):",
        "",
        "| model | " + " | ".join(f"c_v {lang}" for lang in by_lang) + " |",
        "|---|" + "---|" * len(by_lang),
        "| ours | " + " | ".join(f"{v:.4f}" for v in by_lang.values()) + " |",
        "| plain gensim LdaModel on the words as written | "
        + " | ".join(f"{plain_by_lang.get(lang, float('nan')):.4f}" for lang in by_lang)
        + " |",
    ]
    if "parallel" in metrics:
        par = metrics["parallel"]
        lines[-3:-3] = [
            "",
            f"Parallel paragraphs ({par['n_pairs']} pairs, the same content in Chinese and English): "
            f"Jensen-Shannon divergence of paired topic mixes {par['paired']:.4f} against "
            f"{par['unrelated']:.4f} for unrelated pairs (ratio {par['ratio']:.3f}); the same top topic "
            f"for {par['same_top_topic']:.0%} of pairs.",
        ]
    quality = metrics["quality"]
    lines[-3:-3] = [
        "",
        f"Dead topics: {quality['dead'] or 'none'}; duplicate pairs: "
        f"{[(a, b) for a, b, _ in quality['duplicates']] or 'none'}.",
    ]
    lines[-2:] = [
        "| topic | theme | share | top words (中文) | top words (English) |",
        "|---|---|---|---|---|",
    ]
    lines += [
        f"| {t['topic']} | {t['theme']} | {t['share']:.3f} | {' '.join(t['words_zh'])} | {' '.join(t['words_en'])} |"
        for t in metrics["topics"]
    ]
    if "select_n_topics" in metrics:
        lines += [
            "",
            "Choosing the number of topics (mean over seeds):",
            "",
            "| n_topics | c_v | std | stability |",
            "|---|---|---|---|",
        ]
        lines += [
            f"| {r['n_topics']} | {r['coherence']:.4f} | {r['coherence_std']:.4f} | {r['stability']:.3f} |"
            for r in metrics["select_n_topics"]["table"]
        ]
    return model, metrics, "\n".join(lines) + "\n"
