"""Every bad input is an EcomtopicsError: wrong types too (InputTypeError is also a TypeError)."""

from __future__ import annotations

from pathlib import Path

import pytest

import ecomtopics as et


@pytest.fixture(scope="module")
def clf():
    return et.load_model("theme-classifier")


WRONG_TYPES = {
    "split_paragraphs(None)": lambda clf: et.split_paragraphs(None),
    "split_paragraphs(bytes)": lambda clf: et.split_paragraphs(b"x"),
    "split_paragraphs(max_words='3')": lambda clf: et.split_paragraphs("a", max_words="3"),
    "clean_text(3)": lambda clf: et.clean_text(3),
    "detect_language(None)": lambda clf: et.detect_language(None),
    "Tokenizer()(None)": lambda clf: et.Tokenizer()(None),
    "classify_many(str)": lambda clf: list(et.classify_many("abc", clf)),
    "classify_many([None])": lambda clf: list(et.classify_many([None], clf)),
    "classify_many(n_jobs='2')": lambda clf: list(et.classify_many(["a"], clf, n_jobs="2")),
    "classify_many(batch_size='2')": lambda clf: list(et.classify_many(["a"], clf, batch_size="2")),
    "classify_document(None)": lambda clf: et.classify_document(None, clf),
    "predict(str)": lambda clf: clf.predict("one string"),
    "predict([None])": lambda clf: clf.predict([None]),
    "ThemeClassifier.fit(y=str)": lambda clf: et.ThemeClassifier().fit(["a", "b"], "ab"),
    "Tfidf.fit(str)": lambda clf: et.Tfidf().fit("abc"),
    "TopicModel.fit(str)": lambda clf: et.TopicModel().fit("abc"),
    "select_n_topics(str)": lambda clf: et.select_n_topics("abc", [2]),
    "read_labelled(None)": lambda clf: et.read_labelled(None),
    "read_labelled([3])": lambda clf: et.read_labelled([3]),
    "ModelStore(None)": lambda clf: et.ModelStore(None),
    "load_model(None)": lambda clf: et.load_model(None),
    "JobConfig(data=str)": lambda clf: et.JobConfig(model="theme-classifier", data="data/authored"),
}


@pytest.mark.parametrize("case", sorted(WRONG_TYPES))
def test_wrong_types_are_input_errors_and_type_errors(clf, case):
    with pytest.raises(et.InputTypeError) as info:
        WRONG_TYPES[case](clf)
    assert isinstance(info.value, et.EcomtopicsError) and isinstance(info.value, et.InputError)
    assert isinstance(info.value, TypeError)  # what these raised before


BAD_VALUES = {
    "detect_language(threshold=2)": lambda: et.detect_language("a", threshold=2),
    "Tokenizer(lang='fr')": lambda: et.Tokenizer(lang="fr"),
    "Tokenizer(engine='x')": lambda: et.Tokenizer(engine="x"),
    "split_paragraphs(max_words=0)": lambda: et.split_paragraphs("a", max_words=0),
    "ThemeClassifier.set_params(bogus=1)": lambda: et.ThemeClassifier().set_params(bogus=1),
}


@pytest.mark.parametrize("case", sorted(BAD_VALUES))
def test_bad_values_are_input_errors_and_value_errors(case):
    with pytest.raises(et.InputError) as info:
        BAD_VALUES[case]()
    assert isinstance(info.value, ValueError)


@pytest.mark.parametrize(
    ("name", "version"),
    [("theme-classifier\n", None), ("theme-classifier", "v4\n"), ("theme-classifier", "v4\n\n")],
)
def test_names_and_versions_must_match_whole(name, version):
    with pytest.raises(et.InputError, match="must"):
        et.load_model(name, version)


def test_store_names_with_a_newline_are_not_listed(tmp_path: Path):
    store = et.ModelStore(tmp_path)
    (tmp_path / "tiny\n" / "v1").mkdir(parents=True)
    (tmp_path / "tiny" / "v1\n").mkdir(parents=True)
    assert store.names() == []


