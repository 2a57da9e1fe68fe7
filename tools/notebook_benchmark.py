"""Time a kata's notebook: from opening it to the first verdict, and a check from the notebook against `katas run`.

    python -m tools.notebook_benchmark [KATA] [--solved] [--repeats N]   (from the repository root)

Works in a temporary git copy of the repository. "Opening to first verdict" is a kernel's start, the setup cell
(which starts the checks' forkserver) and the first run of the check cell; "a check" is the check cell run again
in the same kernel; `katas run` is the console script, a fresh pytest process each time.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from katas.core.curriculum import INSTALLED_ROOT, find_kata

KATAS_COMMAND = Path(sys.executable).parent / ("katas.exe" if os.name == "nt" else "katas")


def copy_of_the_repository(folder: Path) -> Path:
    root = folder / "torch-katas"
    ignore = shutil.ignore_patterns("__pycache__", ".pytest_cache", ".katas", ".ipynb_checkpoints")
    for name in ("katas", "reference"):
        shutil.copytree(INSTALLED_ROOT / name, root / name, ignore=ignore)
    for name in ("pyproject.toml", ".gitignore"):
        shutil.copy(INSTALLED_ROOT / name, root / name)
    identity = ["-c", "user.name=benchmark", "-c", "user.email=benchmark@example.com"]
    for command in (["init", "-q"], ["add", "."], ["commit", "-q", "-m", "copy"]):
        subprocess.run(["git", *identity, *command], cwd=root, check=True)
    return root


def timed_notebook(root: Path, kata, code: str | None) -> tuple[float, float]:
    """Seconds from a kernel's start to the first verdict, and of the check cell run once more."""
    notebook = nbformat.read(kata.notebook_path, as_version=4)
    if code is not None:
        next(cell for cell in notebook.cells if cell.id == "code").source = f"%%kata {kata.folder}\n{code}"
    folder = str(root / "katas" / kata.folder)
    client = NotebookClient(notebook, timeout=600, kernel_name="python3", resources={"metadata": {"path": folder}})
    start = time.perf_counter()
    with client.setup_kernel():
        for index, cell in enumerate(notebook.cells):
            if cell.id in ("colab", "setup", "code"):
                client.execute_cell(cell, index)
            if cell.id == "code":
                first = time.perf_counter() - start
                again = time.perf_counter()
                client.execute_cell(cell, index)
                return first, time.perf_counter() - again
    raise LookupError(f"{kata.notebook_path} has no check cell")


def timed_katas_run(root: Path, kata) -> float:
    start = time.perf_counter()
    subprocess.run([KATAS_COMMAND, "run", kata.folder], cwd=root, capture_output=True)
    return time.perf_counter() - start


def summary(seconds: list[float]) -> str:
    return f"median {statistics.median(seconds):.2f} s (min {min(seconds):.2f}, max {max(seconds):.2f})"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("kata", nargs="?", default="03")
    parser.add_argument("--solved", action="store_true", help="the reference solution in the check cell")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        root = copy_of_the_repository(Path(folder))
        kata = find_kata(args.kata, root)
        code = kata.reference_path.read_text(encoding="utf-8") if args.solved else None
        firsts, checks, runs = [], [], []
        for _ in range(args.repeats):
            first, check = timed_notebook(root, kata, code)
            firsts.append(first)
            checks.append(check)
            runs.append(timed_katas_run(root, kata))
    state = "solved" if args.solved else "untouched"
    load = f", load {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs" if hasattr(os, "getloadavg") else ""
    print(f"{kata.folder}, {state}, {args.repeats} runs{load}")
    for label, seconds in (
        ("opening the notebook to the first verdict", firsts),
        ("a check from the notebook (warm kernel)", checks),
        (f"katas run {kata.number:02d}", runs),
    ):
        print(f"  {label + ':':<43} {summary(seconds)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
