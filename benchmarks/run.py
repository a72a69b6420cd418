"""Run the throughput benchmarks: python benchmarks/run.py [--quick] [--sizes 1000 10000 100000]."""

from __future__ import annotations

import sys

from ecomtopics.cli import main

if __name__ == "__main__":
    sys.exit(main(["bench", *sys.argv[1:]]))
