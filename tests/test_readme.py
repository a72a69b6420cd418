"""The README's quick start is what CI runs."""

from __future__ import annotations

import re

from conftest import ROOT


def _commands() -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.index("## Quick start")
    section = readme[start : readme.index("\n## ", start + 5)]
    return re.findall(r"```bash\n(.+?)\n```", section, flags=re.S)


def test_quick_start_has_exactly_two_commands():
    commands = _commands()
    assert len(commands) == 2
    assert all("\n" not in c for c in commands)


def test_ci_runs_the_readme_test_command():
    test_command = _commands()[1]
    install_and_test = test_command.split("&& ", 2)[-1]  # after venv creation and activation
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert install_and_test.replace("pip install -e", "pip install --quiet -e") in ci


def test_ci_runs_the_slow_tests_too():
    import tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert "-m 'not slow'" in config["tool"]["pytest"]["ini_options"]["addopts"]
    assert _commands()[1].endswith('python -m pytest -m "slow or not slow"')
