"""How fast watch mode gives a verdict, for every kata, in the two states a learner is really in.

    python tools/watch_benchmark.py                 # every kata but the MNIST capstone, 5 warm runs of each state
    python tools/watch_benchmark.py --katas 03 08 --repeat 20 --cold
    python tools/watch_benchmark.py --katas 11 --shares 1          # as on a machine of one core

"stub" is the untouched stub (every test fails at once); "solved" is the reference copied into the stub (a
learner about to pass: every test runs for real). Each run is what `katas watch` does after a save, forked from
the warm forkserver in shares run at once: pytest, the results JSON, reading them back and merging them
(watchfiles' 50 ms debounce comes on top).
It works on a copy of the repository in a temporary folder; the checkout is never touched.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from katas.core.curriculum import find_kata, find_root, load_curriculum
from katas.runtime.runner import WarmRunner, run_katas

COPIED = ("katas", "reference", "pyproject.toml")
# The katas whose verdict should come within moments of a save: all but those that train for real (the MNIST
# capstone: minutes; the transformer: a quarter of a minute), whose timing would measure their own work, not watch
# mode. The distributed kata's ranks, and torchrun's, are processes forked from the run's own: a stub fails before
# any starts, a solved kata takes seconds.
TRAINING_KATAS = {"mnist", "transformer"}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--katas", nargs="*", help="the katas to time (default: all but those in TRAINING_KATAS)")
    parser.add_argument("--repeat", type=int, default=5, help="warm runs of each kata in each state (default 5)")
    parser.add_argument("--cold", action="store_true", help="also time a cold `pytest` subprocess per state")
    parser.add_argument(
        "--shares", type=int, help="processes per run (default: as watch mode, one per core, two at most)"
    )
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as folder:
        root = copy_of_repository(find_root(), Path(folder))
        chosen = [find_kata(name, root) for name in args.katas or []]
        katas = chosen or [kata for kata in load_curriculum(root) if kata.topic not in TRAINING_KATAS]
        warm = WarmRunner()
        warm.shares = args.shares or warm.shares
        print(f"starting the forkserver took {timed(warm.warm_up):.2f} s, once")
        header = f"{'kata':18} {'stub':>8} {'solved':>8}" + ("   cold stub  cold solved" if args.cold else "")
        print(f"median of {args.repeat} warm runs per state in {warm.shares} share(s), in seconds\n{header}")
        solved_medians = {}
        for kata in katas:
            original = kata.stub_path.read_text(encoding="utf-8")
            row, cold = [], []
            for state in ("stub", "solved"):
                if state == "solved":
                    shutil.copy(kata.reference_path, kata.stub_path)
                times = [timed(lambda kata=kata: run_katas([kata], warm=warm)) for _ in range(args.repeat)]
                row.append(statistics.median(times))
                if args.cold:
                    cold.append(timed(lambda kata=kata: run_katas([kata])))
            kata.stub_path.write_text(original, encoding="utf-8")
            solved_medians[kata.folder] = row[1]
            print(f"{kata.folder:18} {row[0]:8.3f} {row[1]:8.3f}" + "".join(f" {c:11.3f}" for c in cold))
    worst = max(solved_medians, key=solved_medians.get)
    print(f"solved katas: worst median {solved_medians[worst]:.2f} s ({worst})")


def copy_of_repository(root: Path, folder: Path) -> Path:
    """The katas, references and pytest configuration of ``root``, copied into ``folder``."""
    copy = folder / "torch-katas"
    for name in COPIED:
        source = root / name
        if source.is_dir():
            ignored = shutil.ignore_patterns("__pycache__", ".pytest_cache", ".benchmarks")
            shutil.copytree(source, copy / name, ignore=ignored)
        else:
            copy.mkdir(parents=True, exist_ok=True)
            shutil.copy(source, copy / name)
    return copy


def timed(action) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


if __name__ == "__main__":
    main()
