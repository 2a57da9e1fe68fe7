"""Run katas' tests with pytest and read the verdicts from the collector's JSON (katas.core.results).

:func:`run_katas` starts pytest in a fresh subprocess. Watch mode passes a :class:`WarmRunner`: each run is
forked from a forkserver that imported torch and pytest once, so only the learner's module is read afresh, and
is split into shares of its tests (one process per core, two at most) whose verdicts are merged; the next run's
processes are forked ahead of time and wait for their arguments. The forkserver is a
fresh interpreter started before any run, so no fork ever copies a process in which other threads run
(watch mode's keyboard reader, rich's refresh thread). Where there is no forkserver (Windows), a
WarmRunner runs subprocesses.
"""

from __future__ import annotations

import atexit
import importlib
import multiprocessing
import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

from katas.core import results
from katas.core.curriculum import Kata
from katas.core.feed import Progress
from katas.core.layout import file_digest
from katas.core.results import RunResults

ProgressCallback = Callable[[list[Progress]], None]
POLL_SECONDS = 0.01  # how often a run's progress feed is read; a verdict waits at most this long


class RunFailed(RuntimeError):
    """pytest ended without writing its results."""


def pytest_args(
    katas: Sequence[Kata],
    results_path: Path,
    progress_path: Path,
    reference: bool = False,
    share: tuple[int, int] | None = None,
) -> list[str]:
    """Test the learner's code in ``katas`` (or the reference solutions); every verdict into ``results_path``,
    training progress to ``progress_path``; only the tests of ``share`` (I, N), if given (see plugin.shares).

    Runs start with PLUGINS_ENVIRONMENT: only the plugins the katas use are loaded, by name.
    """
    folders = [kata.shown(kata.path) for kata in katas]
    plugins = ["katas.runtime.plugin", "pytest_timeout"]
    plugins += ["pytest_benchmark.plugin"] if any(map(uses_benchmarks, katas)) else []
    return [
        *folders,
        *(option for plugin in plugins for option in ("-p", plugin)),
        *(option for plugin in UNUSED_PLUGINS for option in ("-p", f"no:{plugin}")),
        "--reference" if reference else "--no-reference",
        f"--katas-results={results_path}",
        f"--katas-progress={progress_path}",
        *([f"--katas-share={share[0]}/{share[1]}"] if share else []),
        "-q",
        "--tb=no",  # the verdicts come whole from the results: pytest need not format tracebacks (plugin.briefs)
    ]


# pytest's own plugins that a run's verdicts do without, and that would otherwise act around every test or fixture:
# the run writes nothing into the learner's repository but the results; log capture adds and removes handlers around
# every test phase; warnings of unraisable exceptions (and of exceptions in threads) are shown by nothing; the
# others serve options a run never passes.
UNUSED_PLUGINS = ["cacheprovider", "logging", "unraisableexception", "threadexception", "setuponly", "setupplan"]

