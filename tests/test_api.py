"""The public API: what __all__ promises is really there, and import stays light."""

from __future__ import annotations

import inspect
import subprocess
import sys
import types

import ecomtopics

#: The public API, spelled out: adding or removing a name must change this list (as httpx does).
PUBLIC = [
    "Analyzer",
    "DataError",
    "EcomtopicsError",
    "Explanation",
    "InputError",
    "InputTypeError",
    "JobConfig",
    "JobResult",
    "LabelledParagraph",
    "ModelIntegrityError",
    "ModelNotFoundError",
    "ModelStore",
    "ModelStoreError",
    "NotFittedError",
    "Paragraph",
    "StorableModel",
    "THEMES",
    "TextStream",
    "Tfidf",
    "ThemeClassifier",
    "Tokenizer",
    "TopicModel",
    "__version__",
    "classify_document",
    "classify_many",
    "clean_text",
    "detect_language",
    "evaluate",
    "load_job_config",
    "load_model",
    "original_texts",
    "read_labelled",
    "register_kind",
    "run_job",
    "select_n_topics",
    "split_paragraphs",
]


def test_all_is_exactly_the_public_api():
    assert ecomtopics.__all__ == PUBLIC
    for name in PUBLIC:
        assert getattr(ecomtopics, name) is not None, name


def test_dir_lists_the_public_api():
    public = {n for n in dir(ecomtopics) if not n.startswith("_")}
    modules = {n for n in public if isinstance(getattr(ecomtopics, n), types.ModuleType)}
    helpers = {"annotations", "TYPE_CHECKING"}  # names __init__.py itself uses
    assert public - modules - helpers == set(PUBLIC) - {"__version__"}


def test_errors_report_their_public_name():
    for name in PUBLIC:
        obj = getattr(ecomtopics, name)
        if isinstance(obj, type) and issubclass(obj, Exception):
            assert obj.__module__ == "ecomtopics" and getattr(ecomtopics, obj.__name__) is obj


def test_unknown_attribute_is_an_attribute_error():
    try:
        ecomtopics.no_such_name  # noqa: B018
    except AttributeError as exc:
        assert "no_such_name" in str(exc)
    else:
        raise AssertionError("expected AttributeError")


def test_import_does_not_load_heavy_libraries():
    code = (
        "import sys, ecomtopics; "
        "heavy = [m for m in ('sklearn', 'gensim', 'jieba', 'rjieba', 'scipy') if m in sys.modules]; "
        "print(','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_library_never_configures_the_root_logger():
    code = (
        "import logging, ecomtopics as et; "
        "et.Tokenizer()('天猫双十一'); et.Tokenizer(engine='jieba')('天猫'); et.split_paragraphs('a'); "
        "h = logging.getLogger('ecomtopics').handlers; "
        "assert h and all(isinstance(x, logging.NullHandler) for x in h), h; "
        "assert logging.getLogger().handlers == [], logging.getLogger().handlers"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stderr == ""  # jieba's loading messages are kept quiet


def test_evaluate_stays_the_function_when_its_module_is_imported():
    from ecomtopics.evaluate import score_predictions  # binds the submodule on the package

    assert callable(score_predictions)
    assert inspect.isfunction(ecomtopics.evaluate)
    assert ecomtopics.evaluate.__module__ == "ecomtopics.evaluate"
