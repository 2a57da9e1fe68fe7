"""How fast watch mode answers: cold ``pytest katas/<kata>`` in a subprocess vs a run forked from the warm forkserver.

    python tools/watch_benchmark.py            # 20 runs of each on 03_autograd
    python tools/watch_benchmark.py --kata 00 --repeat 5

Each figure is one whole run as the ``katas`` command makes it: pytest, the results JSON, and reading it back.
"""

from __future__ import annotations

import argparse
import statistics
import time

from katas._harness.curriculum import find_kata, find_root
from katas._harness.runner import WarmRunner, run_katas


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kata", default="03")
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args(argv)
    kata = find_kata(args.kata, find_root())

    cold = [timed(lambda: run_katas([kata])) for _ in range(args.repeat)]
    warm = WarmRunner()
    warm_up_time = timed(warm.warm_up)
    warm_times = [timed(lambda: run_katas([kata], warm=warm)) for _ in range(args.repeat)]

    print(f"{kata.folder}, {args.repeat} runs each (median, min, max):")
    for label, times in (("cold: pytest in a subprocess", cold), ("warm: forked from the forkserver", warm_times)):
        print(f"  {label:34} {statistics.median(times):6.3f} s  {min(times):6.3f}  {max(times):6.3f}")
    print(f"  (starting the forkserver took {warm_up_time:.2f} s, once)")


def timed(action) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


if __name__ == "__main__":
    main()