# Finding installed plugins costs a run about 30 ms; pytest-benchmark alone runs git six times as it starts.
PLUGINS_ENVIRONMENT = {"PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}


CORES_VARIABLE = "KATAS_CORES"  # the share of the cores a parent gave the processes it starts (plugin.workers)


def usable_cores() -> int:
    """How many cores this process may run on: the share its parent gave it (CORES_VARIABLE), else every core it
    may be scheduled on."""
    given = os.environ.get(CORES_VARIABLE, "")
    if given.isdigit() and int(given) > 0:
        return int(given)
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def uses_benchmarks(kata: Kata) -> bool:
    """Whether a test of ``kata`` takes pytest-benchmark's ``benchmark`` fixture."""
    return any(re.search(r"\bbenchmark\b", path.read_text(encoding="utf-8")) for path in kata.path.glob("test_*.py"))


def run_katas(
    katas: Sequence[Kata],
    on_progress: ProgressCallback | None = None,
    warm: WarmRunner | None = None,
    reference: bool = False,
) -> RunResults:
    """Run the tests of ``katas`` (in a subprocess, or forked by ``warm``) on the learner's code, or on the reference
    solutions; ``on_progress`` follows a training test."""
    return Run(katas, on_progress, warm, reference).results()


class Run:
    """One pytest run over ``katas``, started at once: poll :meth:`done`, then read :meth:`results`; or cancel it.

    Forked by a :class:`WarmRunner`, the run is split into one share of the tests per process it asks for (a core
    each); their verdicts are merged back in the lesson's order.
    """

    def __init__(
        self,
        katas: Sequence[Kata],
        on_progress: ProgressCallback | None = None,
        warm: WarmRunner | None = None,
        reference: bool = False,
    ):
        self.katas, self.on_progress = list(katas), on_progress
        self.digests = {kata.folder: file_digest(kata.stub_path) for kata in katas}  # the files this run judges
        self.folder = tempfile.TemporaryDirectory(ignore_cleanup_errors=True)  # pytest may still be ending (see done)
        count = warm.shares if warm else 1
        self.shares = [_Share(Path(self.folder.name), index) for index in range(count)]
        root = katas[0].root
        runs = [
            (
                pytest_args(katas, share.results_path, share.feed.path, reference, (index, count) if warm else None),
                root,
                share.log,
            )
            for index, share in enumerate(self.shares)
        ]
        processes = warm.start(runs) if warm else [_start_subprocess(*run) for run in runs]
        for share, process in zip(self.shares, processes):
            share.process = process

    def done(self, timeout: float = 0.0) -> bool:
        """Whether the verdicts are in, waiting up to ``timeout`` seconds; passes on training progress meanwhile.

        They are in once pytest has written its results, while its process may still be ending (a fresh
        interpreter that imported torch takes about 0.7 s to exit; a forked run about 15 ms), or once it has ended.
        """
        finished = True
        for share in self.shares:
            finished = (share.process.done(timeout if finished else 0.0) or share.results_path.exists()) and finished
        news = [line for share in self.shares for line in share.feed.read()] if self.on_progress else []
        if news:
            self.on_progress(news)
        return finished

    def results(self) -> RunResults:
        """The run's results, once it has finished (read once: the run's files are removed)."""
        while not self.done(POLL_SECONDS):
            pass
        try:
            return results.merged([share.results() for share in self.shares])
        finally:
            self.folder.cleanup()

    def cancel(self) -> None:
        """Stop the run at once (the learner saved again) and remove its files."""
        for share in self.shares:
            share.process.kill()
        self.folder.cleanup()


class _Share:
    """The files of one pytest process of a run: its results, progress feed and output."""

    def __init__(self, folder: Path, index: int) -> None:
        self.results_path, self.log = folder / f"results-{index}.json", folder / f"pytest-{index}.log"
        self.feed = FeedReader(folder / f"progress-{index}.feed")
        self.process: _Subprocess | _Forked | None = None

    def results(self) -> RunResults:
        if not self.results_path.exists():
            output = self.log.read_text(encoding="utf-8", errors="replace") if self.log.exists() else ""
            raise RunFailed(f"pytest wrote no results; its output ends:\n{output[-3000:]}")
        return results.load(self.results_path)


class _Subprocess:
    def __init__(self, process: subprocess.Popen) -> None:
        self.process = process

    def done(self, timeout: float) -> bool:
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            return False
        return True

    def kill(self) -> None:
        self.process.kill()
        self.process.wait()


def _start_subprocess(args: list[str], root: Path, log: Path) -> _Subprocess:
    with log.open("wb") as output:
        command, env = [sys.executable, "-m", "pytest", *args], os.environ | PLUGINS_ENVIRONMENT
        return _Subprocess(subprocess.Popen(command, cwd=root, env=env, stdout=output, stderr=subprocess.STDOUT))


def warm_context():
    """The forkserver context whose server imports everything a run needs once (:mod:`katas.runtime.warm`), or None
    where there is no forkserver (Windows)."""
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return None
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["katas.runtime.warm"])
    return context


class WarmRunner:
    """Runs pytest in processes forked from a warm forkserver (see the module's docstring), one per share of a run:
    as many shares as the cores this process may use, at most MAX_SHARES."""

    MAX_SHARES = 2  # each share collects the whole kata again (about 0.1 s): more gain little on a kata's 50-100 tests

    def __init__(self) -> None:
        self.context = warm_context()
        self.spares: list = []  # children started ahead of time, waiting for the next run's arguments
        self.shares = min(self.MAX_SHARES, usable_cores())
        if self.context is not None:
            atexit.register(self.close)  # before multiprocessing's own exit handler, which waits for the children

    def warm_up(self) -> None:
        """Start the forkserver (it imports everything now, rather than on the first run) and the first children."""
        if self.context is not None:
            while len(self.spares) < self.shares:
                self.spares.append(self._child())

    def close(self) -> None:
        """Let the waiting children go: each ends when its orders' pipe closes."""
        for _, orders in self.spares:
            orders.close()
        self.spares = []

    def start(self, runs: list[tuple[list[str], Path, Path]]) -> list:
        """Start a pytest process for each ``(args, root, log)`` of ``runs``, all at once, in the environment this
        process has now, as a subprocess would be (a notebook's ``%env`` after the forkserver started included)."""
        if self.context is None:
            return [_start_subprocess(*run) for run in runs]
        started = []
        for run in runs:
            process, orders = self.spares.pop(0) if self.spares else self._child()
            orders.send((*run, dict(os.environ)))
            orders.close()
            started.append(_Forked(process))
        while len(self.spares) < self.shares:  # forked now, while this run goes on: the next save need not wait
            self.spares.append(self._child())
        return started

    def _child(self):
        """A child forked from the forkserver, waiting to be sent a run's arguments."""
        main = sys.modules["__main__"]
        if not hasattr(main, "__spec__"):  # IPython's %reset deletes it; multiprocessing reads it to start a child
            main.__spec__ = None
        receiving, sending = self.context.Pipe(duplex=False)
        # not a daemon: a kata's test may start processes of its own (a DataLoader's workers)
        process = self.context.Process(target=_pytest_when_told, args=(receiving,))
        process.start()
        receiving.close()
        return process, sending


