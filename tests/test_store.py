"""The versioned model store: round trips, integrity, atomicity, concurrency."""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import re
import signal
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import ecomtopics
from ecomtopics import InputError, ModelIntegrityError, ModelNotFoundError, ModelStore, load_model
from ecomtopics.store import STORE_FORMAT, StorableModel, bundled_store_path, register_kind

# --------------------------------------------------------------------------- test models


class TinyClassifier:
    """A real, small classifier implementing the store protocol."""

    _store_kind = "test-tiny-classifier"
    _store_format = 1

    def __init__(self, C: float = 1.0, random_state: int = 0) -> None:
        self.C = C
        self.random_state = random_state

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        return {"C": self.C, "random_state": self.random_state}

    def fit(self, X: np.ndarray, y: np.ndarray) -> TinyClassifier:
        from sklearn.linear_model import LogisticRegression

        self.model_ = LogisticRegression(C=self.C, random_state=self.random_state).fit(X, y)
        return self

    @property
    def classes_(self) -> np.ndarray:
        return self.model_.classes_

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        return self.model_.predict_proba(X)

    def _to_store(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        m = self.model_
        config = {
            "C": self.C,
            "random_state": self.random_state,
            "n_features": int(m.n_features_in_),
        }
        return config, {"coef_": m.coef_, "intercept_": m.intercept_, "classes_": m.classes_}

    @classmethod
    def _from_store(cls, config: dict[str, Any], arrays: dict[str, np.ndarray]) -> TinyClassifier:
        from sklearn.linear_model import LogisticRegression

        self = cls(C=config["C"], random_state=config["random_state"])
        m = LogisticRegression(C=self.C, random_state=self.random_state)
        m.coef_, m.intercept_, m.classes_ = (
            arrays["coef_"],
            arrays["intercept_"],
            arrays["classes_"],
        )
        m.n_features_in_ = config["n_features"]
        self.model_ = m
        return self


class Bag:
    """Stores whatever config and arrays it is given (kept in step with _KILL_SCRIPT)."""

    _store_kind = "test-bag"
    _store_format = 1

    def __init__(
        self, config: dict[str, Any] | None = None, arrays: dict[str, np.ndarray] | None = None
    ):
        self.config = config or {}
        self.arrays = arrays or {}

    def _to_store(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        return dict(self.config), dict(self.arrays)

    @classmethod
    def _from_store(cls, config: dict[str, Any], arrays: dict[str, np.ndarray]) -> Bag:
        return cls(config, arrays)


register_kind("test-tiny-classifier", TinyClassifier)
register_kind("test-bag", Bag)


def make_data(
    seed: int = 0, n: int = 40, n_features: int = 4, n_classes: int = 3
) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, n_features))
    y = np.array(["o2o", "channel", "other"][:n_classes])[np.arange(n) % n_classes]
    X[:, 0] += np.arange(n) % n_classes  # some signal
    return X, y


def fitted(seed: int = 0) -> TinyClassifier:
    return TinyClassifier().fit(*make_data(seed))


@pytest.fixture
def store(tmp_path: Path) -> ModelStore:
    return ModelStore(tmp_path / "models")


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# --------------------------------------------------------------------------- round trips and layout


def test_protocol_and_public_names() -> None:
    assert isinstance(fitted(), StorableModel)
    assert ecomtopics.ModelStore is ModelStore and ecomtopics.load_model is load_model
    assert {"ModelStore", "load_model"} <= set(ecomtopics.__all__)


def test_round_trip_gives_identical_predict_proba(store: ModelStore) -> None:
    clf = fitted()
    X, _ = make_data(1)
    version = store.save(clf, "tiny")
    loaded = store.load("tiny", version)
    assert version == "v1"
    assert type(loaded) is TinyClassifier
    assert np.array_equal(loaded.predict_proba(X), clf.predict_proba(X))
    assert list(loaded.classes_) == list(clf.classes_)


