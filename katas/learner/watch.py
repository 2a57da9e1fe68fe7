"""``katas watch``: re-run the current kata on every save, each run forked from a warm forkserver.

A save while a run is still going cancels that run and starts a new one. Keys work without Enter where the
terminal allows it (q quits, Enter re-runs).
"""

from __future__ import annotations

import os
import queue
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import watchfiles
from rich.console import Console
from rich.text import Text

from katas.core.curriculum import Kata
from katas.learner import report
from katas.learner.state import PASSED, State, record
from katas.runtime.runner import POLL_SECONDS, Run, WarmRunner


def watch_katas(console: Console, kata: Kata | None) -> int:
    """Watch ``kata`` (and move on to the next one after each real pass) until q, Ctrl-C or the last pass."""
    if kata is None:
        report.next_step(console, None)
        return 0
    warm = WarmRunner()
    warm.warm_up()  # the forkserver starts before any thread of ours
    events: queue.Queue[tuple[str, object]] = queue.Queue()
    stop = threading.Event()
    with key_reader() as (read_key, single_keys):
        threading.Thread(target=_forward_keys, args=(read_key, events), daemon=True).start()
        watching = threading.Event()
        changes = threading.Thread(target=_forward_changes, args=(kata.root / "katas", events, stop, watching))
        changes.daemon = True
        changes.start()
        watching.wait(timeout=10)  # no save goes unseen once the first run starts
        try:
            return _watch(
                console,
                kata,
                warm,
                events,
                "Enter re-runs, q quits" if single_keys else "Enter re-runs, q then Enter quits",
            )
        finally:
            stop.set()


def _watch(console: Console, kata: Kata, warm: WarmRunner, events: queue.Queue, keys_help: str) -> int:
    checking: Checking | None = Checking(console, kata, warm)
    while True:
        try:
            kind, value = events.get(timeout=POLL_SECONDS if checking else None)
        except queue.Empty:
            kind, value = "", None
        rerun = False
        if kind == "key" and value == "q":
            if checking:
                checking.cancel()
            return 0
        if kind == "key":
            rerun = True
        elif kind == "change":
            rerun = any(Path(path).is_relative_to(kata.path) for _change, path in value)
        if rerun:
            if checking:
                checking.cancel()
                console.print("Changed while running: starting again.", style="dim")
            checking = Checking(console, kata, warm)
            continue
        if checking is None or not checking.done():
            continue
        state = checking.finish()
        checking = None
        if state.status(kata) == PASSED:
            following = state.next_kata()
            if following is None:
                report.next_step(console, None)
                return 0
            console.print(
                Text.assemble((f"{kata.folder} passes. ", "bold green"), f"On to {following.folder}: {following.title}")
            )
            kata = following
            checking = Checking(console, kata, warm, clear=False)
            continue
        console.print(f"Watching {kata.shown(kata.path)}/: save a file to re-run; {keys_help}.", markup=False)


class Checking:
    """One run of a kata in progress, with its spinner; finish it to record and show the verdict."""

    def __init__(self, console: Console, kata: Kata, warm: WarmRunner, clear: bool = True) -> None:
        if clear and console.is_terminal:
            console.clear()
        self.console, self.kata = console, kata
        self.spinner = report.Running(console, f"pytest {kata.shown(kata.path)}")
        self.run = Run([kata], self.spinner.on_progress, warm)

    def done(self) -> bool:
        return self.run.done()

    def finish(self) -> State:
        self.spinner.stop()
        state, verdicts = record(self.run)
        report.verdict(self.console, self.kata, verdicts[self.kata.folder], state)
        self.console.file.flush()
        return state

    def cancel(self) -> None:
        self.spinner.stop()
        self.run.cancel()


@contextmanager
def key_reader() -> Iterator[tuple[Callable[[], str], bool]]:
    """A function that reads the next key (a single key on a POSIX terminal, else a line), and whether keys are single."""
    try:
        import termios
        import tty
    except ImportError:  # Windows
        termios = None
    if termios is None or not sys.stdin.isatty():
        yield sys.stdin.readline, False
        return
    fd = sys.stdin.fileno()
    saved = termios.tcgetattr(fd)
    tty.setcbreak(fd)
    try:
        yield (lambda: os.read(fd, 1).decode(errors="replace")), True
    finally:
        termios.tcsetattr(fd, termios.TCSADRAIN, saved)


def _forward_keys(read_key: Callable[[], str], events: queue.Queue) -> None:
    while key := read_key():
        events.put(("key", key.strip().lower()))


def _forward_changes(folder: Path, events: queue.Queue, stop: threading.Event, watching: threading.Event) -> None:
    changes_or_ticks = watchfiles.watch(
        folder,
        watch_filter=watchfiles.PythonFilter(),
        debounce=50,
        step=10,
        stop_event=stop,
        rust_timeout=50,
        yield_on_timeout=True,  # an empty set every 50 ms without changes: the first one says the watcher is ready
    )
    for changes in changes_or_ticks:
        watching.set()
        if changes:
            events.put(("change", changes))
