"""Batch topic inference equals gensim's ``LdaModel.inference`` (topic mix within 1e-3 L1 a document)."""

from __future__ import annotations

import copy
import json
import types

import numpy as np
import pytest
from gensim.models import LdaModel
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.special import psi

import ecomtopics as et
from conftest import ROOT
from ecomtopics._compiled import native
from ecomtopics.topics import _inference
from ecomtopics.topics._corpus import _text_of
from ecomtopics.topics._inference import batch_inference, bows_to_csr, lda_gamma, lda_inference

TOL = 1e-3


def mix(gamma: np.ndarray) -> np.ndarray:
    return gamma / gamma.sum(axis=1, keepdims=True)


def l1(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.abs(mix(a) - mix(b)).sum(axis=1).max(initial=0.0))


def paragraphs() -> list[str]:
    texts: list[str] = []
    for path in sorted((ROOT / "data" / "grounded").glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8-sig").splitlines():
            if line.strip():
                texts.append(json.loads(line)["text"])
    for path in sorted((ROOT / "seeds").glob("*.txt")):
        lines = path.read_text(encoding="utf-8-sig").splitlines()
        texts.extend(line for line in lines if line.strip())
    return texts


@pytest.fixture(scope="module")
def model():
    return et.load_model("topic-model")


@pytest.fixture(scope="module")
def real(model):
    texts = paragraphs()
    tokenizer = model._tokenizer()
    bows = [model._dictionary.doc2bow(model._analyse(_text_of(t), tokenizer)) for t in texts]
    return texts, bows


def ones_start(lda, bows, **kwargs):
    matrix = bows_to_csr(bows, lda.num_terms)
    gamma0 = np.ones((len(bows), lda.num_topics))  # the shipped model's constant start
    return batch_inference(
        lda.expElogbeta, lda.alpha, matrix, gamma0, lda.iterations, lda.gamma_threshold, **kwargs
    )


# -- the shipped model on the project's paragraphs ------------------------------------------
def test_shipped_model_starts_from_ones(model):
    start = model._lda.random_state.gamma(100.0, 1.0 / 100.0, (3, model.n_topics))
    assert np.array_equal(start, np.ones((3, model.n_topics)))


def test_real_paragraphs_equal_gensim(model, real):
    texts, bows = real
    assert len(bows) > 1000 and sum(1 for b in bows if not b) > 0
    ref, _ = model._lda.inference(bows)
    assert l1(lda_gamma(model._lda, bows), ref) <= 1e-9  # in practice about 1e-11
    for block in (1, 7, 500):
        assert l1(ones_start(model._lda, bows[:700], block_docs=block), ref[:700]) <= 1e-9
    assert l1(model.transform(texts[:800]), ref[:800]) <= TOL


def test_empty_documents_give_the_prior(model):
    lda = model._lda
    bows = [[], [(0, 1)], [], [(3, 2), (5, 1)], []]
    ref, _ = lda.inference(bows)
    got = ones_start(lda, bows)
    prior = np.asarray(lda.alpha) / np.sum(lda.alpha)
    for d in (0, 2, 4):
        np.testing.assert_allclose(mix(got)[d], prior)
    assert l1(got, ref) <= TOL
    np.testing.assert_allclose(mix(ones_start(lda, [[]] * 3)), np.tile(prior, (3, 1)))
    assert ones_start(lda, []).shape == (0, lda.num_topics)
    assert model.transform([]).shape == (0, model.n_topics)


def test_repeated_ids_in_a_bag_are_summed(model):
    lda = model._lda
    got = ones_start(lda, [[(4, 1), (4, 2), (9, 1)]])
    np.testing.assert_allclose(got, ones_start(lda, [[(4, 3), (9, 1)]]))
    assert l1(got, lda.inference([[(4, 1), (4, 2), (9, 1)]])[0]) <= TOL


def bags(n_terms: int, max_docs: int = 20):
    bag = st.dictionaries(st.integers(0, n_terms - 1), st.integers(1, 30), max_size=40).map(
        lambda d: sorted(d.items())
    )
    return st.lists(bag, min_size=1, max_size=max_docs)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_random_bags_on_the_shipped_model(model, data):
    lda = model._lda
    bows = data.draw(bags(lda.num_terms))
    block = data.draw(st.sampled_from([None, 1, 3]))
    assert l1(ones_start(lda, bows, block_docs=block), lda.inference(bows)[0]) <= TOL


@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    seed=st.integers(0, 2**32 - 1),
    sizes=st.lists(st.integers(0, 30), min_size=1, max_size=3),
    data=st.data(),
)
def test_a_random_start_draws_as_gensim(model, real, seed, sizes, data):
    """With a real RandomState, a sequence of our calls draws and advances it as gensim's calls."""
    _, bows = real
    theirs, ours = copy.copy(model._lda), copy.copy(model._lda)  # shallow: the shipped model stays
    theirs.random_state = np.random.RandomState(seed)
    ours.random_state = np.random.RandomState(seed)
    start = data.draw(st.integers(0, len(bows) - 100))
    for size in sizes:
        chunk = bows[start : start + size]
        start += size
        assert l1(lda_gamma(ours, chunk), theirs.inference(chunk)[0]) <= TOL
    for a, b in zip(theirs.random_state.get_state(), ours.random_state.get_state()):
        assert np.array_equal(a, b)