def test_version_folder_layout_manifest_and_card(store: ModelStore) -> None:
    training = {
        "sha256": "ab" * 32,
        "rows": 40,
        "by_label": {"o2o": 14, "channel": 13},
        "paths": ["data/x.jsonl"],
    }
    version = store.save(
        fitted(),
        "tiny",
        metrics={"macro_f1": 0.75, "per_label": {"o2o": 0.8}},
        training_data=training,
        files={
            "report.json": '{"ok": true}\n',
            "report.md": "# 报告\n",
            "plots/curve.bin": b"\x00\x01",
        },
        description="Tiny test classifier.",
    )
    vdir = store.path("tiny", version)
    assert vdir == store.root / "tiny" / "v1"
    on_disk = sorted(p.relative_to(vdir).as_posix() for p in vdir.rglob("*") if p.is_file())
    assert on_disk == sorted(
        [
            "manifest.json",
            "config.json",
            "README.md",
            "arrays/coef_.npy",
            "arrays/intercept_.npy",
            "arrays/classes_.npy",
            "report.json",
            "report.md",
            "plots/curve.bin",
        ]
    )
    text = (vdir / "manifest.json").read_text(encoding="utf-8")
    manifest = json.loads(text)
    assert text == json.dumps(manifest, sort_keys=True, ensure_ascii=False, indent=2) + "\n"
    assert manifest == store.manifest("tiny")
    assert manifest["store_format"] == STORE_FORMAT == 2
    assert (manifest["name"], manifest["version"], manifest["kind"], manifest["kind_format"]) == (
        "tiny",
        "v1",
        "test-tiny-classifier",
        1,
    )
    assert manifest["created"].endswith("+00:00")
    assert manifest["params"] == {"C": 1.0, "random_state": 0}  # from get_params
    assert manifest["training_data"] == training
    assert manifest["metrics"]["macro_f1"] == 0.75
    assert manifest["description"] == "Tiny test classifier."
    assert set(manifest["library_versions"]) == {
        "python",
        "numpy",
        "scikit-learn",
        "gensim",
        "jieba",
        "rjieba",
        "ecomtopics",
    }
    assert manifest["library_versions"]["numpy"] == np.__version__
    assert set(manifest["files"]) == set(on_disk) - {"manifest.json"}
    for rel, digest in manifest["files"].items():
        assert sha(vdir / rel) == digest, rel
    assert (vdir / "report.md").read_text(encoding="utf-8") == "# 报告\n"
    assert (vdir / "plots/curve.bin").read_bytes() == b"\x00\x01"
    card = (vdir / "README.md").read_text(encoding="utf-8")
    for heading in (
        "What it is",
        "Intended use",
        "Training data",
        "Metrics",
        "Parameters",
        "Languages",
        "Limitations",
    ):
        assert f"## {heading}" in card
    assert "# tiny v1" in card and "| macro_f1 | 0.75 |" in card and "| o2o | 14 |" in card
    config_text = (vdir / "config.json").read_text(encoding="utf-8")
    assert (
        config_text
        == json.dumps(json.loads(config_text), sort_keys=True, ensure_ascii=False, indent=2) + "\n"
    )


def test_saving_the_same_model_twice_gives_byte_identical_files(store: ModelStore) -> None:
    clf = fitted()
    v1, v2 = store.save(clf, "tiny"), store.save(fitted(), "tiny")
    assert (v1, v2) == ("v1", "v2")
    files1, files2 = store.manifest("tiny", v1)["files"], store.manifest("tiny", v2)["files"]
    data_files = [rel for rel in files1 if rel == "config.json" or rel.startswith("arrays/")]
    assert len(data_files) == 4
    for rel in data_files:
        assert files1[rel] == files2[rel], rel
        assert (store.path("tiny", v1) / rel).read_bytes() == (
            store.path("tiny", v2) / rel
        ).read_bytes()


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(6, 30),
    n_features=st.integers(1, 5),
    n_classes=st.integers(2, 3),
    C=st.floats(0.01, 100.0),
)
def test_property_classifier_round_trip_is_identical(
    seed: int, n: int, n_features: int, n_classes: int, C: float
) -> None:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, n_features))
    y = np.arange(n) % n_classes  # every class present
    rng.shuffle(y)
    clf = TinyClassifier(C=C).fit(X, y)
    with tempfile.TemporaryDirectory() as tmp:
        version = ModelStore(tmp).save(clf, "tiny")
        loaded = load_model("tiny", version, store=tmp)
    assert loaded.C == C
    assert np.array_equal(loaded.predict_proba(X), clf.predict_proba(X))


