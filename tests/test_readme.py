"""The README's quick start is what CI runs, and its tour runs as a doctest."""

from __future__ import annotations

import re

import pytest

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


def _tour() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.index("## A five-minute tour")
    blocks = re.findall(r"```pycon\n(.+?)\n```", readme[start:], flags=re.S)
    assert len(blocks) == 1, "the tour has one Python session (```pycon)"
    return blocks[0] + "\n"


@pytest.mark.slow
def test_the_tour_runs_as_a_doctest(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every output the tour shows is what the code gives, the shipped models' included."""
    import doctest

    monkeypatch.chdir(ROOT)
    monkeypatch.delenv("ECOMTOPICS_MODELS", raising=False)  # the bundled models
    parser = doctest.DocTestParser()
    test = parser.get_doctest(_tour(), {}, "README.md tour", str(ROOT / "README.md"), 0)
    assert len(test.examples) > 20
    runner = doctest.DocTestRunner(
        optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE | doctest.REPORT_UDIFF
    )
    out: list[str] = []
    result = runner.run(test, out=out.append)
    assert result.failed == 0, "".join(out)


def test_ci_runs_the_slow_tests_too():
    import tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert "-m 'not slow'" in config["tool"]["pytest"]["ini_options"]["addopts"]
    assert _commands()[1].endswith('python -m pytest -m "slow or not slow"')
