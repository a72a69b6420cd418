"""``ecomtopics train``: run a retraining job."""

from __future__ import annotations

import argparse
from typing import Any

EXAMPLES = """
examples:
  ecomtopics train theme-classifier --config jobs/theme-classifier.toml --store models
  ecomtopics train theme-classifier --data data/authored my_rows.jsonl --gold data/gold --store my_models
  ECOMTOPICS_MODELS=my_models ecomtopics train topic-model --config jobs/topic-model.toml --force

A new version goes into --store DIR, else $ECOMTOPICS_MODELS; one of them is
required, and training never writes into the installed package.
"""


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "train",
        help="train a new model version, evaluate it, promote it if better",
        description="Run a retraining job: train with a fixed seed, evaluate on a held-out split and the "
        "gold set, save a new version with its report, promote it if it is not worse.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    from ..store._kinds import JOB_KINDS

    p.add_argument("kind", choices=JOB_KINDS, help="what to train")
    p.add_argument("--config", help="job file (TOML); options below override it")
    p.add_argument("--data", nargs="+", help="labelled JSON Lines files or folders")
    p.add_argument("--gold", nargs="*", help="real-text gold set for evaluation")
    p.add_argument("--name", help="model name in the store (default: the kind)")
    p.add_argument("--seed", type=int, dest="random_state", help="random state (default 0)")
    p.add_argument(
        "--skip-bad-rows", action="store_true", help="skip bad data rows instead of failing"
    )
    p.add_argument(
        "--store",
        default=None,
        help="model store folder to save into (default: $ECOMTOPICS_MODELS; one is required)",
    )
    group = p.add_mutually_exclusive_group()
    group.add_argument(
        "--promote-if-better",
        dest="promote",
        action="store_const",
        const="if-better",
        help="promote the new version if not worse (default)",
    )
    group.add_argument(
        "--force", dest="promote", action="store_const", const="force", help="always promote"
    )
    group.add_argument(
        "--no-promote", dest="promote", action="store_const", const="never", help="never promote"
    )
    p.set_defaults(func=run, promote="if-better")


def run(args: argparse.Namespace) -> int:
    from .._errors import InputError
    from ..jobs import JobConfig, load_job_config, run_job
    from ..store import ENV_VAR

    overrides = {
        "data": args.data,
        "gold": args.gold,
        "name": args.name,
        "random_state": args.random_state,
        "on_bad_row": "skip" if args.skip_bad_rows else None,
    }
    if args.config:
        config = load_job_config(args.config, **overrides)
        if config.model != args.kind:
            raise InputError(f"{args.config} is a {config.model} job, not {args.kind}")
    else:
        if not args.data:
            raise InputError("give --data PATH... or --config JOB.toml")
        config = JobConfig(model=args.kind, **{k: v for k, v in overrides.items() if v is not None})
    store = _target_store(args.store, ENV_VAR)
    result = run_job(config, store, promote=args.promote)
    print(result.summary())
    print(f"report: {store.path(result.name, result.version) / 'report.md'}")
    return 0


def _target_store(store_arg: str | None, env_var: str) -> Any:
    """The store to save into: --store, else the environment variable; never the installed package."""
    import os
    from pathlib import Path

    import ecomtopics

    from .._errors import InputError
    from ..store import ModelStore

    root = store_arg or os.environ.get(env_var)
    if not root:
        raise InputError(
            f"say where to save the new version: --store DIR or the {env_var} environment "
            f"variable (e.g. --store models in a clone of the repository); training never "
            f"writes into the installed package"
        )
    store = ModelStore(root)
    package = Path(ecomtopics.__file__).resolve().parent
    if store.root.resolve() == package or package in store.root.resolve().parents:
        source = "--store" if store_arg else f"${env_var}"
        raise InputError(
            f"{source} {store.root} is inside the installed ecomtopics package; training never "
            f"writes there: give a folder of your own"
        )
    return store