# -- random models (any K, V, alpha, iteration cap) against gensim's own code ---------------
def gensim_reference(exp_elog_beta, alpha, bows, gamma0, iterations, threshold):
    """``LdaModel.inference`` run on a namespace holding only the attributes it reads."""
    start = types.SimpleNamespace(gamma=lambda shape, scale, size: gamma0.copy())
    fake = types.SimpleNamespace(
        random_state=start,
        num_topics=exp_elog_beta.shape[0],
        dtype=np.float64,
        expElogbeta=exp_elog_beta,
        iterations=iterations,
        alpha=alpha,
        gamma_threshold=threshold,
    )
    return LdaModel.inference(fake, bows)[0]


def random_model(rng, k: int, v: int, concentration: float) -> tuple[np.ndarray, np.ndarray]:
    """(expElogbeta, alpha) of a random LDA model with k topics and v terms."""
    lam = rng.gamma(concentration, 1.0, (k, v)) + 1e-3
    return np.exp(psi(lam) - psi(lam.sum(axis=1))[:, None]), rng.uniform(0.02, 1.0, k)


@settings(max_examples=40, deadline=None)
@given(
    k=st.integers(1, 12),
    v=st.integers(1, 300),
    seed=st.integers(0, 2**32 - 1),
    iterations=st.sampled_from([1, 2, 5, 50]),
    concentration=st.sampled_from([0.05, 0.3, 1.0]),
    data=st.data(),
)
def test_random_models_equal_gensim(k, v, seed, iterations, concentration, data):
    rng = np.random.default_rng(seed)
    exp_elog_beta, alpha = random_model(rng, k, v, concentration)
    bows = data.draw(bags(v))
    gamma0 = rng.gamma(100.0, 0.01, (len(bows), k))
    ref = gensim_reference(exp_elog_beta, alpha, bows, gamma0, iterations, 1e-3)
    block = data.draw(st.sampled_from([None, 1, 4]))
    got = batch_inference(
        exp_elog_beta, alpha, bows_to_csr(bows, v), gamma0, iterations, 1e-3, block_docs=block
    )
    assert l1(got, ref) <= TOL


def test_a_fitted_model_transforms_as_gensim():
    texts = [
        "天猫线下门店与线上会员打通，门店库存共享",
        "服务商为商家提供代运营和培训",
        "Offline stores share inventory with the online flagship store",
        "Service providers train merchants and sell them tools",
    ] * 5
    model = et.TopicModel(n_topics=3, passes=3, random_state=1).fit(texts)
    tokenizer = model._tokenizer()
    bows = [model._dictionary.doc2bow(model._analyse(t, tokenizer)) for t in texts]
    assert l1(model.transform(texts), model._lda.inference(bows)[0]) <= TOL
    shares = mix(model._lda.inference(bows)[0]).mean(axis=0)
    np.testing.assert_allclose(model.topic_shares_, shares, atol=1e-6)


# -- training: the batch E-step's sufficient statistics, and a whole fit ---------------------
@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(seed=st.integers(0, 2**32 - 1), data=st.data())
def test_sufficient_statistics_equal_gensim(model, seed, data):
    bows = data.draw(bags(model._lda.num_terms, max_docs=30))
    theirs, ours = copy.copy(model._lda), copy.copy(model._lda)
    theirs.random_state = np.random.RandomState(seed)
    ours.random_state = np.random.RandomState(seed)
    gamma_ref, sstats_ref = LdaModel.inference(theirs, bows, collect_sstats=True)
    gamma, sstats = lda_inference(ours, bows, collect_sstats=True)
    assert l1(gamma, gamma_ref) <= TOL
    np.testing.assert_allclose(sstats, sstats_ref, rtol=1e-7, atol=1e-9 * sstats_ref.max())
    assert lda_inference(ours, bows)[1] is None


