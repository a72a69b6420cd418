"""One contract for every model (clone, seeds, save/load, shapes), applied to each."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.base import clone

import ecomtopics as et

TEXTS = [
    "天猫线下门店与线上打通，会员和库存互通，新零售",
    "Offline stores join Tmall: shared inventory and in-store Alipay payment",
    "服务商帮助商家开店，提供代运营和数据工具",
    "Service providers (TP) help merchants with tools and training",
    "下沉市场和农村淘宝成为新的增长渠道",
    "The sinking market and mobile terminals are new channels for brands",
    "精细化运营，提升转化率和复购率，会员运营",
    "Fine operation of members and fans raises conversion and repurchase",
    "阿里巴巴发布季度财报，营收低于预期",
    "Alibaba's quarterly revenue missed analysts' expectations",
] * 3
LABELS = [
    "o2o",
    "o2o",
    "merchant_services",
    "merchant_services",
    "channel",
    "channel",
    "operations",
    "operations",
    "other",
    "other",
] * 3
UNSEEN = ["线下门店的会员", "a brand new sentence about nothing", "", "的了吗", "😀"]


def _classifier():
    return et.ThemeClassifier(random_state=0).fit(TEXTS, LABELS)


def _topics():
    return et.TopicModel(n_topics=3, passes=3, random_state=0).fit(TEXTS)


def _tfidf():
    return et.Tfidf().fit(TEXTS)


MODELS = {
    "classifier": (_classifier, lambda m, x: m.predict_proba(x)),
    "topics": (_topics, lambda m, x: m.transform(x)),
    "tfidf": (_tfidf, lambda m, x: m.transform(x).toarray()),
}


@pytest.fixture(scope="module", params=sorted(MODELS))
def fitted(request):
    make, output = MODELS[request.param]
    return request.param, make, output, make()


def test_same_seed_same_model(fitted):
    name, make, output, model = fitted
    again = make()
    np.testing.assert_array_equal(output(model, TEXTS + UNSEEN), output(again, TEXTS + UNSEEN))


def test_output_is_stable_across_calls_and_batches(fitted):
    name, make, output, model = fitted
    together = output(model, TEXTS + UNSEEN)
    one_by_one = np.vstack([output(model, [t]) for t in TEXTS + UNSEEN])
    np.testing.assert_allclose(together, one_by_one, rtol=0, atol=1e-12)
    assert np.isfinite(together).all()


def test_clone_gives_an_unfitted_twin(fitted):
    name, make, output, model = fitted
    twin = clone(model)
    assert type(twin) is type(model)
    assert twin.get_params() == model.get_params()
    with pytest.raises(et.NotFittedError):
        output(twin, ["天猫"])


def test_save_load_round_trip_is_identical(fitted, tmp_path):
    name, make, output, model = fitted
    store = et.ModelStore(tmp_path)
    version = store.save(model, f"contract-{name}")
    loaded = store.load(f"contract-{name}", version)
    np.testing.assert_array_equal(output(model, TEXTS + UNSEEN), output(loaded, TEXTS + UNSEEN))
    if hasattr(model, "classes_"):  # scikit-learn's convention, kept through the store
        assert isinstance(loaded.classes_, np.ndarray)
        assert loaded.classes_.tolist() == model.classes_.tolist()
        proba = output(loaded, TEXTS)
        assert loaded.classes_[proba.argmax(1)].tolist() == loaded.predict(TEXTS)


def test_rows_are_normalised(fitted):
    name, make, output, model = fitted
    rows = output(model, TEXTS + UNSEEN)
    assert (rows >= 0).all()
    if name == "tfidf":  # L2-normalised vectors; a text with no known term is all zeros
        norms = np.linalg.norm(rows, axis=1)
        assert np.all(np.isclose(norms, 1.0) | np.isclose(norms, 0.0))
        assert np.isclose(norms[: len(TEXTS)], 1.0).all()
    else:  # probability distributions
        np.testing.assert_allclose(rows.sum(axis=1), 1.0, atol=1e-9)


@pytest.mark.parametrize("make", [_classifier, _topics, _tfidf])
def test_set_params_and_repr(make):
    model = make()
    assert type(model).__name__ in repr(model)
    with pytest.raises(ValueError, match="invalid parameter"):
        model.set_params(no_such_param=1)
    assert model.set_params() is model


@pytest.mark.parametrize("cls", [et.ThemeClassifier, et.TopicModel, et.Tfidf])
def test_parameter_constraints_cover_every_parameter(cls):
    assert sorted(cls._parameter_constraints) == sorted(cls().get_params())


@settings(max_examples=15, deadline=None)
@given(st.lists(st.sampled_from(range(len(TEXTS))), min_size=6, max_size=20, unique=True))
def test_classifier_round_trip_property(tmp_path_factory, picks):
    texts = [TEXTS[i] for i in picks]
    labels = [LABELS[i] for i in picks]
    if len(set(labels)) < 2:
        return
    model = et.ThemeClassifier(calibrate=False, random_state=0).fit(texts, labels)
    store = et.ModelStore(tmp_path_factory.mktemp("store"))
    loaded = store.load("p", store.save(model, "p"))
    np.testing.assert_array_equal(
        model.predict_proba(TEXTS + UNSEEN), loaded.predict_proba(TEXTS + UNSEEN)
    )
    assert model.predict(UNSEEN) == loaded.predict(UNSEEN)
