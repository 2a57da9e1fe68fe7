"""How fast watch mode answers: cold ``pytest katas/<kata>`` in a subprocess vs a run forked from a warm process.

python -m katas._harness.watch_benchmark            # 20 runs of each on 03_autograd
python -m katas._harness.watch_benchmark --kata 00 --repeat 5
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from katas._harness.curriculum import REPO_ROOT, find_kata
from katas._harness.runner import pytest_args, run_forked, warm_up


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kata", default="03")
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args(argv)
    kata = find_kata(args.kata)

    cold = []
    with tempfile.TemporaryDirectory() as folder:
        command = [sys.executable, "-m", "pytest", *pytest_args([kata], Path(folder) / "report.xml")]
        for _ in range(args.repeat):
            start = time.perf_counter()
            subprocess.run(command, cwd=REPO_ROOT, capture_output=True)
            cold.append(time.perf_counter() - start)

    start = time.perf_counter()
    warm_up()
    warm_up_time = time.perf_counter() - start
    warm = []
    for _ in range(args.repeat):
        start = time.perf_counter()
        run_forked([kata])
        warm.append(time.perf_counter() - start)

    print(f"{kata.folder}, {args.repeat} runs each (median, min, max):")
    for label, times in (("cold: pytest in a subprocess", cold), ("warm: forked from a warm process", warm)):
        print(f"  {label:34} {statistics.median(times):6.3f} s  {min(times):6.3f}  {max(times):6.3f}")
    print(f"  (warming up the parent took {warm_up_time:.2f} s, once)")


if __name__ == "__main__":
    main()
