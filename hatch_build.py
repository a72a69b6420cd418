"""Build hook: the wheel ships the promoted version of each model, not every historical one.

``load_model(kind)`` reads ``promoted.json`` and loads that version, so a
wheel needs nothing else from ``models/``; older versions stay in the
repository (and in the source distribution) for comparisons and audits.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

BUNDLED = "ecomtopics/_bundled_models"


class BundledModels(BuildHookInterface):  # type: ignore[misc]
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if self.target_name != "wheel" or version == "editable":
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