_dtypes = st.one_of(
    hnp.floating_dtypes(),
    hnp.integer_dtypes(),
    hnp.unsigned_integer_dtypes(),
    hnp.complex_number_dtypes(),
    hnp.boolean_dtypes(),
    hnp.unicode_string_dtypes(),
)
_arrays = _dtypes.flatmap(
    lambda dt: hnp.arrays(dt, hnp.array_shapes(min_dims=0, max_dims=3, max_side=4))
)
_json = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**60), 2**60)
    | st.floats(allow_nan=False)
    | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3)
    ),
    max_leaves=8,
)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    arrays=st.dictionaries(
        st.from_regex(r"[a-z_][a-z0-9_]{0,8}", fullmatch=True), _arrays, max_size=4
    ),
    config=st.dictionaries(st.text(min_size=1, max_size=6), _json, max_size=4),
)
def test_property_any_arrays_and_config_round_trip_bit_for_bit(
    arrays: dict[str, np.ndarray], config: dict[str, Any]
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        store = ModelStore(tmp)
        version = store.save(Bag(config, arrays), "bag")
        loaded = store.load("bag", version)
    assert loaded.config == config
    assert sorted(loaded.arrays) == sorted(arrays)
    for key, array in arrays.items():
        got = loaded.arrays[key]
        assert got.dtype == array.dtype and got.shape == array.shape
        assert got.tobytes() == np.ascontiguousarray(array).tobytes()


# --------------------------------------------------------------------------- refusing bad input


def test_object_dtype_arrays_are_refused_with_the_array_name(store: ModelStore) -> None:
    with pytest.raises(InputError, match=r"array 'labels' has dtype object.*pickle"):
        store.save(
            Bag(arrays={"ok": np.ones(2), "labels": np.array(["a", 1], dtype=object)}), "bag"
        )
    with pytest.raises(InputError, match=r"array 'words' has dtype StringDType"):
        store.save(
            Bag(arrays={"words": np.array(["a", "bb"], dtype=np.dtypes.StringDType())}), "bag"
        )
    assert store.names() == []
    assert not (store.root / "bag").exists()  # refused before anything was written


@pytest.mark.parametrize(
    ("model", "match"),
    [
        (Bag(arrays={"x": [1, 2]}), r"array 'x' must be a numpy array, got list"),
        (Bag(arrays={"../evil": np.ones(1)}), r"array name '\.\./evil'.*not usable as a file name"),
        (Bag(arrays={"W": np.ones(1), "w": np.ones(1)}), r"differ only in case"),
        (Bag(config={"x": np.ones(3)}), r"numpy array of shape \(3,\) is not JSON"),
        (Bag(config={1: "a"}), r"key 1 of type int; JSON keys must be str"),
        (object(), r"does not implement the store protocol"),
    ],
)
def test_bad_models_are_refused(store: ModelStore, model: Any, match: str) -> None:
    with pytest.raises(InputError, match=match):
        store.save(model, "bag")


def test_unregistered_kind_is_refused_on_save(store: ModelStore) -> None:
    class Stray(Bag):
        _store_kind = "never-registered"

    with pytest.raises(
        InputError, match=r"kind 'never-registered' is not registered.*register_kind"
    ):
        store.save(Stray(), "stray")


def test_register_kind_checks_the_class() -> None:
    with pytest.raises(InputError, match=r"its _store_kind is 'test-bag'"):
        register_kind("other-kind", Bag)
    with pytest.raises(InputError, match=r"model kind must be lowercase"):
        register_kind("Bad Kind", "x:Y")


@pytest.mark.parametrize(
    "name", ["", "Tiny", "-tiny", ".tiny", "ti ny", "a/b", "x" * 65, "模型", None]
)
def test_bad_names_are_refused(store: ModelStore, name: Any) -> None:
    with pytest.raises(InputError, match=r"model name must match"):
        store.save(Bag(), name)
    with pytest.raises(InputError, match=r"model name must match"):
        store.load(name)


@pytest.mark.parametrize(
    ("files", "match"),
    [
        ({"manifest.json": "{}"}, "reserved"),
        ({"arrays/x.npy": b""}, "reserved"),
        ({"../escape.txt": "x"}, "not allowed"),
        ({"/abs.txt": "x"}, "not allowed"),
        ({"report.json": 3}, "must be str or bytes"),
    ],
)
def test_bad_extra_files_are_refused(store: ModelStore, files: dict[str, Any], match: str) -> None:
    with pytest.raises(InputError, match=match):
        store.save(Bag(), "bag", files=files)


def test_unknown_name_and_version_list_what_exists(store: ModelStore) -> None:
    with pytest.raises(ModelNotFoundError, match=r"no model named 'tiny'.*does not exist"):
        store.load("tiny")
    store.save(Bag(), "bag")
    store.save(Bag(), "bag")
    with pytest.raises(
        ModelNotFoundError, match=r"no model named 'tiny' in store .*; available: bag"
    ):
        store.load("tiny")
    with pytest.raises(
        ModelNotFoundError, match=r"model 'bag' has no version 'v9'.*available: v1, v2"
    ):
        store.load("bag", "v9")
    with pytest.raises(InputError, match=r"version must look like 'v1'"):
        store.load("bag", "latest")
    assert isinstance(ModelNotFoundError("x"), LookupError)


# --------------------------------------------------------------------------- versions and promotion


def test_versions_are_numbered_in_numeric_order_and_temporaries_hidden(store: ModelStore) -> None:
    for i in range(11):
        store.save(Bag(config={"i": i}), "bag")
    (store.root / "bag" / ".tmp-leftover").mkdir()
    (store.root / "empty").mkdir()
    (store.root / "README.md").write_text("not a model\n")
    assert store.versions("bag") == [f"v{i}" for i in range(1, 12)]
    assert store.names() == ["bag"]
    assert store.load("bag").config == {"i": 10}  # newest: v11, not v9
    assert store.verify() == [("bag", f"v{i}") for i in range(1, 12)]


def test_stale_temporaries_are_cleaned_up_fresh_ones_kept(store: ModelStore) -> None:
    store.save(Bag(), "bag")
    stale, fresh = store.root / "bag" / ".tmp-stale", store.root / "bag" / ".tmp-fresh"
    for folder in (stale, fresh):
        folder.mkdir()
        (folder / "config.json").write_text("{}")
    two_hours_ago = time.time() - 7200
    os.utime(stale, (two_hours_ago, two_hours_ago))
    store.save(Bag(), "bag")
    assert not stale.exists() and fresh.exists()


def test_promote_then_load_returns_promoted_not_newest(store: ModelStore) -> None:
    for i in range(3):
        store.save(Bag(config={"i": i}), "bag")
    assert store.promoted("bag") is None
    assert store.load("bag").config == {"i": 2}
    assert load_model("bag", store=store.root).config == {"i": 2}
    store.promote("bag", "v2")
    assert store.promoted("bag") == "v2"
    assert json.loads((store.root / "bag" / "promoted.json").read_text()) == {"version": "v2"}
    assert load_model("bag", store=store).config == {"i": 1}
    assert load_model("bag", store=str(store.root)).config == {"i": 1}
    assert load_model("bag", "v3", store=store).config == {"i": 2}
    assert store.manifest("bag")["version"] == "v2"
    assert store.path("bag") == store.root / "bag" / "v2"
    with pytest.raises(ModelNotFoundError, match=r"no version 'v7'.*available: v1, v2, v3"):
        store.promote("bag", "v7")
    assert store.promoted("bag") == "v2"


def test_load_model_honours_the_environment_variable(
    store: ModelStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    store.save(Bag(config={"from": "env"}), "bag")
    monkeypatch.setenv("ECOMTOPICS_MODELS", str(store.root))
    assert load_model("bag").config == {"from": "env"}
    monkeypatch.delenv("ECOMTOPICS_MODELS")
    with pytest.raises(ModelNotFoundError, match=re.escape(str(bundled_store_path()))):
        load_model("bag")


def test_bundled_store_path_is_the_repository_models_folder_in_an_editable_install() -> None:
    path = bundled_store_path()
    assert path.is_dir()
    assert path.name in {"models", "_bundled_models"}


def test_broken_promoted_pointer_is_an_integrity_error(store: ModelStore) -> None:
    store.save(Bag(), "bag")
    pointer = store.root / "bag" / "promoted.json"
    pointer.write_text('{"version": "v5"}')
    with pytest.raises(
        ModelIntegrityError,
        match=re.escape(str(pointer)) + r": promoted version 'v5' does not exist",
    ):
        store.load("bag")
    with pytest.raises(ModelIntegrityError, match=r"promoted version 'v5'"):
        store.verify("bag")
    store.promote("bag", "v1")  # promoting repairs it
    assert store.promoted("bag") == "v1"


# --------------------------------------------------------------------------- integrity


def _flip_byte(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[-1] ^= 0xFF
    path.write_bytes(bytes(data))


def _truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[:-5])


def _edit_manifest(**changes: Any) -> Any:
    def edit(vdir: Path) -> None:
        path = vdir / "manifest.json"
        manifest = json.loads(path.read_text())
        manifest.update(changes)
        path.write_text(json.dumps(manifest))

    return edit


def _writer(rel: str, data: bytes) -> Callable[[Path], Any]:
    return lambda vdir: (vdir / rel).write_bytes(data)


def _deleter(rel: str) -> Callable[[Path], Any]:
    return lambda vdir: (vdir / rel).unlink()


_BAD_FILES = {"../x": "0" * 64, "config.json": "0" * 64}

# case -> (what to do to the version folder, the file the error must name, what the error must say)
_TAMPERING: dict[str, tuple[Callable[[Path], Any], str, str]] = {
    "flipped byte in an array": (
        lambda v: _flip_byte(v / "arrays/coef_.npy"),
        "arrays/coef_.npy",
        r"checksum mismatch.*retrain",
    ),
    "flipped byte in the card": (
        lambda v: _flip_byte(v / "README.md"),
        "README.md",
        r"checksum mismatch.*restore",
    ),
    "truncated config": (
        lambda v: _truncate(v / "config.json"),
        "config.json",
        r"changed, truncated or damaged",
    ),
    "truncated array": (
        lambda v: _truncate(v / "arrays/classes_.npy"),
        "arrays/classes_.npy",
        r"checksum mismatch",
    ),
    "deleted array": (
        _deleter("arrays/intercept_.npy"),
        "arrays/intercept_.npy",
        r"file is missing.*retrain",
    ),
    "deleted manifest": (
        _deleter("manifest.json"),
        "manifest.json",
        r"manifest is missing.*retrain",
    ),
    "garbage manifest": (
        _writer("manifest.json", b"\x00{garbage"),
        "manifest.json",
        r"not valid JSON.*retrain",
    ),
    "manifest not an object": (
        _writer("manifest.json", b"[1, 2]"),
        "manifest.json",
        r"must be a JSON object",
    ),
    "newer store format": (
        _edit_manifest(store_format=99),
        "manifest.json",
        r"store_format 99 is newer.*upgrade ecomtopics",
    ),
    "newer kind format": (
        _edit_manifest(kind_format=99),
        "manifest.json",
        r"format 99 is newer than TinyClassifier.*upgrade ecomtopics",
    ),
    "unknown kind": (
        _edit_manifest(kind="martian-model"),
        "manifest.json",
        r"unknown model kind 'martian-model'.*upgrade ecomtopics",
    ),
    "copied version": (
        _edit_manifest(version="v7"),
        "manifest.json",
        r"describes tiny v7 but sits in tiny/v1",
    ),
    "path escape in manifest": (
        _edit_manifest(files=_BAD_FILES),
        "manifest.json",
        r"not a file name with a sha256",
    ),
}


@pytest.mark.parametrize("case", sorted(_TAMPERING))
def test_tampered_versions_are_refused_naming_the_file(store: ModelStore, case: str) -> None:
    tamper, rel, what = _TAMPERING[case]
    store.save(fitted(), "tiny")
    vdir = store.path("tiny", "v1")
    tamper(vdir)
    pattern = re.escape(str(vdir / rel)) + r": .*" + what
    with pytest.raises(ModelIntegrityError, match=pattern):
        store.load("tiny")
    with pytest.raises(ModelIntegrityError, match=pattern):
        store.verify()
    with pytest.raises(ModelIntegrityError, match=pattern):
        store.promote("tiny", "v1")


class Carrier(Bag):
    """A model that stores a file with itself and is rebuilt from it."""

    _store_kind = "test-carrier"

    def _to_store(self) -> tuple[dict[str, Any], dict[str, np.ndarray], dict[str, bytes]]:
        return dict(self.config), dict(self.arrays), {"lexicons/words.txt": b"a\nb\n"}

    @classmethod
    def _from_store(  # type: ignore[override]
        cls,
        config: dict[str, Any],
        arrays: dict[str, np.ndarray],
        files: dict[str, bytes] | None = None,
    ) -> Carrier:
        model = cls(config, arrays)
        model.files = files
        return model


register_kind("test-carrier", Carrier)


def test_a_model_is_rebuilt_from_the_files_it_stores_with_itself(store: ModelStore) -> None:
    version = store.save(Carrier({"a": 1}), "carrier", files={"report.md": "# hi"})
    vdir = store.path("carrier", version)
    manifest = store.manifest("carrier")
    assert manifest["model_files"] == ["lexicons/words.txt"]
    assert manifest["files"]["lexicons/words.txt"] == sha(vdir / "lexicons" / "words.txt")
    assert "lexicons" not in manifest  # the store records no provenance of its own
    assert store.load("carrier").files == {"lexicons/words.txt": b"a\nb\n"}
    (vdir / "lexicons" / "words.txt").write_bytes(b"a\nc\n")
    with pytest.raises(ModelIntegrityError, match=r"words\.txt: checksum mismatch"):
        store.load("carrier")
    with pytest.raises(InputError, match=r"would replace files the model stores"):
        store.save(Carrier(), "carrier", files={"lexicons/words.txt": "x"})


def test_builtin_models_read_text_with_the_lexicons_stored_with_them(
    store: ModelStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ecomtopics import ThemeClassifier
    from ecomtopics.tokenize import _lexicons

    texts = [
        "天猫线下门店",
        "offline stores open",
        "服务商 service providers",
        "double 11 sales",
    ] * 3
    labels = ["o2o", "o2o", "merchant_services", "operations"] * 3
    clf = ThemeClassifier(char_ngrams=None, context=False, calibrate=False).fit(texts, labels)
    version = store.save(clf, "themes")
    vdir = store.path("themes", version)
    package = _lexicons.package_lexicons()
    assert sorted(p.name for p in (vdir / "lexicons").iterdir()) == package.names()
    assert json.loads((vdir / "config.json").read_text())["lexicons"] == package.hashes()
    probe = ["天猫的线下门店 with offline stores"]
    before = store.load("themes").predict_proba(probe)
    # the package's lexicons change (no concepts at all): the stored model does not
    edited = _lexicons.Lexicons(
        {**{n: package.text(n) for n in package.names()}, "concepts.tsv": ""}, origin="edited"
    )
    monkeypatch.setattr(_lexicons, "package_lexicons", lambda: edited)
    for module in ("ecomtopics.classify._classifier", "ecomtopics.features"):
        monkeypatch.setattr(f"{module}.package_lexicons", lambda: edited)
    loaded = store.load("themes")
    assert loaded.lexicons_ == package != edited
    np.testing.assert_array_equal(loaded.predict_proba(probe), before)


def test_a_version_saved_without_its_lexicons_needs_the_same_package_lexicons(
    store: ModelStore,
) -> None:
    from ecomtopics import Tfidf
    from ecomtopics.tokenize import lexicon_hashes

    store.save(Tfidf().fit(["天猫线下门店", "offline stores"]), "words")
    vdir = store.path("words", "v1")
    # as store format 1 wrote it: no lexicons/, their hashes in the manifest
    manifest = json.loads((vdir / "manifest.json").read_text())
    for rel in manifest.pop("model_files"):
        del manifest["files"][rel]
    manifest.update(store_format=1, kind_format=1, lexicons=lexicon_hashes())
    (vdir / "manifest.json").write_text(json.dumps(manifest))
    from ecomtopics.tokenize._lexicons import package_lexicons

    assert store.load("words").lexicons_ is package_lexicons()  # the same files: allowed
    _edit_manifest(lexicons={**lexicon_hashes(), "concepts.tsv": "0" * 64})(vdir)
    with pytest.raises(
        ModelIntegrityError,
        match=re.escape(str(vdir)) + r": .*without its lexicons.*concepts\.tsv differ.*retrain",
    ):
        store.load("words")
    _edit_manifest(lexicons=None)(vdir)
    with pytest.raises(
        ModelIntegrityError, match=r"without its lexicons and without their checksums"
    ):
        store.load("words")


def test_a_kind_whose_code_cannot_be_imported_is_refused(store: ModelStore) -> None:
    register_kind("test-missing-code", "ecomtopics_no_such_module:Missing")
    store.save(fitted(), "tiny")
    vdir = store.path("tiny", "v1")
    _edit_manifest(kind="test-missing-code")(vdir)
    pattern = re.escape(str(vdir / "manifest.json")) + r": model kind 'test-missing-code' needs "
    with pytest.raises(
        ModelIntegrityError, match=pattern + r".*cannot be imported.*upgrade or reinstall"
    ):
        store.load("tiny")


def test_an_unexpected_extra_file_is_ignored(store: ModelStore) -> None:
    store.save(fitted(), "tiny")
    (store.path("tiny", "v1") / "notes.txt").write_text("added by hand\n")
    assert store.verify("tiny", "v1") == [("tiny", "v1")]
    assert isinstance(store.load("tiny"), TinyClassifier)


def test_verify_stops_at_the_first_bad_version_and_checks_one_version(store: ModelStore) -> None:
    for _ in range(3):
        store.save(fitted(), "tiny")
    _flip_byte(store.path("tiny", "v2") / "config.json")
    assert store.verify("tiny", "v3") == [("tiny", "v3")]
    with pytest.raises(
        ModelIntegrityError, match=re.escape(str(store.path("tiny", "v2") / "config.json"))
    ):
        store.verify("tiny")
    with pytest.raises(InputError, match="without a name"):
        store.verify(version="v1")


# --------------------------------------------------------------------------- crashes and concurrency

N_BIG = 300_000  # 4 arrays of 2.4 MB per save

_KILL_SCRIPT = textwrap.dedent(
    """
    import sys
    import numpy as np
    from ecomtopics.store import ModelStore, register_kind

    class Bag:
        _store_kind = "test-bag"
        _store_format = 1
        def __init__(self, config=None, arrays=None):
            self.config, self.arrays = config or {}, arrays or {}
        def _to_store(self):
            return dict(self.config), dict(self.arrays)
        @classmethod
        def _from_store(cls, config, arrays):
            return cls(config, arrays)

    register_kind("test-bag", Bag)
    store = ModelStore(sys.argv[1])
    n = int(sys.argv[2])
    arrays = {f"a{i}": np.arange(n, dtype=np.float64) * (i + 1) for i in range(4)}
    print("ready", flush=True)
    while True:
        version = store.save(Bag({"n": 4}, arrays), "big", files={"report.md": "big\\n" * 1000})
        print(version, flush=True)
    """
)
_VERSION_LINE = re.compile(r"^v[0-9]+$")


@pytest.mark.slow  # processes killed while saving, repeatedly
def test_a_process_killed_while_saving_leaves_the_store_valid(tmp_path: Path) -> None:
    root = tmp_path / "models"
    script = tmp_path / "saver.py"
    script.write_text(_KILL_SCRIPT)
    store = ModelStore(root)
    # each run: wait for one finished save (timing it), then SIGKILL at a fraction of a save's duration
    for fraction in (0.0, 0.15, 0.3, 0.5, 0.7, 0.9):
        command = [sys.executable, str(script), str(root), str(N_BIG)]
        proc = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
        watchdog = threading.Timer(60, proc.kill)
        watchdog.start()
        try:
            assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
            started = time.monotonic()
            assert _VERSION_LINE.match(proc.stdout.readline())
            time.sleep(fraction * (time.monotonic() - started))
        finally:
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            watchdog.cancel()
            if proc.stdout is not None:
                proc.stdout.close()
        listed = store.versions("big")
        assert all((root / "big" / v / "manifest.json").is_file() for v in listed)
    versions = store.versions("big")
    assert len(versions) >= 6
    leftovers = sum(1 for p in (root / "big").iterdir() if p.name.startswith(".tmp-"))
    assert leftovers >= 1, "no kill landed in the middle of a save; the test proved nothing"
    assert store.verify() == [("big", v) for v in versions]
    for version in versions:
        loaded = store.load("big", version)
        assert loaded.config == {"n": 4}
        assert np.array_equal(loaded.arrays["a3"], np.arange(N_BIG, dtype=np.float64) * 4)
    assert (
        store.save(Bag(), "big") == f"v{int(versions[-1][1:]) + 1}"
    )  # lock released, store usable


def _concurrent_saver(root: str, seed: int, barrier: Any, results: Any) -> None:
    # a Bag, not a TinyClassifier: importing scikit-learn in 4 fresh processes takes seconds
    model = Bag({"seed": seed}, {"weights": np.random.default_rng(seed).normal(size=(200, 50))})
    barrier.wait(timeout=60)
    results.put((seed, ModelStore(root).save(model, "many")))


@pytest.mark.slow  # four spawned processes
def test_four_processes_saving_at_once_get_distinct_versions(tmp_path: Path) -> None:
    ctx = multiprocessing.get_context("spawn")
    barrier, results = ctx.Barrier(4), ctx.Queue()
    root = str(tmp_path / "models")
    procs = [
        ctx.Process(target=_concurrent_saver, args=(root, seed, barrier, results))
        for seed in range(4)
    ]
    for proc in procs:
        proc.start()
    for proc in procs:  # the results are tiny, so joining before reading the queue cannot block
        proc.join(timeout=60)
    assert [proc.exitcode for proc in procs] == [0, 0, 0, 0]
    got = dict(results.get(timeout=10) for _ in procs)
    assert sorted(got.values(), key=lambda v: int(v[1:])) == ["v1", "v2", "v3", "v4"]
    store = ModelStore(root)
    assert store.versions("many") == ["v1", "v2", "v3", "v4"]
    assert len(store.verify("many")) == 4
    for seed, version in got.items():
        loaded = store.load("many", version)
        assert loaded.config == {"seed": seed}
        assert np.array_equal(
            loaded.arrays["weights"], np.random.default_rng(seed).normal(size=(200, 50))
        )


# --------------------------------------------------------------------------- special files, symlinks, sanity


def _finishes(call: Callable[[], Any], seconds: float = 60.0) -> Any:
    """Run ``call`` in a thread; fail (instead of hanging the suite) if it never returns."""
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["value"] = call()
        except BaseException as exc:  # noqa: BLE001 - handed back to the test
            outcome["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), "the store hung on a special file"
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("value")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
@pytest.mark.parametrize("rel", ["arrays/coef_.npy", "config.json", "manifest.json"])
@pytest.mark.parametrize("special", ["fifo", "dev-zero"])
def test_special_files_are_refused_not_read(store: ModelStore, rel: str, special: str) -> None:
    store.save(fitted(), "tiny")
    target = store.path("tiny", "v1") / rel
    target.unlink()
    if special == "fifo":
        os.mkfifo(target)
    else:
        target.symlink_to("/dev/zero")
    pattern = re.escape(str(target)) + ": .*(FIFO|outside the store)"
    for call in (
        lambda: store.load("tiny"),
        store.verify,
        lambda: load_model("tiny", store=store.root),
    ):
        with pytest.raises(ModelIntegrityError, match=pattern):
            _finishes(call)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_a_special_promoted_pointer_is_refused(store: ModelStore) -> None:
    store.save(fitted(), "tiny")
    os.mkfifo(store.root / "tiny" / "promoted.json")
    with pytest.raises(
        ModelIntegrityError, match=r"promoted\.json: expected a regular file, found a FIFO"
    ):
        _finishes(lambda: store.load("tiny"))


@pytest.mark.parametrize("link", ["array", "arrays folder", "version folder"])
def test_symlinks_leaving_the_store_are_refused(
    store: ModelStore, tmp_path: Path, link: str
) -> None:
    import shutil

    store.save(fitted(), "tiny")
    vdir = store.path("tiny", "v1")
    outside = tmp_path / "outside"
    outside.mkdir()
    moved = {
        "array": vdir / "arrays" / "coef_.npy",
        "arrays folder": vdir / "arrays",
        "version folder": vdir,
    }[link]
    shutil.move(str(moved), str(outside / moved.name))
    moved.symlink_to(outside / moved.name)  # same bytes, same checksums, but outside the store
    with pytest.raises(ModelIntegrityError, match=r"a symbolic link to .*outside the store"):
        store.load("tiny")
    with pytest.raises(ModelIntegrityError, match=r"outside the store"):
        store.verify()


def test_links_inside_the_store_and_a_linked_store_root_still_work(
    store: ModelStore, tmp_path: Path
) -> None:
    store.save(fitted(), "tiny")
    linked = tmp_path / "linked-store"
    linked.symlink_to(store.root)
    assert isinstance(ModelStore(linked).load("tiny"), TinyClassifier)
    assert ModelStore(linked).verify() == [("tiny", "v1")]


def _replace_array(vdir: Path, key: str, array: np.ndarray, *, allow_pickle: bool = False) -> None:
    """Write a new array and its checksum into the manifest: only loading can tell it is bad."""
    path = vdir / "arrays" / f"{key}.npy"
    path.unlink()
    with open(path, "wb") as fh:
        np.save(fh, array, allow_pickle=allow_pickle)
    manifest = json.loads((vdir / "manifest.json").read_text())
    manifest["files"][f"arrays/{key}.npy"] = sha(path)
    (vdir / "manifest.json").write_text(json.dumps(manifest))


@pytest.fixture
def shipped_copy(tmp_path: Path) -> tuple[ModelStore, Path]:
    """The bundled theme classifier copied into a fresh store."""
    import shutil

    source = bundled_store_path() / "theme-classifier" / "v4"
    target = tmp_path / "store" / "theme-classifier" / "v4"
    shutil.copytree(source, target)
    return ModelStore(tmp_path / "store"), target


def test_verify_means_the_version_loads(store: ModelStore) -> None:
    store.save(fitted(), "tiny")
    vdir = store.path("tiny", "v1")
    _replace_array(vdir, "coef_", np.array([{"a": 1}], dtype=object), allow_pickle=True)
    with pytest.raises(ModelIntegrityError, match=r"coef_\.npy: not a plain numpy array file"):
        store.verify("tiny")
    store.save(fitted(), "tiny")
    vdir = store.path("tiny", "v2")
    manifest = json.loads((vdir / "manifest.json").read_text())
    del manifest["files"]["arrays/intercept_.npy"]  # a dropped manifest entry
    (vdir / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(ModelIntegrityError, match=r"could not rebuild the model.*intercept_"):
        store.verify("tiny", "v2")


@pytest.mark.parametrize(
    ("key", "make", "what"),
    [
        (
            "coef",
            lambda a: np.full_like(a, np.nan),
            r"coef\.npy: \d+ of \d+ values are NaN or infinite",
        ),
        (
            "intercept",
            lambda a: np.append(a, np.inf),
            r"intercept\.npy: 1 of 6 values are NaN or infinite",
        ),
        ("coef", lambda a: a[:3], r"could not rebuild the model.*coef"),
        ("idf", lambda a: a.astype(np.float32)[:10], r"could not rebuild the model"),
    ],
)
def test_broken_numbers_with_matching_checksums_are_refused(
    shipped_copy: Any, key: str, make: Any, what: str
) -> None:
    store, vdir = shipped_copy
    _replace_array(vdir, key, make(np.load(vdir / "arrays" / f"{key}.npy")))
    with pytest.raises(ModelIntegrityError, match=what):
        store.verify()
    with pytest.raises(ModelIntegrityError, match=what):
        store.load("theme-classifier")


def test_verify_checks_the_classes(shipped_copy: Any) -> None:
    store, vdir = shipped_copy
    config = json.loads((vdir / "config.json").read_text())
    config["classes"] = ["o2o"] * len(config["classes"])
    (vdir / "config.json").write_text(json.dumps(config))
    manifest = json.loads((vdir / "manifest.json").read_text())
    manifest["files"]["config.json"] = sha(vdir / "config.json")
    (vdir / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(ModelIntegrityError, match=r"config\.json: classes .* are not distinct"):
        store.verify()


def test_every_shipped_version_carries_the_lexicons_it_was_trained_with() -> None:
    store = ModelStore(bundled_store_path())
    for name in store.names():
        for version in store.versions(name):
            manifest = store.manifest(name, version)
            vdir = store.path(name, version)
            stored = {p.name: sha(p) for p in (vdir / "lexicons").iterdir()}
            assert manifest["model_files"] == sorted(f"lexicons/{n}" for n in stored)
            # where the manifest recorded the lexicons' hashes, the stored copies are those files
            for file_name, digest in (manifest.get("lexicons") or {}).items():
                assert stored[file_name] == digest, (name, version, file_name)
            assert "gold_predictions" not in manifest["metrics"]  # they live in report.json
            assert "gold_predictions" in json.loads((vdir / "report.json").read_text()) or (
                name != "theme-classifier"
            )


def test_verify_runs_the_context_stage_on_a_document(monkeypatch):
    from ecomtopics.classify._scorer import LinearScorer

    store = ModelStore(bundled_store_path())
    version = store.promoted("theme-classifier")
    assert store.verify("theme-classifier", version)
    broken = lambda self, counts, *args: np.full((counts.shape[0], 5), np.nan)  # noqa: E731
    monkeypatch.setattr(LinearScorer, "_rest_scores", broken)
    with pytest.raises(ModelIntegrityError, match="in-context"):
        store.verify("theme-classifier", version)
