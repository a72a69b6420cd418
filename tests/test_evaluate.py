"""Evaluation helpers: bootstrap intervals of macro-F1 and the report that shows them."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import ecomtopics as et
from conftest import ROOT
from ecomtopics.data import read_labelled
from ecomtopics.evaluate import (
    _macro_f1_rows,
    evaluate,
    format_report,
    macro_f1_interval,
    score_predictions,
)

THEMES = ["channel", "merchant_services", "o2o", "operations", "other"]
pairs = st.lists(
    st.tuples(st.sampled_from(THEMES), st.sampled_from(THEMES)), min_size=1, max_size=60
)


@settings(max_examples=200, deadline=None)
@given(pairs)
def test_vectorised_macro_f1_equals_score_predictions(rows):
    truth, predicted = [t for t, _ in rows], [p for _, p in rows]
    code = {label: i for i, label in enumerate(THEMES)}
    fast = _macro_f1_rows(
        np.array([code[t] for t in truth]), np.array([code[p] for p in predicted]), len(THEMES)
    )
    assert float(fast) == pytest.approx(score_predictions(truth, predicted)["macro_f1"], abs=1e-4)


def _noisy(n, accuracy, seed):
    rng = np.random.default_rng(seed)
    truth = list(rng.choice(THEMES, n))
    return truth, [t if rng.random() < accuracy else str(rng.choice(THEMES)) for t in truth]


def test_interval_brackets_the_score_and_is_reproducible():
    truth, predicted = _noisy(88, 0.7, seed=1)
    point = score_predictions(truth, predicted)["macro_f1"]
    low, high = macro_f1_interval(truth, predicted, random_state=3)
    assert low < point < high and high - low > 0.05
    assert macro_f1_interval(truth, predicted, random_state=3) == (low, high)
    wider = macro_f1_interval(truth, predicted, confidence=0.99, random_state=3)
    assert wider[0] <= low and wider[1] >= high


def test_interval_narrows_with_more_paragraphs():
    small = macro_f1_interval(*_noisy(40, 0.7, seed=2))
    large = macro_f1_interval(*_noisy(2000, 0.7, seed=2))
    assert large[1] - large[0] < (small[1] - small[0]) / 3


def test_interval_edge_cases():
    assert macro_f1_interval(["o2o", "other"] * 5, ["o2o", "other"] * 5) == (1.0, 1.0)
    truth, predicted = _noisy(50, 0.6, seed=4)
    assert macro_f1_interval(truth, predicted, predicted) == (0.0, 0.0)  # a system against itself
    assert macro_f1_interval(["o2o"], ["other"]) == (0.0, 0.0)
    with pytest.raises(et.InputError, match="confidence"):
        macro_f1_interval(truth, predicted, confidence=1.5)
    with pytest.raises(et.InputError, match="length"):
        macro_f1_interval(truth, predicted[:-1])
    with pytest.raises(et.InputError, match="no labelled rows"):
        macro_f1_interval([], [])


def test_evaluate_reports_intervals():
    authored = read_labelled(ROOT / "data" / "authored" / "o2o.jsonl") + read_labelled(
        ROOT / "data" / "authored" / "channel.jsonl"
    )
    train, test = authored[::2], authored[1::2]
    model = et.ThemeClassifier(calibrate=False).fit(
        [r.text for r in train], [r.label for r in train]
    )
    result = evaluate(model, test, train_rows=train)
    low, high = result["model"]["macro_f1_ci"]
    assert low <= result["model"]["macro_f1"] <= high
    for lang in ("en", "zh"):
        low, high = result["model"]["per_language"][lang]["macro_f1_ci"]
        assert low <= result["model"]["per_language"][lang]["macro_f1"] <= high
    low, high = result["margin_over_plain_ci"]
    assert low <= result["margin_over_plain"] <= high
    report = format_report("t", {"s": result})
    assert (
        "95% bootstrap interval of the model's macro-F1: all [" in report
        and "Margin over plain_sklearn" in report
    )


def test_the_keyword_rule_counts_the_concepts_of_the_four_themes_only():
    from ecomtopics.evaluate import LexiconRule

    # two words of a concept of other (results) against one of o2o: o2o still wins
    assert LexiconRule().predict(
        ["quarterly revenue from offline stores grew", "阿里巴巴营收和净利润增长，天猫门店"]
    ) == ["o2o", "o2o"]
    assert LexiconRule().predict(["the CEO resigned after the antitrust probe"]) == ["other"]
