"""Issue 16, item 7 (part): python -m ecomtopics, INFO logging only with -v."""

from __future__ import annotations

import os
import subprocess
import sys

from conftest import SEEDS, run_cli

SEED = str(SEEDS / "003_3d90cc2468adc228.txt")


def _run(*args):
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    proc = subprocess.run([sys.executable, *args], capture_output=True, timeout=300, env=env)
    return proc.returncode, proc.stdout.decode("utf-8"), proc.stderr.decode("utf-8")


def test_python_dash_m_ecomtopics_works():
    code, out, _ = _run("-m", "ecomtopics", "--version")
    assert code == 0 and out.startswith("ecomtopics ")


def test_info_logging_is_off_by_default_and_on_with_v():
    code, _, err = _run("-m", "ecomtopics", "topics", SEED, "--n-topics", "2")
    assert code == 0 and "INFO" not in err
    code, _, err = _run("-m", "ecomtopics", "-v", "topics", SEED, "--n-topics", "2")
    assert code == 0 and "INFO ecomtopics" in err


# -- the rest of item 7: missing extras, --model-version, spelling hints, records carry lang/labels


def _blocked(module, *argv):
    """Run the CLI in a subprocess in which ``module`` cannot be imported."""
    code = (
        f"import sys; sys.modules[{module!r}] = None\n"
        "from ecomtopics.cli import main\n"
        f"sys.exit(main({list(argv)!r}))\n"
    )
    return _run("-c", code)


def test_a_missing_extra_is_one_line_before_any_work(tmp_path):
    import time

    for module, option, extra in (
        ("matplotlib", "--plot", "viz"),
        ("pyLDAvis", "--ldavis", "ldavis"),
    ):
        target = tmp_path / f"out.{extra}"
        start = time.monotonic()
        code, out, err = _blocked(
            module, "topics", str(SEEDS), "--n-topics", "3", option, str(target)
        )
        assert code == 1 and out == ""  # no topics were fitted or printed
        assert err.strip().count("\n") == 0 and f'pip install "ecomtopics[{extra}]"' in err
        assert "Traceback" not in err and not target.exists()
        assert time.monotonic() - start < 60


def test_model_version_and_the_deprecated_version_alias():
    code, out, err = _run(
        "-m", "ecomtopics", "classify", SEED, "--model-version", "v99", "--format", "json"
    )
    assert code == 1 and "v99" in err and "deprecated" not in err
    code, out, err = _run("-m", "ecomtopics", "classify", SEED, "--version", "v99")
    assert code == 1 and "deprecated, use --model-version v99" in err
    code, out, _ = _run("-m", "ecomtopics", "classify", "--help")
    assert "--model-version" in out and "--version" not in out.replace("--model-version", "")
    code, out, _ = _run("-m", "ecomtopics", "--version")  # still the package version
    assert code == 0 and out.startswith("ecomtopics ")


def test_model_version_is_on_every_subcommand_that_loads_a_model():
    for command in ("classify", "topics", "report", "evaluate"):
        _, out, _ = _run("-m", "ecomtopics", command, "--help")
        assert "--model-version" in out, command


def test_a_misspelt_flag_or_choice_gets_a_suggestion():
    cases = [
        (("keywords", SEED, "--topn", "5"), "did you mean --top-n?"),
        (("topics", SEED, "--n-topic", "2", "--formt", "csv"), "did you mean --format?"),
        (("classify", SEED, "--model-verison", "v1"), "did you mean --model-version?"),
        (("classfy", SEED), "did you mean 'classify'?"),
        (("keywords", SEED, "--format", "jsn"), "did you mean 'json'?"),
    ]
    for argv, hint in cases:
        code, _, err = _run("-m", "ecomtopics", *argv)
        assert code == 2 and hint in err, (argv, err)
    code, _, err = _run("-m", "ecomtopics", "keywords", SEED, "--zzzzzz")
    assert code == 2 and "did you mean" not in err  # nothing close: no guess


def test_json_lines_records_carry_lang_and_labels(tmp_path):
    import json

    src = tmp_path / "in.jsonl"
    src.write_text(
        '{"id": 1, "text": "天猫线下门店与会员打通，服务商帮助商家开店"}\n'
        '{"id": 2, "text": "Service providers help merchants run their stores"}\n'
        '{"id": 3, "text": ""}\n',
        encoding="utf-8",
    )
    for jobs in ("1", "2"):
        code, out, err = run_cli("classify", str(src), "--n-jobs", jobs)
        assert code == 0, err
        rows = [json.loads(line) for line in out.splitlines()]
        assert [r.get("lang") for r in rows[:2]] == ["zh", "en"]
        assert all(isinstance(r["labels"], list) and r["labels"] for r in rows[:2])
        assert all(
            r["label"] == max(r["probabilities"], key=r["probabilities"].get) for r in rows[:2]
        )
        assert rows[2] == {"id": 3, "error": "'text' is empty"}