def test_training_with_the_batch_e_step_equals_gensim(monkeypatch):
    from ecomtopics.topics import _batch_lda

    texts = paragraphs()[:300]
    params = dict(n_topics=4, passes=3, iterations=50, random_state=2, progress=False)
    ours = et.TopicModel(**params).fit(texts)
    assert isinstance(ours._lda, _batch_lda.BatchLdaModel)
    monkeypatch.setattr(_batch_lda.BatchLdaModel, "inference", LdaModel.inference)
    theirs = et.TopicModel(**params).fit(texts)
    np.testing.assert_allclose(
        ours.topic_word_matrix(), theirs.topic_word_matrix(), rtol=1e-6, atol=1e-9
    )
    assert l1(ours.transform(texts[:100]), theirs.transform(texts[:100])) <= TOL


# -- transform's bag building: the batch matrix equals gensim's doc2bow bags ------------------
WORDS = st.sampled_from(
    ["天猫", "线下门店", "服务商", "Tmall", "offline stores", "service providers", "双十一", "，",
     "the", "商家", "flagship store", "门店", " ", "\n", "O2O", "淘宝", "x"]
)  # fmt: skip
TEXTS = st.lists(WORDS, max_size=30).map(" ".join) | st.text(max_size=80)


def reference_matrix(model, texts):
    tokenizer = model._tokenizer()
    bows = [model._dictionary.doc2bow(model._analyse(_text_of(t), tokenizer)) for t in texts]
    return bows_to_csr(bows, model._lda.num_terms, dtype=model._lda.dtype)


def same_matrix(a, b) -> bool:
    return (
        a.shape == b.shape
        and a.dtype == b.dtype
        and np.array_equal(a.indptr, b.indptr)
        and np.array_equal(a.indices, b.indices)
        and np.array_equal(a.data, b.data)
    )


@pytest.fixture(scope="module")
def plain_model():
    """A model without shared units: tokens are counted as themselves."""
    texts = paragraphs()[:400]
    return et.TopicModel(
        n_topics=4, passes=1, iterations=20, shared_units=False, ignore_platform_names=False
    ).fit(texts)


def test_term_counts_equal_doc2bow_on_real_text(model, plain_model, real):
    texts, _ = real
    for m in (model, plain_model):
        assert same_matrix(m._term_counts(texts), reference_matrix(m, texts))
    assert model._term_counts(texts).nnz > 10_000


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(TEXTS, max_size=6))
def test_term_counts_equal_doc2bow_on_random_text(model, plain_model, texts):
    for m in (model, plain_model):
        assert same_matrix(m._term_counts(texts), reference_matrix(m, texts))


def test_transform_equals_the_bags_path_exactly(model, real):
    texts, bows = real
    gamma = lda_gamma(model._lda, bows)
    assert np.array_equal(model.transform(texts), gamma / gamma.sum(axis=1, keepdims=True))


def test_a_matrix_with_repeated_entries_is_summed_and_left_as_given(model):
    import scipy.sparse as sp

    lda = model._lda
    given_matrix = sp.csr_matrix(
        (np.array([1.0, 2.0, 1.0]), np.array([4, 4, 9]), np.array([0, 3])),
        shape=(1, lda.num_terms),
    )
    before = given_matrix.data.copy()
    got = lda_gamma(lda, given_matrix)
    assert np.array_equal(got, lda_gamma(lda, [[(4, 3), (9, 1)]]))
    assert np.array_equal(given_matrix.data, before) and given_matrix.nnz == 3


def test_the_token_memo_is_not_pickled_and_a_refit_forgets_it(real):
    import pickle

    texts, _ = real
    model = et.TopicModel(n_topics=3, passes=1, iterations=10).fit(texts[:200])
    first = model.transform(texts[:300])
    assert len(model._term_ids()) > 0
    twin = pickle.loads(pickle.dumps(model))
    assert getattr(twin, "_term_id_memo", None) is None
    assert np.array_equal(twin.transform(texts[:300]), first)
    model.fit(texts[200:400])  # a new dictionary: ids of the old one must not leak
    assert same_matrix(model._term_counts(texts[:300]), reference_matrix(model, texts[:300]))


