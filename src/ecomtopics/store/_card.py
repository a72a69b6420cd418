"""The model card: the ``README.md`` of a version, generated from its manifest."""

from __future__ import annotations

import json
import math
from typing import Any

from ._kinds import BUILTIN_KINDS
from ._manifest import MANIFEST, flatten, key_metric

__all__ = ["model_card"]


def fmt_value(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}" if math.isfinite(value) else str(value)
    if isinstance(value, (list, tuple)):
        text = json.dumps(value, ensure_ascii=False)
        return text if len(text) <= 80 else text[:77] + "..."
    return "null" if value is None else str(value)


def results_table(manifest: dict[str, Any], rows: tuple[tuple[str, str], ...]) -> list[str]:
    """The short results table that opens a card: the kind's curated rows, else the key metric."""
    flat = dict(flatten(manifest.get("metrics") or {}))
    found = [(label, flat[path]) for label, path in rows if path in flat]
    if not found:
        headline = key_metric(manifest.get("metrics"))
        if headline is None:
            return []
        found = [headline]
    lines = ["| result | value |", "|---|---|"]
    lines += [f"| {label} | {fmt_value(value)} |" for label, value in found]
    return [*lines, "", "All metrics are in `report.json`; the main ones below.", ""]


def model_card(manifest: dict[str, Any], file_names: list[str]) -> str:
    """Render the README.md model card of a version from its manifest."""
    name, version, kind = manifest["name"], manifest["version"], manifest["kind"]
    spec = BUILTIN_KINDS.get(kind)
    if spec is not None:
        what, use = spec.what, spec.use
    else:
        what = f"A model of kind `{kind}`, stored by ecomtopics."
        use = "As documented by the package that provides this kind."
    lines = [f"# {name} {version}", ""]
    if manifest.get("description"):
        lines += [str(manifest["description"]), ""]
    lines += results_table(manifest, spec.results if spec is not None else ())
    lines += [
        f"- kind: `{kind}` (format {manifest['kind_format']})",
        f"- created: {manifest['created']}",
        f"- store format: {manifest['store_format']}",
        "",
        "## What it is",
        "",
        what,
        "",
        "## Intended use",
        "",
        use,
        "",
        "Load it with:",
        "",
        "```python",
        "import ecomtopics as et",
        f'model = et.load_model("{name}", version="{version}")',
        "```",
        "",
        "## Training data",
        "",
    ]
    data = manifest.get("training_data")
    if not data:
        lines += ["Not recorded.", ""]
    else:
        data = dict(data)
        by_label = data.pop("by_label", None)
        paths = data.pop("paths", None)
        lines += [f"- {key}: {fmt_value(value)}" for key, value in flatten(data)]
        if paths:
            lines += ["- files:"] + [f"  - `{p}`" for p in paths]
        if isinstance(by_label, dict) and by_label:
            lines += ["", "| label | rows |", "|---|---|"]
            lines += [
                f"| {label} | {fmt_value(count)} |" for label, count in sorted(by_label.items())
            ]
        lines.append("")
    for title, key in (("Metrics", "metrics"), ("Parameters", "params")):
        lines += [f"## {title}", ""]
        tree = manifest.get(key)
        rows = list(flatten(tree)) if isinstance(tree, dict) and tree else []
        if not rows:
            lines += ["Not recorded.", ""]
        else:
            lines += ["| name | value |", "|---|---|"]
            lines += [f"| {k} | {fmt_value(v)} |" for k, v in rows]
            lines.append("")
    languages = None
    for source in (manifest.get("params"), manifest.get("training_data")):
        if isinstance(source, dict) and source.get("languages"):
            languages = source["languages"]
            break
    lines += ["## Languages", ""]
    if languages:
        lines += [
            ", ".join(map(str, languages)) if isinstance(languages, list) else str(languages),
            "",
        ]
    else:
        lines += [
            "Chinese (zh) and English (en), including mixed paragraphs, as tokenized by ecomtopics.",
            "",
        ]
    lines += [
        "## Limitations",
        "",
        "- Trained on text about Chinese e-commerce platforms; expect weaker results on other "
        "domains, other languages, or very short texts.",
        "- The training data is small and hand-labelled; labels and topics reflect its coverage "
        "and period (see the training data above).",
        "- Machine-translated text with artefacts the cleaner does not know may be tokenized poorly.",
        "- Scores are evidence, not ground truth: review decisions that matter.",
        "",
        "## Software",
        "",
    ]
    versions = manifest.get("library_versions") or {}
    lines += [f"- {lib}: {ver or 'not installed'}" for lib, ver in versions.items()]
    lines += [
        "",
        "## Files",
        "",
        f"`{MANIFEST}` holds the sha256 of every file; loading refuses a version whose files do "
        f"not match. Arrays are plain `.npy` files read without pickle.",
        "",
    ]
    lines += [f"- `{rel}`" for rel in [MANIFEST, *file_names]]
    return "\n".join(lines) + "\n"
