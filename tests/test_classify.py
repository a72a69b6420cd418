from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import ecomtopics as et
from conftest import ROOT
from ecomtopics.data import read_labelled
from ecomtopics.evaluate import LexiconRule, expected_calibration_error, score_predictions


@pytest.fixture(scope="module")
def authored():
    return read_labelled(ROOT / "data" / "authored")


@pytest.fixture(scope="module")
def clf(authored):
    half = authored[
        ::2
    ]  # every setting on, half the rows: the tests are about behaviour, not quality
    return et.ThemeClassifier(random_state=0).fit(
        [r.text for r in half], [r.label for r in half], labels=[r.labels for r in half]
    )


def test_classes_and_proba_contract(clf):
    assert isinstance(clf.classes_, np.ndarray) and clf.classes_.ndim == 1
    assert clf.classes_.tolist() == ["channel", "merchant_services", "o2o", "operations", "other"]
    assert all(type(c) is str for c in clf.classes_)
    proba = clf.predict_proba(["天猫线下门店", "service providers help merchants", ""])
    assert proba.shape == (3, 5)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-12)
    assert clf.predict(["天猫线下门店"]) == [clf.classes_[int(proba[0].argmax())]]
    # scikit-learn's idiom: index the classes with the argmax of every row at once
    texts = ["天猫线下门店", "service providers help merchants", ""]
    assert clf.classes_[proba.argmax(1)].tolist() == clf.predict(texts)


@pytest.mark.parametrize(
    "text", ["", "   ", "的了吗呢", "the and of to", "2015/2/9", "😀😀", "\x00"]
)
def test_empty_or_stopword_paragraphs_are_other(clf, text):
    assert clf.predict([text]) == ["other"]
    proba = clf.predict_proba([text])[0]
    assert proba[list(clf.classes_).index("other")] == 1.0
    assert clf.predict_labels([text]) == [["other"]]
    assert clf.explain(text).terms == {c: [] for c in clf.classes_}


def _has_word_features(model, text):
    return model.transform([text])[:, : len(model.vocabulary_)].nnz > 0


def test_lean_path_matches_sklearn(clf, authored):
    texts = [r.text for r in authored[:200]] + ["O2O 线下", "线下 stores 服务商"]
    assert all(_has_word_features(clf, t) for t in texts)
    pipeline = clf.to_sklearn()
    np.testing.assert_allclose(
        clf.decision_function(texts), pipeline.decision_function(texts), rtol=0, atol=1e-9
    )
    one = np.vstack([clf.decision_function([t]) for t in texts[:20]])
    np.testing.assert_allclose(one, pipeline.decision_function(texts[:20]), rtol=0, atol=1e-9)
    # no word or concept feature: defined as intercepts only (other), whatever the character view says
    for text in ["天猫", ""]:
        np.testing.assert_allclose(
            clf.decision_function([text])[0], clf.intercept_, rtol=0, atol=1e-12
        )
        np.testing.assert_allclose(
            clf.decision_function([text] * 5)[0], clf.intercept_, rtol=0, atol=1e-12
        )


def test_uncalibrated_probabilities_equal_sklearn(authored):
    small = authored[::5]
    model = et.ThemeClassifier(calibrate=False).fit(
        [r.text for r in small], [r.label for r in small]
    )
    texts = [r.text for r in authored[1::7]]
    featureless = [
        "",
        "天猫 淘宝",
        "Tmall and Taobao",
        "的了",
        "platform",
    ]  # defined as other, see to_sklearn
    assert model.predict(featureless) == ["other"] * len(featureless)
    texts = [
        t for t in texts if _has_word_features(model, t)
    ]  # unseen words only: also featureless here
    assert len(texts) > 150
    np.testing.assert_allclose(
        model.predict_proba(texts), model.to_sklearn().predict_proba(texts), atol=1e-9
    )
    assert model.predict(texts) == list(model.to_sklearn().predict(texts))


def test_predict_one_matches_batch(clf):
    texts = ["天猫线下门店", "Service providers", "下沉市场", "", "Tmall revenue"]
    batch = clf.predict_proba(texts)
    for text, row in zip(texts, batch):
        label, proba = clf.predict_one(text)
        np.testing.assert_allclose(proba, row, atol=1e-12)
        assert label == clf.classes_[int(row.argmax())]


