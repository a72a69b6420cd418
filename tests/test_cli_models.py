"""``ecomtopics models list | show | verify | promote``.

Most calls run in this process (``ecomtopics.cli.main``), where the test model
kind is registered by the ``plugin_bag`` fixture. The calls with
``subprocess=True`` run the real command line in a separate process, which
finds the kind the way an extension package provides it: an
``ecomtopics.model_kinds`` entry point of a small installed-looking
distribution put on PYTHONPATH (or, without it, does not).
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys
from pathlib import Path
from subprocess import CompletedProcess
from subprocess import run as run_process
from typing import Any

import numpy as np
import pytest

from conftest import _cli_in_process
from ecomtopics import ModelStore
from ecomtopics.store import register_kind

_PLUGIN = '''\
"""A model kind provided by an extension package (for the CLI tests)."""


class Bag:
    _store_kind = "cli-test-bag"
    _store_format = 1

    def __init__(self, config=None, arrays=None):
        self.config, self.arrays = config or {}, arrays or {}

    def _to_store(self):
        return dict(self.config), dict(self.arrays)

    @classmethod
    def _from_store(cls, config, arrays):
        return cls(config, arrays)
'''


@pytest.fixture(scope="module")
def plugin_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("plugin")
    (root / "ecomtopics_cli_testplugin.py").write_text(_PLUGIN)
    dist = root / "ecomtopics_cli_testplugin-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: ecomtopics-cli-testplugin\nVersion: 1.0\n"
    )
    (dist / "entry_points.txt").write_text(
        "[ecomtopics.model_kinds]\ncli-test-bag = ecomtopics_cli_testplugin:Bag\n"
    )
    return root


@pytest.fixture(scope="module")
def plugin_bag(plugin_dir: Path) -> type:
    """The extension's model class, imported and registered in this process too."""
    spec = importlib.util.spec_from_file_location(
        "ecomtopics_cli_testplugin", plugin_dir / "ecomtopics_cli_testplugin.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    register_kind("cli-test-bag", module.Bag)
    return module.Bag


@pytest.fixture
def store(tmp_path: Path, plugin_bag: type) -> ModelStore:
    """A store with demo v1 (with metrics), v2 and v3, and other v1; nothing promoted."""
    bag = plugin_bag
    store = ModelStore(tmp_path / "models")
    store.save(
        bag({"i": 1}, {"w": np.arange(5.0)}), "demo", metrics={"macro_f1": 0.8123, "accuracy": 0.9}
    )
    store.save(bag({"i": 2}, {"w": np.arange(6.0)}), "demo", metrics={"accuracy": 0.5})
    store.save(bag({"i": 3}, {"w": np.arange(7.0)}), "demo")
    store.save(bag({}, {}), "other", description="another model")
    return store


def run(
    plugin_dir: Path, *args: str, env: dict[str, str] | None = None, subprocess: bool = False
) -> CompletedProcess[str]:
    if not subprocess:
        return _run_here(args, env or {})
    full_env = {k: v for k, v in os.environ.items() if k != "ECOMTOPICS_MODELS"}
    full_env["PYTHONPATH"] = os.pathsep.join(
        filter(None, [str(plugin_dir), os.environ.get("PYTHONPATH")])
    )
    full_env.update(env or {})
    return run_process(
        [sys.executable, "-m", "ecomtopics.cli", *args],
        capture_output=True,
        text=True,
        env=full_env,
        timeout=120,
    )


def _run_here(args: tuple[str, ...], env: dict[str, str]) -> CompletedProcess[str]:
    saved = os.environ.get("ECOMTOPICS_MODELS")
    os.environ.pop("ECOMTOPICS_MODELS", None)
    os.environ.update(env)
    try:
        code, out, err = _cli_in_process(args)
    finally:
        os.environ.pop("ECOMTOPICS_MODELS", None)
        if saved is not None:
            os.environ["ECOMTOPICS_MODELS"] = saved
    return CompletedProcess(list(args), code, out, err)


def assert_one_line_error(result: CompletedProcess[str], *fragments: str) -> None:
    assert result.returncode == 1, result
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("ecomtopics models: error: ")
    for fragment in fragments:
        assert fragment in lines[0]


def test_list_shows_versions_promoted_marker_kind_and_key_metric(
    store: ModelStore, plugin_dir: Path
) -> None:
    store.promote("demo", "v2")
    # a separate process: the kind comes from the extension's entry point
    result = run(plugin_dir, "models", "list", "--store", str(store.root), subprocess=True)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["NAME", "VERSION", "PROMOTED", "KIND", "CREATED", "METRIC"]
    rows = [line.split() for line in lines[1:]]
    assert [row[:2] for row in rows] == [
        ["demo", "v1"],
        ["demo", "v2"],
        ["demo", "v3"],
        ["other", "v1"],
    ]
    assert rows[0][2:] == [
        "cli-test-bag",
        store.manifest("demo", "v1")["created"],
        "macro_f1=0.8123",
    ]
    assert rows[1][2:4] == ["*", "cli-test-bag"] and rows[1][-1] == "accuracy=0.5"
    assert rows[2][-1] == "-"


def test_list_an_empty_store(tmp_path: Path, plugin_dir: Path) -> None:
    (tmp_path / "nothing").mkdir()
    result = run(plugin_dir, "models", "list", "--store", str(tmp_path / "nothing"))
    assert result.returncode == 0
    assert result.stdout.strip() == f"no models in {tmp_path / 'nothing'}"


@pytest.mark.parametrize("action", ["list", "verify"])
@pytest.mark.parametrize("how", ["--store", "env"])
def test_a_store_that_does_not_exist_is_an_error(
    tmp_path: Path, plugin_dir: Path, action: str, how: str
) -> None:
    missing = tmp_path / "mistyped"
    if how == "--store":
        result = run(plugin_dir, "models", action, "--store", str(missing))
    else:
        result = run(plugin_dir, "models", action, env={"ECOMTOPICS_MODELS": str(missing)})
    assert_one_line_error(
        result,
        f"store {missing} does not exist",
        "ECOMTOPICS_MODELS" if how == "env" else "--store",
    )


def test_store_defaults_to_the_environment_variable(store: ModelStore, plugin_dir: Path) -> None:
    result = run(plugin_dir, "models", "list", env={"ECOMTOPICS_MODELS": str(store.root)})
    assert result.returncode == 0, result.stderr
    assert "demo" in result.stdout and "other" in result.stdout


def test_show_prints_the_manifest(store: ModelStore, plugin_dir: Path) -> None:
    result = run(plugin_dir, "models", "show", "demo", "v1", "--store", str(store.root))
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == store.manifest("demo", "v1")
    assert result.stdout.startswith('{\n  "created"')  # pretty: indented, sorted keys
    newest = run(plugin_dir, "models", "show", "demo", "--store", str(store.root))
    assert json.loads(newest.stdout)["version"] == "v3"


def test_show_unknown_version_or_name_fails_listing_what_exists(
    store: ModelStore, plugin_dir: Path
) -> None:
    result = run(plugin_dir, "models", "show", "demo", "v9", "--store", str(store.root))
    assert_one_line_error(result, "no version 'v9'", "available: v1, v2, v3")
    result = run(plugin_dir, "models", "show", "nope", "--store", str(store.root))
    assert_one_line_error(result, "no model named 'nope'", "available: demo, other")
    result = run(plugin_dir, "models", "show", "Bad Name", "--store", str(store.root))
    assert_one_line_error(result, "model name must match")


def test_verify_prints_ok_lines(store: ModelStore, plugin_dir: Path) -> None:
    result = run(plugin_dir, "models", "verify", "--store", str(store.root))
    assert result.returncode == 0, result.stderr
    ok = [line for line in result.stdout.splitlines() if line.startswith("OK ")]
    assert [line.split()[1:3] for line in ok] == [
        ["demo", "v1"],
        ["demo", "v2"],
        ["demo", "v3"],
        ["other", "v1"],
    ]
    assert "4 version(s) verified" in result.stdout
    one = run(plugin_dir, "models", "verify", "demo", "v2", "--store", str(store.root))
    assert one.returncode == 0 and one.stdout.startswith("OK demo v2 (4 files)")


def test_verify_a_tampered_store_exits_1_with_one_clear_line(
    store: ModelStore, plugin_dir: Path
) -> None:
    bad = store.path("demo", "v2") / "arrays" / "w.npy"
    data = bytearray(bad.read_bytes())
    data[-1] ^= 0x01
    bad.write_bytes(bytes(data))
    result = run(plugin_dir, "models", "verify", "--store", str(store.root))
    assert_one_line_error(result, str(bad), "checksum mismatch", "retrain the model or restore")
    assert len(result.stdout.splitlines()) == 1
    assert result.stdout.startswith("OK demo v1")  # what passed before the bad file is reported
    still_ok = run(plugin_dir, "models", "verify", "other", "--store", str(store.root))
    assert still_ok.returncode == 0


def test_verify_refuses_a_manifest_from_a_newer_ecomtopics(
    store: ModelStore, plugin_dir: Path
) -> None:
    path = store.path("other", "v1") / "manifest.json"
    manifest: dict[str, Any] = json.loads(path.read_text())
    manifest["store_format"] = 99
    path.write_text(json.dumps(manifest))
    result = run(plugin_dir, "models", "verify", "other", "--store", str(store.root))
    assert_one_line_error(result, str(path), "store_format 99", "upgrade ecomtopics")


def test_verify_without_the_extension_names_the_unknown_kind(
    store: ModelStore, tmp_path: Path
) -> None:
    # a separate process without the extension on its path
    result = run(tmp_path, "models", "verify", "--store", str(store.root), subprocess=True)
    assert_one_line_error(
        result, "unknown model kind 'cli-test-bag'", "install the package that provides the kind"
    )


def test_promote_changes_what_show_and_load_return(store: ModelStore, plugin_dir: Path) -> None:
    result = run(plugin_dir, "models", "promote", "demo", "v1", "--store", str(store.root))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "promoted demo v1"
    assert store.promoted("demo") == "v1"
    assert store.load("demo").config == {"i": 1}
    again = run(plugin_dir, "models", "promote", "demo", "v3", "--store", str(store.root))
    assert again.stdout.strip() == "promoted demo v3 (was v1)"
    shown = run(plugin_dir, "models", "show", "demo", "--store", str(store.root))
    assert json.loads(shown.stdout)["version"] == "v3"


def test_promote_refuses_unknown_and_tampered_versions(store: ModelStore, plugin_dir: Path) -> None:
    result = run(plugin_dir, "models", "promote", "demo", "v8", "--store", str(store.root))
    assert_one_line_error(result, "no version 'v8'", "available: v1, v2, v3")
    config = store.path("demo", "v2") / "config.json"
    config.write_text(config.read_text() + " ")
    result = run(plugin_dir, "models", "promote", "demo", "v2", "--store", str(store.root))
    assert_one_line_error(result, str(config), "checksum mismatch")
    assert store.promoted("demo") is None


def test_help_texts_have_examples(plugin_dir: Path) -> None:
    result = run(plugin_dir, "models", "--help")
    assert result.returncode == 0
    assert "ecomtopics models list" in result.stdout and "examples:" in result.stdout
    for action in ("list", "show", "verify", "promote"):
        sub = run(plugin_dir, "models", action, "--help")
        assert sub.returncode == 0
        assert "example:" in sub.stdout and f"ecomtopics models {action}" in sub.stdout
        assert "--store DIR" in sub.stdout
    missing = run(plugin_dir, "models")
    assert missing.returncode == 2 and "ACTION" in missing.stderr


def test_train_needs_a_store_and_never_writes_into_the_package(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import ecomtopics
    from ecomtopics.cli import main

    monkeypatch.delenv("ECOMTOPICS_MODELS", raising=False)
    args = ["train", "theme-classifier", "--data", "data/authored"]
    assert main(args) == 1
    err = capsys.readouterr().err
    assert "--store DIR or the ECOMTOPICS_MODELS environment variable" in err
    inside = Path(ecomtopics.__file__).resolve().parent / "_bundled_models"
    assert main([*args, "--store", str(inside)]) == 1
    assert "inside the installed ecomtopics package" in capsys.readouterr().err
    monkeypatch.setenv("ECOMTOPICS_MODELS", str(inside))
    assert main(args) == 1
    assert "$ECOMTOPICS_MODELS" in capsys.readouterr().err
