"""One-off migration (issue 15): give each stored version the lexicons it was trained with.

For every version of the store saved without its lexicons (store format 1):

* if its manifest records lexicon hashes (``lexicons``, and ``topic_units_sha256``
  in a topic model's config), each file is the blob in the git history of
  ``src/ecomtopics/tokenize/lexicons/`` whose text has that sha256 (hashed as
  the store did: sha256 of the UTF-8 text);
* otherwise (versions saved before hashes were recorded) the lexicon files of
  the commit that added the version to git, the state it was trained in.

The files are added through ``ModelStore._add_model_files`` (the version is
verified first, its files are kept byte for byte, the manifest keeps headline
metrics only, since ``report.json`` already holds them all, and the card is
rendered again). Run from the repository root: ``python tools/bundle_lexicons.py models``.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

from ecomtopics.jobs import headline_metrics
from ecomtopics.store import ModelStore
from ecomtopics.tokenize._lexicons import LEXICON_FILES

LEXICON_DIR = "src/ecomtopics/tokenize/lexicons"


def git(*args: str) -> str:
    return subprocess.run(["git", *args], check=True, capture_output=True, text=True).stdout


def blob(commit: str, name: str) -> str | None:
    try:
        return git("show", f"{commit}:{LEXICON_DIR}/{name}")
    except subprocess.CalledProcessError:
        return None


def sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def by_hash(name: str, digest: str) -> tuple[str, str]:
    for commit in git("log", "--all", "--format=%H", "--", f"{LEXICON_DIR}/{name}").split():
        text = blob(commit, name)
        if text is not None and sha(text) == digest:
            return commit, text
    raise SystemExit(f"no version of {name} in git history has sha256 {digest}")


def lexicons_of(vdir: Path) -> tuple[dict[str, bytes], str]:
    manifest = json.loads((vdir / "manifest.json").read_text(encoding="utf-8"))
    config = json.loads((vdir / "config.json").read_text(encoding="utf-8"))
    recorded = dict(manifest.get("lexicons") or {})
    if config.get("topic_units_sha256"):
        recorded["topic_units.tsv"] = config["topic_units_sha256"]
    files: dict[str, bytes] = {}
    if recorded:
        for name, digest in sorted(recorded.items()):
            commit, text = by_hash(name, digest)
            files[f"lexicons/{name}"] = text.encode("utf-8")
        how = "matched by the sha256 recorded in the manifest (and config) against git history"
    else:
        added = git("log", "--diff-filter=A", "--format=%H", "--", str(vdir / "manifest.json"))
        commit = added.split()[-1]
        for name in LEXICON_FILES:
            text = blob(commit, name)
            if text is not None:
                files[f"lexicons/{name}"] = text.encode("utf-8")
        how = f"as of commit {commit[:7]}, which added this version (no hashes were recorded)"
    return files, how


def main(root: str) -> None:
    store = ModelStore(root)
    for name in store.names():
        for version in store.versions(name):
            manifest = store.manifest(name, version)
            if manifest.get("model_files"):
                print(f"{name} {version}: already carries its model files")
                continue
            vdir = store.path(name, version)
            files, how = lexicons_of(vdir)
            report = json.loads((vdir / "report.json").read_text(encoding="utf-8"))
            metrics = headline_metrics(manifest["metrics"]) if report == manifest["metrics"] else None
            note = f"lexicons/ added by tools/bundle_lexicons.py (issue 15): {how}"
            store._add_model_files(name, version, files, note=note, metrics=metrics)
            print(f"{name} {version}: {len(files)} lexicon files, {how}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "models")