class _Forked:
    def __init__(self, process) -> None:
        self.process = process

    def done(self, timeout: float) -> bool:
        self.process.join(timeout)
        return self.process.exitcode is not None

    def kill(self) -> None:
        self.process.kill()
        self.process.join()


def _pytest_when_told(orders) -> None:
    """In a forked child: wait for a run's arguments (or the parent's end), then run pytest."""
    try:
        args, root, log, environment = orders.recv()
    except (EOFError, KeyboardInterrupt):  # the parent ended, or was interrupted (a notebook's kernel), before a run
        return
    _pytest_in_child(args, root, log, environment)


def _pytest_in_child(args: list[str], root: Path, log: Path, environment: dict[str, str]) -> None:
    """In a forked child: run pytest in ``environment`` with its output in ``log``; its exit status is pytest's."""
    import pytest

    os.chdir(root)
    os.environ.clear()
    os.environ.update(environment | PLUGINS_ENVIRONMENT)
    # A forkserver's child starts its own processes from the forkserver too (a DataLoader's workers: 1.5 s, not
    # 0.05 s): the test's code starts them as under plain pytest, with the platform's default method
    multiprocessing.set_start_method(None, force=True)
    output = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
    os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
    os.dup2(output, 1)
    os.dup2(output, 2)
    code = pytest.main(args, plugins=_registered_ahead(args))
    sys.stdout.flush()
    sys.stderr.flush()
    sys.exit(int(code))  # multiprocessing then runs its finalizers (a DataLoader's semaphores) and leaves with os._exit


def _registered_ahead(args: list[str]) -> list:
    """The plugins ``args`` name with ``-p``, and the katas plugin's modules, as the forkserver imported them.

    pytest looks each plugin named by ``-p`` or ``pytest_plugins`` up among every installed package's entry points
    (about 2 ms a name, eleven names a run) unless a plugin of that name is registered already.
    """
    import katas.runtime.plugin

    named = [value for option, value in zip(args, args[1:]) if option == "-p" and not value.startswith("no:")]
    ours = [f"katas.runtime.plugin.{module}" for module in katas.runtime.plugin.MODULES] + ["katas.runtime.plugin"]
    return [importlib.import_module(name) for name in [name for name in named if name not in ours] + ours]


class Training:
    """A training test's progress so far, from its feed: the plan (epochs, batches per epoch), batches done, loss."""

    def __init__(self) -> None:
        self.epochs = self.batches = self.done = 0
        self.loss: float | None = None

    def add(self, line: Progress) -> bool:
        """Take in one line of the feed; whether it is a plan (a training run started)."""
        if line.loss is None:
            self.epochs, self.batches, self.done, self.loss = line.epochs, line.batches, 0, None
            return True
        self.done, self.loss = self.done + 1, line.loss
        return False

    @property
    def total(self) -> int:
        return self.epochs * self.batches

    def describe(self) -> str:
        """``epoch 1/2  batch 120/469  loss 0.2345``, or what is known of it."""
        if not (self.batches and self.done):
            return f"{self.epochs} epochs of {self.batches} batches" if self.batches else ""
        epoch = min(self.done - 1, self.total - 1) // self.batches + 1
        batch = (self.done - 1) % self.batches + 1
        return f"epoch {epoch}/{self.epochs}  batch {batch}/{self.batches}  loss {self.loss:.4f}"


class FeedReader:
    """Reads what a training test has appended to its progress feed (:mod:`katas.core.feed`) since the last call."""

    def __init__(self, path: Path) -> None:
        self.path, self.offset = path, 0

    def read(self) -> list[Progress]:
        if not self.path.exists():
            return []
        with self.path.open(encoding="utf-8") as feed:
            feed.seek(self.offset)
            text = feed.read()
        complete = text[: text.rfind("\n") + 1]
        self.offset += len(complete)
        return [Progress.parse(line) for line in complete.splitlines() if line]