@pytest.mark.slow  # two models on most of the authored rows, one with 5-fold calibration
def test_calibration_improves_log_loss(authored):
    from sklearn.metrics import log_loss
    from sklearn.model_selection import train_test_split

    train, test = train_test_split(
        authored, test_size=0.3, random_state=1, stratify=[r.label for r in authored]
    )
    args = ([r.text for r in train], [r.label for r in train])
    raw = et.ThemeClassifier(calibrate=False).fit(*args)
    cal = et.ThemeClassifier(calibrate=True).fit(*args)
    texts, truth = [r.text for r in test], [r.label for r in test]
    assert cal.temperature_ != 1.0
    assert log_loss(truth, cal.predict_proba(texts), labels=cal.classes_) <= log_loss(
        truth, raw.predict_proba(texts), labels=raw.classes_
    )


def test_predict_labels_multi(clf):
    labels = clf.predict_labels(
        ["天猫线下门店与会员运营，线上线下打通；下沉市场渠道"], threshold=0.2
    )[0]
    assert len(labels) >= 2 and set(labels) <= set(clf.label_classes_)
    assert clf.predict_labels(["天猫线下门店"], threshold=0.999) == [["other"]]
    with pytest.raises(et.InputError, match="threshold"):
        clf.predict_labels(["x"], threshold=1.5)


def test_explain_names_the_driving_terms(clf):
    explanation = clf.explain("线下门店和支付宝扫码支付，O2O", top_n=3)
    assert explanation.label == "o2o"
    assert set(explanation.probabilities) == set(clf.classes_)
    top = explanation.terms["o2o"]
    assert len(top) == 3 and top[0][1] > 0
    assert any(term.startswith("@") or term in ("线下门店", "o2o", "支付宝") for term, _ in top)


def test_lexicon_prior_is_a_fixed_push_on_concept_features(authored):
    from ecomtopics.tokenize import concept_themes

    small = authored[::6]
    texts, y = [r.text for r in small], [r.label for r in small]
    words_only = {"calibrate": False, "char_ngrams": None}  # the push is on word features
    learnt = et.ThemeClassifier(lexicon_prior=0.0, **words_only).fit(texts, y)
    pushed = et.ThemeClassifier(lexicon_prior=1.5, **words_only).fit(texts, y)
    assert pushed.vocabulary_ == learnt.vocabulary_
    expected = np.zeros_like(learnt.coef_)
    theme_of = concept_themes()
    for j, feature in enumerate(learnt.vocabulary_):
        if feature.startswith("@"):
            expected[list(pushed.classes_).index(theme_of[feature[1:]]), j] = 1.5
    assert expected.sum() > 0
    np.testing.assert_allclose(pushed.coef_ - learnt.coef_, expected, rtol=0, atol=1e-12)
    np.testing.assert_allclose(
        pushed.decision_function(texts[:50]),
        pushed.to_sklearn().decision_function(texts[:50]),
        rtol=0,
        atol=1e-9,
    )
    # the calibration temperature is fitted on scores that include the push
    calibrated = [
        et.ThemeClassifier(lexicon_prior=p, char_ngrams=None, C=1.0).fit(texts, y).temperature_
        for p in (0.0, 1.5)
    ]
    assert calibrated[0] != pytest.approx(calibrated[1], rel=1e-3)


@pytest.mark.parametrize("bad", [-1, float("inf"), float("nan"), True, "2", None])
def test_lexicon_prior_must_be_a_finite_number(bad):
    with pytest.raises(et.InputError, match="lexicon_prior"):
        et.ThemeClassifier(lexicon_prior=bad).fit(
            ["天猫门店", "服务商"], ["o2o", "merchant_services"]
        )


def test_numpy_numbers_are_valid_settings():
    model = et.ThemeClassifier(
        C=np.int64(3),
        lexicon_prior=np.float32(1.0),
        ignore_platform_names=np.bool_(True),
        calibrate=False,
    )
    assert model.fit(["天猫线下门店", "服务商培训"], ["o2o", "merchant_services"]).predict(
        ["门店"]
    ) == ["o2o"]
    with pytest.raises(et.InputError, match="ignore_platform_names"):
        et.ThemeClassifier(ignore_platform_names="false").fit(
            ["门店", "服务商"], ["o2o", "merchant_services"]
        )


def test_platform_names_are_not_features(clf, authored):
    from ecomtopics.tokenize import platform_names

    assert platform_names() >= {"天猫", "淘宝", "tmall", "taobao", "platform"}
    assert not set(clf.vocabulary_) & platform_names()
    names = [
        "天猫 淘宝 Tmall Taobao platform",
        "阿里巴巴",
        "JD.com",
        "Alibaba Group",
        "Taobao Mall",
    ]
    assert clf.predict(names[:1]) == ["other"]  # nothing left to score: one-paragraph path
    assert clf.predict(names) == ["other"] * 5  # batch path
    proba, labels = clf.predict_proba_and_labels(names)
    assert (proba[:, list(clf.classes_).index("other")] == 1.0).all() and labels == [["other"]] * 5
    assert clf.explain(names[0]).terms == {c: [] for c in clf.classes_}
    small = authored[::3]
    kept = et.ThemeClassifier(calibrate=False, ignore_platform_names=False).fit(
        [r.text for r in small], [r.label for r in small]
    )
    assert {"tmall", "天猫"} <= set(kept.vocabulary_)


