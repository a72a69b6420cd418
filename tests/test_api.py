"""The public API: what __all__ promises is really there, and import stays light."""

from __future__ import annotations

import subprocess
import sys

import ecomtopics


def test_all_is_sorted_and_resolves():
    assert ecomtopics.__all__ == sorted(ecomtopics.__all__)
    for name in ecomtopics.__all__:
        assert getattr(ecomtopics, name) is not None, name


def test_public_names_match_all():
    public = {n for n in dir(ecomtopics) if not n.startswith("_")} - {
        "annotations",
        "importlib",
        "logging",
    }
    assert public - set(ecomtopics.__all__) <= {
        "TYPE_CHECKING",
        "Any",
        "cli",
        "text",
        "tokenize",
    } | {m for m in public if isinstance(getattr(ecomtopics, m, None), type(ecomtopics))}


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
