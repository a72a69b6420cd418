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