FEW = [
    "天猫线下门店",
    "offline stores join Tmall",
    "服务商帮助商家",
    "service providers help merchants",
]


@pytest.mark.parametrize(
    ("make", "fit", "match"),
    [
        (
            lambda: et.TopicModel(no_above=5),
            "topics",
            r"no_above must be a number in \(0, 1\], got 5",
        ),
        (lambda: et.TopicModel(n_topics=0), "topics", "n_topics must be an int >= 1, got 0"),
        (lambda: et.TopicModel(untranslated="x"), "topics", "untranslated must be one of"),
        (
            lambda: et.ThemeClassifier(C=-1.0),
            "classifier",
            "C must be a finite number > 0, got -1.0",
        ),
        (lambda: et.ThemeClassifier(char_ngrams=(3, 1)), "classifier", "char_ngrams must be"),
        (lambda: et.ThemeClassifier(min_df=0), "classifier", "min_df must be"),
        (lambda: et.Tfidf(ngram_range=(2, 1)), "tfidf", r"ngram_range must be .*got \(2, 1\)"),
        (lambda: et.Tfidf(max_df=1.5), "tfidf", "max_df must be"),
    ],
)
def test_bad_parameters_are_named_with_the_value(make, fit, match):
    model = make()
    y = ["o2o", "o2o", "merchant_services", "merchant_services"]
    with pytest.raises(et.InputError, match=match) as info:
        model.fit(FEW, y) if fit == "classifier" else model.fit(FEW)
    assert str(info.value).startswith(type(model).__name__ + ": ")
    assert not isinstance(info.value, TypeError)  # a value out of range, not a wrong type


@pytest.mark.parametrize(
    ("make", "fit"),
    [
        (lambda: et.TopicModel(n_topics="3"), "topics"),
        (lambda: et.TopicModel(passes=2.0), "topics"),
        (lambda: et.TopicModel(domain_stopwords="yes"), "topics"),
        (lambda: et.ThemeClassifier(max_iter=None), "classifier"),
        (lambda: et.Tfidf(sublinear_tf=1), "tfidf"),
    ],
)
def test_parameters_of_the_wrong_type_are_type_errors(make, fit):
    model = make()
    y = ["o2o", "o2o", "merchant_services", "merchant_services"]
    with pytest.raises(et.InputTypeError, match="must be"):
        model.fit(FEW, y) if fit == "classifier" else model.fit(FEW)


def test_numpy_integers_are_accepted_where_ints_are():
    np = pytest.importorskip("numpy")
    topics = et.TopicModel(
        n_topics=np.int64(2), passes=np.int32(1), iterations=np.int64(5), random_state=np.int64(0)
    ).fit(FEW * 3)
    assert topics.transform(["天猫"]).shape == (1, 2)
    clf = et.ThemeClassifier(
        calibrate=False, char_min_df=np.int64(1), max_iter=np.int64(200), random_state=np.int64(0)
    ).fit(FEW, ["o2o", "o2o", "merchant_services", "merchant_services"])
    assert clf.predict(["线下门店"]) == ["o2o"]
    assert et.Tfidf(min_df=np.int64(1), ngram_range=(np.int64(1), np.int64(2))).fit(FEW).vocabulary_
    assert len(et.split_paragraphs("天猫。\n\nTmall.", max_words=np.int64(5))) == 2
    assert et.detect_language("Tmall", threshold=np.float64(0.9)) == "en"


def test_classify_many_checks_its_arguments_when_called(clf):
    # no iteration: the errors come from the call itself
    with pytest.raises(et.InputTypeError):
        et.classify_many("one string", clf)
    with pytest.raises(et.InputError, match="batch_size must be an int >= 1, got 0"):
        et.classify_many(["a"], clf, batch_size=0)
    with pytest.raises(et.InputError, match="backend must be one of"):
        et.classify_many(["a"], clf, backend="spark")
    with pytest.raises(et.ModelNotFoundError):
        et.classify_many(["a"], "no-such-model")
