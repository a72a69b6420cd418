"""Issue 16, item 7 (part): python -m ecomtopics, INFO logging only with -v."""

from __future__ import annotations

import os
import subprocess
import sys

from conftest import SEEDS

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