def test_the_tokenizer_is_kept_between_calls_and_rebuilt_for_new_settings(real):
    import pickle

    texts, _ = real
    model = et.TopicModel(n_topics=3, passes=1, iterations=10).fit(texts[:200])
    first = model._tokenizer()
    model.transform(texts[:50])
    assert model._tokenizer() is first  # its memos stay warm
    assert getattr(pickle.loads(pickle.dumps(model)), "_tokenizer_cache", None) is None
    model.set_params(tokenizer_params={"stopwords": False})
    assert model._tokenizer() is not first and model._tokenizer().stopwords is False


def test_new_parameters_rebuild_the_token_memo(real):
    texts, _ = real
    model = et.TopicModel(n_topics=3, passes=1, iterations=10).fit(texts[:200])
    model.transform(texts[:50])
    model.set_params(ignore_platform_names=False)  # tokens map differently, same dictionary
    assert getattr(model, "_term_id_memo", None) is None
    assert same_matrix(model._term_counts(texts[:300]), reference_matrix(model, texts[:300]))


# -- the compiled E-step (``_native.lda_estep``) against the numpy one ------------------------
needs_native = pytest.mark.skipif(native() is None, reason="compiled module not built")


@needs_native
@settings(max_examples=40, deadline=None)
@given(
    k=st.integers(1, 12),
    v=st.integers(1, 300),
    seed=st.integers(0, 2**32 - 1),
    iterations=st.sampled_from([1, 2, 5, 50]),
    data=st.data(),
)
def test_the_compiled_e_step_equals_the_numpy_one(k, v, seed, iterations, data):
    rng = np.random.default_rng(seed)
    exp_elog_beta, alpha = random_model(rng, k, v, 0.3)
    bows = data.draw(bags(v))
    gamma0 = rng.gamma(100.0, 0.01, (len(bows), k))
    args = (exp_elog_beta, alpha, bows_to_csr(bows, v), gamma0, iterations, 1e-3)
    compiled = batch_inference(*args)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(_inference, "native", lambda: None)
        plain = batch_inference(*args)
    np.testing.assert_allclose(compiled, plain, rtol=1e-9, atol=1e-12)
    assert not np.shares_memory(compiled, gamma0)  # the caller's start is left as it was


@needs_native
@given(st.floats(1e-300, 1e15) | st.floats(1e-3, 30))
def test_the_compiled_digamma_equals_scipys(x):
    got, want = native().digamma(x), float(psi(x))
    assert abs(got - want) <= 4e-15 * max(1.0, abs(want))  # a few ulps of its terms


@needs_native
def test_the_compiled_e_step_refuses_bad_input():
    estep = native().lda_estep
    indptr, ids, cts = np.array([0, 2], np.int64), np.array([0, 1], np.int64), np.ones(2)
    beta_t, alpha = np.full((2, 3), 0.5), np.full(3, 0.1)

    def run(**change):
        a = dict(indptr=indptr, ids=ids, cts=cts, beta_t=beta_t, alpha=alpha, gamma=np.ones((1, 3)))
        a.update(change)
        estep(a["indptr"], a["ids"], a["cts"], a["beta_t"], a["alpha"], a["gamma"], 10, 1e-3, 1e-16)
        return a["gamma"]

    assert np.all(run() > 0.1)
    for change, match in [
        ({"ids": np.array([0, 2], np.int64)}, "outside beta_t"),
        ({"indptr": np.array([0, 3], np.int64)}, "does not match"),
        ({"gamma": np.ones((2, 3))}, "inconsistent"),
        ({"alpha": np.array([0.1, -1.0, 0.1])}, "alpha must be positive"),
        ({"gamma": np.zeros((1, 3))}, "gamma must start positive"),
        ({"cts": np.ones(3)}, "inconsistent"),
        ({"cts": np.array([1.0, -1e30])}, "counts must be finite and not negative"),
        ({"cts": np.array([1.0, np.nan])}, "counts must be finite"),
        ({"beta_t": np.full((2, 3), -0.5)}, "beta_t must be finite and not negative"),
        ({"beta_t": np.full((2, 3), np.inf)}, "beta_t must be finite"),
    ]:
        with pytest.raises(ValueError, match=match):
            run(**change)
    shared = np.ones(3)
    with pytest.raises(ValueError, match="share memory"):
        estep(indptr, ids, shared[1:], beta_t, alpha, shared.reshape(1, 3), 10, 1e-3, 1e-16)
    with pytest.raises(ValueError, match="iterations"):
        estep(indptr, ids, cts, beta_t, alpha, np.ones((1, 3)), 0, 1e-3, 1e-16)
