"""Run the history checker against each mutant (``mutants/__init__.py``) and say which it finds.

    python -m tests.proof.history.mutants [--histories 150] [--db sqlite|postgres] [--seed 11] [defect4 ...]

Each mutant runs in its own pytest process (``AMBIL_MUTANT``, no shrinking: the run stops at the
first failing history) and prints ``defect N: found at history K: <what the checker said>`` or
``defect N: not found in K histories``.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time
from pathlib import Path

from tests.proof.history.mutants import MUTANTS

ROOT = Path(__file__).resolve().parents[4]


def run(name: str, histories: int, db: str, seed: int) -> str:
    env = dict(
        os.environ,
        AMBIL_MUTANT=name,
        AMBIL_HISTORIES=str(histories),
        AMBIL_HISTORY_SEED=str(seed),
        AMBIL_HISTORY_NO_SHRINK="1",
        PYTHONPATH=str(ROOT),
    )
    started = time.monotonic()
    test = f"tests/proof/history/test_histories.py::test_histories[{db}]"
    done = subprocess.run(
        [sys.executable, "-m", "pytest", test, "-x", "-q", "-s", "-p", "no:cacheprovider", "-p", "no:logging",
         f"--basetemp=/tmp/mutant-{name}-{db}"],
        cwd=ROOT, env=env, capture_output=True, text=True,
    )  # fmt: skip
    seconds = time.monotonic() - started
    out = done.stdout + done.stderr
    found = re.search(r"history (\d+) failed \(before shrinking\):\n((?:  .*\n?)+)", out)
    defect = MUTANTS[name].defect
    if found:
        said = found.group(2).strip().splitlines()[0].strip()
        return f"defect {defect}: found at history {found.group(1)}: {said} ({db}, {seconds:.0f} s)"
    if done.returncode != 0:
        return f"defect {defect}: the run broke without a failing history ({db}):\n{out[-3000:]}"
    ran = re.search(r"(\d+) histories", out)
    return f"defect {defect}: not found in {ran.group(1) if ran else '?'} histories ({db}, {seconds:.0f} s)"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.proof.history.mutants")
    parser.add_argument("--histories", type=int, default=150)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("names", nargs="*", help="mutants to run (default: all)")
    args = parser.parse_args(argv)
    for name in args.names or MUTANTS:
        print(run(name, args.histories, args.db, args.seed), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
