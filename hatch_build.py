"""Build hook: compiles the optional C featurizer; the wheel ships only the promoted models.

``load_model(kind)`` reads ``promoted.json`` and loads that version, so a
wheel needs nothing else from ``models/``; older versions stay in the
repository (and in the source distribution) for comparisons and audits.

``src/ecomtopics/_native.c`` (the hot loops of feature counting) and
``_zhseg.c`` (Chinese segmentation as rjieba does it) are compiled with the C
compiler Python was built with (or ``$CC``), for wheels and editable installs alike.
Without a compiler the build goes on with a warning and the package uses its
pure-Python paths and rjieba, which give the same results, slower.
"""

from __future__ import annotations

import hashlib
import json
import os
import shlex
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

BUNDLED = "ecomtopics/_bundled_models"


class BundledModels(BuildHookInterface):  # type: ignore[misc]
    PLUGIN_NAME = "custom"

    _temporary: list[Path]

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        self._temporary = []
        if self.target_name != "wheel":
            return
        self._native(build_data, editable=version == "editable")
        if version == "editable":
            return  # an editable install reads the repository's models/ folder
        models = Path(self.root) / "models"
        for model_dir in sorted(p for p in models.iterdir() if p.is_dir()):
            pointer = model_dir / "promoted.json"
            if not pointer.is_file():
                raise RuntimeError(
                    f"{model_dir} has no promoted.json: promote the version to ship with "
                    f"`ecomtopics models promote {model_dir.name} VERSION --store models`"
                )
            promoted = json.loads(pointer.read_text(encoding="utf-8"))["version"]
            target = f"{BUNDLED}/{model_dir.name}"
            build_data["force_include"][str(pointer)] = f"{target}/promoted.json"
            build_data["force_include"][str(model_dir / promoted)] = f"{target}/{promoted}"

    def finalize(self, version: str, build_data: dict[str, Any], artifact_path: str) -> None:
        for folder in getattr(self, "_temporary", []):
            shutil.rmtree(folder, ignore_errors=True)

    def _native(self, build_data: dict[str, Any], editable: bool) -> None:
        """Compile each ``_*.c``: in place for an editable install, into the wheel otherwise."""
        if os.environ.get("ECOMTOPICS_NO_NATIVE"):
            return
        built = False
        for source in sorted((Path(self.root) / "src" / "ecomtopics").glob("_*.c")):
            name = source.stem + sysconfig.get_config_var("EXT_SUFFIX")
            if editable:
                target = source.with_name(name)
            else:  # removed in finalize(), once the wheel holds the module
                folder = Path(tempfile.mkdtemp(prefix="ecomtopics-"))
                self._temporary.append(folder)
                target = folder / name
            if not compile_native(source, target):
                continue
            built = True
            if not editable:
                build_data["force_include"][str(target)] = f"ecomtopics/{name}"
        if built:
            build_data["pure_python"] = False
            build_data["infer_tag"] = True


def compile_native(source: Path, target: Path) -> bool:
    """Compile ``source`` into the extension module ``target``; False (and a warning) on failure.

    The source's SHA-256 is compiled in, so the package can tell a stale module
    from a current one.
    """
    digest = hashlib.sha256(source.read_bytes()).hexdigest()
    partial = target.with_name(target.name + ".partial")
    compiler = shlex.split(os.environ.get("CC") or sysconfig.get_config_var("CC") or "cc")
    command = [
        *compiler,
        "-O2",
        "-shared",
        "-fPIC",
        "-std=c99",
        "-Wall",
        f'-DSOURCE_SHA256="{digest}"',
        f"-I{sysconfig.get_paths()['include']}",
        str(source),
        "-o",
        str(partial),
    ]
    try:
        subprocess.run(command, check=True, capture_output=True, text=True)
        os.replace(partial, target)  # a new file: a process that has the old one loaded keeps it
    except (OSError, subprocess.CalledProcessError) as error:
        partial.unlink(missing_ok=True)
        detail = getattr(error, "stderr", "") or str(error)
        print(
            f"warning: could not compile {source.name} ({detail.strip()[:500]}); "
            "ecomtopics will use its pure-Python paths (same results, slower)",
            file=sys.stderr,
        )
        return False
    return True