def test_models_saved_before_the_new_settings_load_as_trained():
    old = et.load_model("theme-classifier", "v3", store=ROOT / "models")
    assert old.lexicon_prior == 0.0 and old.ignore_platform_names is False
    assert "tmall" in old.vocabulary_ and old.transform(["tmall"]).nnz == 1


def test_fit_errors():
    with pytest.raises(et.InputError, match="at least two themes"):
        et.ThemeClassifier().fit(["a b", "c d"], ["o2o", "o2o"])
    with pytest.raises(et.InputError, match="2 texts but y has 1"):
        et.ThemeClassifier().fit(["a b", "c d"], ["o2o"])
    with pytest.raises(et.InputError, match="empty vocabulary"):
        et.ThemeClassifier().fit(["的", "了"], ["o2o", "other"])
    with pytest.raises(TypeError, match="single"):
        et.ThemeClassifier().fit("text", ["o2o"])
    with pytest.raises(et.InputError, match="C must be"):
        et.ThemeClassifier(C=-1).fit(["a", "b"], ["o2o", "other"])
    with pytest.raises(et.InputError, match="lexicon_prior"):
        et.ThemeClassifier(lexicon_prior=-1).fit(["a", "b"], ["o2o", "other"])
    with pytest.raises(et.NotFittedError, match="not fitted"):
        et.ThemeClassifier().predict(["x"])
    with pytest.raises(TypeError, match="must be str"):
        et.ThemeClassifier().fit(["a", None], ["o2o", "other"])


def test_works_in_a_sklearn_pipeline_and_grid_search(authored):
    from sklearn.model_selection import GridSearchCV

    small = authored[::4]
    search = GridSearchCV(
        et.ThemeClassifier(calibrate=False, char_ngrams=None),
        {"C": [1.0, 10.0]},
        cv=2,
        scoring="f1_macro",
    )
    search.fit([r.text for r in small], [r.label for r in small])
    assert search.best_params_["C"] in (1.0, 10.0)
    assert 0.0 < search.best_score_ <= 1.0


def test_cross_language_transfer_beats_chance(authored):
    en = [r for r in authored if r.lang == "en"]
    zh = [r for r in authored if r.lang == "zh"]
    # words and concepts only: the claim is about what the concepts carry across
    model = et.ThemeClassifier(calibrate=False, char_ngrams=None).fit(
        [r.text for r in en], [r.label for r in en]
    )
    scores = score_predictions([r.label for r in zh], model.predict([r.text for r in zh]))
    assert scores["macro_f1"] > 0.4  # chance is 0.2: concepts carry what English taught to Chinese
    no_concepts = et.ThemeClassifier(calibrate=False, concepts=False, char_ngrams=None).fit(
        [r.text for r in en], [r.label for r in en]
    )
    assert (
        scores["macro_f1"]
        > score_predictions([r.label for r in zh], no_concepts.predict([r.text for r in zh]))[
            "macro_f1"
        ]
    )


def test_metric_helpers():
    assert expected_calibration_error(np.array([[1.0, 0.0]]), ["a"], ["a", "b"]) == 0.0
    assert LexiconRule().predict(["线下门店", "服务商", "the weather"]) == [
        "o2o",
        "merchant_services",
        "other",
    ]
    with pytest.raises(et.InputError):
        score_predictions([], [])


@settings(max_examples=150, deadline=None)
@given(st.text())
def test_no_string_makes_predict_fail(clf, text):
    label = clf.predict([text])[0]
    assert label in clf.classes_
    proba = clf.predict_proba([text])[0]
    assert np.isfinite(proba).all() and abs(proba.sum() - 1) < 1e-9
    assert clf.predict_labels([text])[0]


def test_proba_and_labels_together_match_separate_calls(clf):
    texts = [
        "天猫线下门店与会员打通",
        "Service providers train merchants",
        "",
        "下沉市场渠道",
        "x",
        "O2O 门店",
    ]
    proba, labels = clf.predict_proba_and_labels(texts, threshold=0.3)
    np.testing.assert_allclose(proba, clf.predict_proba(texts), atol=1e-12)
    assert labels == clf.predict_labels(texts, threshold=0.3)


