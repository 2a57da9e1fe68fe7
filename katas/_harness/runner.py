"""Run katas' tests with pytest and read the verdicts from the collector's JSON (katas._harness.results).

:func:`run_katas` starts pytest in a fresh subprocess. Watch mode passes a :class:`WarmRunner`: each run is a
process forked from a forkserver that imported torch and pytest once, so only the learner's module is read
afresh. The forkserver is a fresh interpreter started before any run, so no fork ever copies a process in which
other threads run (watch mode's keyboard reader, rich's refresh thread). Where there is no forkserver
(Windows), a WarmRunner runs subprocesses.
"""

from __future__ import annotations

import multiprocessing
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

from katas._harness import results
from katas._harness.curriculum import Kata
from katas._harness.results import RunResults
from katas._harness.state import State, file_digest

LossCallback = Callable[[list[float]], None]
POLL_SECONDS = 0.01  # how often a run's progress feed is read; a verdict waits at most this long


class RunFailed(RuntimeError):
    """pytest ended without writing its results."""


def pytest_args(katas: Sequence[Kata], results_path: Path, progress_path: Path) -> list[str]:
    """Test the learner's code in ``katas``; every verdict into ``results_path``, training progress to ``progress_path``."""
    folders = [kata.shown(kata.path) for kata in katas]
    return [
        *folders,
        "--no-reference",
        f"--katas-results={results_path}",
        f"--katas-progress={progress_path}",
        "-q",
        "--tb=line",  # the verdicts come whole from the results; pytest's long tracebacks would take most of the time
        "-p",
        "no:randomly",
        "-p",
        "no:cacheprovider",
        "-p",
        "no:logging",  # log capture adds and removes handlers around every test phase
    ]


def run_katas(
    katas: Sequence[Kata], on_losses: LossCallback | None = None, warm: WarmRunner | None = None
) -> RunResults:
    """Run the tests of ``katas`` (in a subprocess, or forked by ``warm``); ``on_losses`` follows a training test."""
    root = katas[0].root
    with tempfile.TemporaryDirectory() as folder:
        results_path, feed, log = (Path(folder) / name for name in ("results.json", "progress.feed", "pytest.log"))
        args = pytest_args(katas, results_path, feed)
        running = warm.start(args, root, log) if warm else _start_subprocess(args, root, log)
        reader = FeedReader(feed)
        while not running.done(POLL_SECONDS):
            _follow(reader, on_losses)
        _follow(reader, on_losses)
        if not results_path.exists():
            output = log.read_text(encoding="utf-8", errors="replace") if log.exists() else ""
            raise RunFailed(f"pytest wrote no results; its output ends:\n{output[-3000:]}")
        return results.load(results_path)


def run_and_record(
    katas: Sequence[Kata], on_losses: LossCallback | None = None, warm: WarmRunner | None = None
) -> State:
    """Run ``katas``, record each one's result against the digest its file had when the run began; the new state."""
    digests = {kata.folder: file_digest(kata.stub_path) for kata in katas}
    run = run_katas(katas, on_losses, warm)
    state = State.load(katas[0].root)
    for kata in katas:
        state.record(kata, run.kata_result(kata.folder), digests[kata.folder])
    state.save()
    return state


def _follow(reader: FeedReader, on_losses: LossCallback | None) -> None:
    losses = reader.new_losses() if on_losses else []
    if losses:
        on_losses(losses)


class _Subprocess:
    def __init__(self, process: subprocess.Popen) -> None:
        self.process = process

    def done(self, timeout: float) -> bool:
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            return False
        return True


def _start_subprocess(args: list[str], root: Path, log: Path) -> _Subprocess:
    with log.open("wb") as output:
        command = [sys.executable, "-m", "pytest", *args]
        return _Subprocess(subprocess.Popen(command, cwd=root, stdout=output, stderr=subprocess.STDOUT))


class WarmRunner:
    """Runs pytest in processes forked from a warm forkserver (see the module's docstring)."""

    def __init__(self) -> None:
        self.context = None
        if "forkserver" in multiprocessing.get_all_start_methods():
            self.context = multiprocessing.get_context("forkserver")
            self.context.set_forkserver_preload(["katas._harness.warm"])

    def warm_up(self) -> None:
        """Start the forkserver and let it import everything now, rather than on the first run."""
        if self.context is not None:
            process = self.context.Process(target=_nothing)
            process.start()
            process.join()

    def start(self, args: list[str], root: Path, log: Path):
        if self.context is None:
            return _start_subprocess(args, root, log)
        process = self.context.Process(target=_pytest_in_child, args=(args, root, log), daemon=True)
        process.start()
        return _Forked(process)


class _Forked:
    def __init__(self, process) -> None:
        self.process = process

    def done(self, timeout: float) -> bool:
        self.process.join(timeout)
        return self.process.exitcode is not None


def _nothing() -> None:
    pass


def _pytest_in_child(args: list[str], root: Path, log: Path) -> None:
    """In a forked child: run pytest with its output in ``log``, and leave without tearing torch down."""
    import pytest

    os.chdir(root)
    output = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
    os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
    os.dup2(output, 1)
    os.dup2(output, 2)
    code = pytest.main(args)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(int(code))


class FeedReader:
    """Reads the losses a training test has appended to its progress feed since the last call."""

    def __init__(self, path: Path) -> None:
        self.path, self.offset = path, 0

    def new_losses(self) -> list[float]:
        if not self.path.exists():
            return []
        with self.path.open(encoding="utf-8") as feed:
            feed.seek(self.offset)
            text = feed.read()
        complete = text[: text.rfind("\n") + 1]
        self.offset += len(complete)
        return [float(line) for line in complete.splitlines() if line]
