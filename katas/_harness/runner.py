"""Run katas' tests with pytest and read the verdicts from its junit XML.

``run_katas`` starts pytest in a subprocess. ``run_forked`` (for watch mode) forks the current,
already warm process and calls ``pytest.main`` in the child, so torch and pytest are not imported
again and the learner's module is read afresh each time; it falls back to a subprocess where there
is no ``os.fork``. The parent must only have *imported* torch: forking after torch has started its
thread pools can hang the child.
"""

from __future__ import annotations

import contextlib
import gc
import os
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ElementTree
from collections.abc import Callable, Sequence
from pathlib import Path

from katas._harness.curriculum import REPO_ROOT, Kata
from katas._harness.state import Failure, KataResult, State, file_digest
from katas._harness.training_feed import FEED_VARIABLE, FeedReader

LossCallback = Callable[[list[float]], None]
FEED_POLL_SECONDS = 0.25


class RunFailed(RuntimeError):
    """pytest ended without writing a report."""


def pytest_args(katas: Sequence[Kata], report: Path) -> list[str]:
    folders = [kata.path.relative_to(REPO_ROOT).as_posix() for kata in katas]
    # --tb=line: the verdict comes from the junit XML, and pytest's long tracebacks take most of a run's time
    # no:logging: log capture adds and removes handlers around every test phase, a tenth of a warm run
    return [
        *folders,
        "-q",
        "--tb=line",
        "-p",
        "no:randomly",
        "-p",
        "no:cacheprovider",
        "-p",
        "no:logging",
        f"--junitxml={report}",
    ]


def run_katas(katas: Sequence[Kata], on_losses: LossCallback | None = None) -> dict[str, tuple[KataResult, str | None]]:
    """Each kata's result, and the digest of its learner's file when the run began; pytest in a subprocess.

    ``on_losses`` receives the losses a training test reports (see training_feed), while it trains.
    """
    digests = {kata.folder: file_digest(kata.stub_path) for kata in katas}
    with tempfile.TemporaryDirectory() as folder:
        report, feed = Path(folder) / "report.xml", Path(folder) / "training.feed"
        env = {key: value for key, value in os.environ.items() if key != "KATAS_REFERENCE"} | {FEED_VARIABLE: str(feed)}
        process = subprocess.Popen(
            [sys.executable, "-m", "pytest", *pytest_args(katas, report)],
            cwd=REPO_ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        reader = FeedReader(feed)
        while True:
            try:
                output, _ = process.communicate(timeout=FEED_POLL_SECONDS)
                break
            except subprocess.TimeoutExpired:  # still running; communicate() again loses no output
                _follow(reader, on_losses)
        return _results(katas, report, digests, output)


def _follow(reader: FeedReader, on_losses: LossCallback | None) -> None:
    losses = reader.new_losses() if on_losses else []
    if losses:
        on_losses(losses)


def warm_up() -> None:
    """Import what every kata run needs (torch, pytest and all its plugins, the harness), without computing anything.

    Then freeze the garbage collector's view of it all, so that a child's collections skip the parent's objects.
    """
    import importlib
    import importlib.metadata

    import numpy.random  # noqa: F401
    import pytest  # noqa: F401
    import torch
    import torch.nn
    import torch.utils.data  # noqa: F401
    from _pytest.config import default_plugins

    import katas._harness.mnist_data
    import katas.testing  # noqa: F401

    for name in default_plugins:
        importlib.import_module(f"_pytest.{name}")
    for entry_point in importlib.metadata.entry_points(group="pytest11"):
        with contextlib.suppress(Exception):
            entry_point.load()
    with contextlib.suppress(ImportError):
        import hypothesis  # noqa: F401 - its pytest plugin imports it lazily, at the end of every run
    gc.freeze()


def run_and_record(katas: Sequence[Kata], run=run_katas, on_losses: LossCallback | None = None) -> State:
    """Run ``katas`` (with ``run``: :func:`run_katas` or :func:`run_forked`), record the results, return the state."""
    results = run(katas, on_losses)
    state = State.load()
    for kata in katas:
        state.record(kata, *results[kata.folder])
    state.save()
    return state


def run_forked(
    katas: Sequence[Kata], on_losses: LossCallback | None = None
) -> dict[str, tuple[KataResult, str | None]]:
    """Like :func:`run_katas`, with pytest run in a child forked from this (warm) process."""
    if not hasattr(os, "fork"):
        return run_katas(katas, on_losses)
    digests = {kata.folder: file_digest(kata.stub_path) for kata in katas}
    with tempfile.TemporaryDirectory() as folder:
        report, log, feed = Path(folder) / "report.xml", Path(folder) / "pytest.log", Path(folder) / "training.feed"
        pid = os.fork()
        if pid == 0:  # the child: never returns
            os.environ[FEED_VARIABLE] = str(feed)
            _child(pytest_args(katas, report), log)
        if on_losses is None:
            os.waitpid(pid, 0)
        else:
            reader = FeedReader(feed)
            while os.waitpid(pid, os.WNOHANG) == (0, 0):
                time.sleep(0.01)  # watch mode: a verdict must not wait for the next poll
                _follow(reader, on_losses)
        return _results(katas, report, digests, log.read_text(errors="replace") if log.exists() else "")


def _child(args: list[str], log: Path) -> None:
    code = 1
    try:
        import pytest

        os.chdir(REPO_ROOT)
        os.environ.pop("KATAS_REFERENCE", None)
        null = os.open(os.devnull, os.O_RDONLY)
        output = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
        os.dup2(null, 0)
        os.dup2(output, 1)
        os.dup2(output, 2)
        sys.stdin = open(os.devnull)  # noqa: SIM115 - the parent's sys.stdin may be locked by its reader thread
        code = pytest.main(args)
        sys.stdout.flush()
        sys.stderr.flush()
    finally:
        os._exit(int(code))


def _results(katas, report: Path, digests: dict, output: str) -> dict[str, tuple[KataResult, str | None]]:
    if not report.exists():
        raise RunFailed(f"pytest wrote no report; its output ends:\n{output[-3000:]}")
    results = parse_report(report, [kata.folder for kata in katas])
    return {folder: (result, digests[folder]) for folder, result in results.items()}


def parse_report(report: Path, folders: Sequence[str]) -> dict[str, KataResult]:
    """Per kata folder, the results in a junit XML report written by pytest."""
    results = {folder: KataResult() for folder in folders}
    for case in ElementTree.parse(report).iter("testcase"):
        parts = f"{case.get('classname', '')}.{case.get('name', '')}".split(".")
        folder = next((part for part in parts if part in results), None)
        if folder is None:
            continue
        result = results[folder]
        outcome = next((child for child in case if child.tag in ("failure", "error", "skipped")), None)
        if outcome is not None and outcome.tag == "skipped" and "GPU" in (outcome.get("message") or ""):
            result.skipped += 1  # a GPU test on a machine without one counts neither way
            continue
        task = next((int(p.get("value")) for p in case.iter("property") if p.get("name") == "task"), None)
        counts = result.tasks.setdefault(task, [0, 0]) if task is not None else [0, 0]
        counts[1] += 1
        if outcome is None:
            result.passed += 1
            counts[0] += 1
            continue
        result.failed += 1
        if result.first_failure is None:
            message = outcome.get("message") or (outcome.text or "").strip()
            result.first_failure = Failure(test=case.get("name", ""), message=message, task=task)
    return results