def test_secondary_themes_teach_the_main_model_at_their_weight(authored):
    small = [r for r in authored[::3]]
    texts, y = [r.text for r in small], [r.label for r in small]
    labels = [r.labels for r in small]
    assert sum(len(ls) > 1 for ls in labels) >= 10  # enough paragraphs with a second theme

    def fit(weight, with_labels=True):
        model = et.ThemeClassifier(
            calibrate=False, context=False, char_ngrams=None, secondary_weight=weight
        )
        return model.fit(texts, y, labels=labels if with_labels else None)

    plain = fit(0.0, with_labels=False)
    np.testing.assert_array_equal(fit(0.0).coef_, plain.coef_)  # weight 0: main themes only
    np.testing.assert_array_equal(fit(0.25, with_labels=False).coef_, plain.coef_)
    taught = fit(0.25)
    two = [i for i, ls in enumerate(labels) if len(ls) > 1]
    second = [next(t for t in labels[i] if t != y[i]) for i in two]
    columns = [list(taught.classes_).index(t) for t in second]
    rows = np.arange(len(two))
    before = plain.predict_proba([texts[i] for i in two])[rows, columns]
    after = taught.predict_proba([texts[i] for i in two])[rows, columns]
    assert np.mean(after > before) > 0.8  # the second theme gains on the paragraphs that list it


@pytest.mark.parametrize("bad", [-0.1, 1.5, float("nan"), True, "0.5"])
def test_secondary_weight_must_be_between_0_and_1(bad):
    with pytest.raises(et.InputError, match="secondary_weight"):
        et.ThemeClassifier(secondary_weight=bad).fit(
            ["天猫门店", "服务商"], ["o2o", "merchant_services"]
        )


@pytest.mark.parametrize(
    ("text", "concept"),
    [
        ("Alibaba appointed a new chairman and CEO", "personnel"),
        ("阿里巴巴任命新的董事长和首席执行官", "personnel"),
        ("quarterly revenue and net income beat analysts' forecasts", "financial_results"),
        ("季度营收和净利润超出分析师预期", "financial_results"),
        ("the antitrust regulator fined the group after a probe", "regulation"),
        ("市场监管总局对集团罚款并立案", "regulation"),
    ],
)
def test_results_personnel_and_regulation_are_concepts_of_other(text, concept):
    from ecomtopics.tokenize import concept_themes

    analyzer = et.ThemeClassifier()._analyzer()
    assert analyzer(text).count("@" + concept) >= 2  # the same concept from different words
    assert concept_themes()[concept] == "other"
    assert "@" + concept not in analyzer("天猫线下门店与会员运营")


def test_vocabulary_is_stored_as_utf8_bytes_and_older_unicode_arrays_still_load():
    from ecomtopics.classify._storage import _vocabulary_arrays, _vocabulary_from

    words = ["天猫", "flagship store", "", "é\u3000x", "@o2o"]
    arrays = _vocabulary_arrays(words)
    assert set(arrays) == {"vocabulary_utf8", "vocabulary_ends"}
    assert arrays["vocabulary_utf8"].dtype == np.uint8
    assert _vocabulary_from(arrays) == words
    assert (
        _vocabulary_from({"vocabulary": np.asarray(words, dtype=np.str_)}) == words
    )  # format <= 5
    broken = dict(arrays, vocabulary_ends=arrays["vocabulary_ends"][::-1].copy())
    with pytest.raises(et.InputError, match="offsets"):
        _vocabulary_from(broken)
    cut = dict(arrays, vocabulary_utf8=arrays["vocabulary_utf8"][:-1].copy())
    with pytest.raises(et.InputError, match="offsets"):
        _vocabulary_from(cut)
    bad = dict(arrays, vocabulary_utf8=np.full_like(arrays["vocabulary_utf8"], 0xFF))
    with pytest.raises(et.InputError, match="UTF-8"):
        _vocabulary_from(bad)
    inside = dict(arrays, vocabulary_ends=np.array([1, 20, 20, 26, 30]))  # cuts 天
    assert inside["vocabulary_ends"][-1] == len(arrays["vocabulary_utf8"])
    with pytest.raises(et.InputError, match="UTF-8"):
        _vocabulary_from(inside)


@given(st.lists(st.text(max_size=12), max_size=30))
@settings(max_examples=200, deadline=None)
def test_any_vocabulary_round_trips_through_its_stored_bytes(words):
    from ecomtopics.classify._storage import _vocabulary_arrays, _vocabulary_from

    assert _vocabulary_from(_vocabulary_arrays(words)) == words  # NUL bytes too (the per-word path)
