from __future__ import annotations

import contextlib
import io
import logging
import os
import re
import shutil
import subprocess
import traceback
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"


@pytest.fixture(scope="session")
def seed_texts() -> dict[str, str]:
    """The five seed documents by the first three characters of their file name."""
    return {p.name[:3]: p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))}


def run_cli(
    *args: str,
    stdin: bytes | None = None,
    check_code: int | None = None,
    timeout: float = 300,
    subprocess: bool = False,
) -> tuple[int, str, str]:
    """Run ``ecomtopics ARGS``: (exit code, stdout, stderr).

    In this process through :func:`ecomtopics.cli.main` (fast: no interpreter
    start, models and dictionaries loaded once), or as a real subprocess with
    ``subprocess=True`` or when ``stdin`` is given: for what only a process
    shows (exit codes of the real entry point, stdin, logging set-up, signals).
    """
    if subprocess or stdin is not None:
        code, out, err = _cli_subprocess(args, stdin, timeout)
    else:
        code, out, err = _cli_in_process(args)
    if check_code is not None:
        assert code == check_code, (code, out[-2000:], err[-2000:])
    return code, out, err


def _cli_subprocess(args: tuple[str, ...], stdin: bytes | None, timeout: float):
    import subprocess
    import sys

    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    proc = subprocess.run(
        [sys.executable, "-m", "ecomtopics.cli", *args],
        input=stdin,
        capture_output=True,
        timeout=timeout,
        env=env,
    )
    return proc.returncode, proc.stdout.decode("utf-8"), proc.stderr.decode("utf-8")


def _cli_in_process(args: tuple[str, ...]):
    from ecomtopics.cli import main

    out, err = (io.TextIOWrapper(io.BytesIO(), encoding="utf-8") for _ in range(2))
    logger, root = logging.getLogger("ecomtopics"), logging.getLogger()
    level, root_level, root_handlers = logger.level, root.level, root.handlers[:]
    root.handlers = []  # so that main() sets up logging to its stderr, as in a process of its own
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main(list(args))
            except SystemExit as exc:  # argparse: --help, usage errors
                code = exc.code if isinstance(exc.code, int) else 0 if exc.code is None else 1
            except Exception:  # what the interpreter does with an uncaught error (--debug)
                traceback.print_exc()
                code = 1
    finally:  # main() set up logging: keep that to this call
        for handler in root.handlers:
            handler.close()
        root.handlers, root.level = root_handlers, root_level
        logger.setLevel(level)
    texts = []
    for stream in (out, err):
        stream.flush()
        texts.append(stream.buffer.getvalue().decode("utf-8"))  # type: ignore[attr-defined]
    return code, texts[0], texts[1]


#: A headless browser for the report tests (CI installs Debian's chromium), or None.
CHROMIUM = next(
    (p for p in map(shutil.which, ("chromium", "chromium-browser", "google-chrome")) if p), None
)
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None, reason="no chromium here (CI installs Debian's chromium)"
)


def screenshot(page: str, folder: Path, width: int, height: int, timeout: float = 180) -> str:
    """Open ``page`` (HTML) in headless Chromium and take a ``width`` x ``height`` screenshot.

    Asserts that the browser exits cleanly and that its console shows no error;
    returns the path of the PNG (the browser's log is in ``screenshot.log``).
    """
    html_path, shot = folder / "report.html", folder / "shot.png"
    html_path.write_text(page, encoding="utf-8")
    proc = subprocess.run(
        [
            str(CHROMIUM),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={folder / 'profile'}",
            "--enable-logging=stderr",
            "--v=1",
            f"--window-size={width},{height}",
            f"--screenshot={shot}",
            html_path.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    console = [line for line in proc.stderr.splitlines() if "CONSOLE" in line]
    assert not [line for line in console if re.search(r"error|uncaught|failed", line, re.I)], (
        console
    )
    (folder / "screenshot.log").write_text(proc.stderr, encoding="utf-8")
    return str(shot)
