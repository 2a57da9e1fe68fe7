"""``katas watch``: re-run the current kata on every save, each run forked from a warm forkserver."""

from __future__ import annotations

import queue
import sys
import threading
from pathlib import Path

import watchfiles
from rich.console import Console
from rich.text import Text

from katas._harness import report
from katas._harness.curriculum import Kata
from katas._harness.runner import WarmRunner, run_and_record
from katas._harness.state import PASSED

POLL_MS = 100  # how often the loop looks at the keyboard while no file changes


def watch_katas(console: Console, kata: Kata | None) -> int:
    """Watch ``kata`` (and move on to the next one after each real pass) until q, Ctrl-C or the last pass."""
    if kata is None:
        report.next_step(console, None)
        return 0
    warm = WarmRunner()
    warm.warm_up()  # before any thread of ours starts
    keys = _keys()
    check(console, kata, warm)
    prompt = True
    for changes in watchfiles.watch(
        kata.root / "katas",
        watch_filter=watchfiles.PythonFilter(),
        debounce=50,
        step=10,
        rust_timeout=POLL_MS,
        yield_on_timeout=True,
    ):
        if prompt:
            console.print(
                f"Watching {kata.shown(kata.path)}/: save a file to re-run; Enter re-runs, q quits.", markup=False
            )
            prompt = False
        rerun = any(Path(path).is_relative_to(kata.path) for _change, path in changes)
        while not keys.empty():
            if keys.get().strip().lower() == "q":
                return 0
            rerun = True
        if not rerun:
            continue
        state = check(console, kata, warm)
        if state.status(kata) == PASSED:
            following = state.next_kata()
            if following is None:
                report.next_step(console, None)
                return 0
            console.print(
                Text.assemble((f"{kata.folder} passes. ", "bold green"), f"On to {following.folder}: {following.title}")
            )
            kata = following
            check(console, kata, warm, clear=False)
        prompt = True
    return 0


def check(console: Console, kata: Kata, warm: WarmRunner, clear: bool = True):
    """Run ``kata`` warm, record and print the verdict; the new state."""
    if clear and console.is_terminal:
        console.clear()
    with report.running(console, f"pytest {kata.shown(kata.path)}") as on_losses:
        state = run_and_record([kata], on_losses, warm)
    report.verdict(console, kata, state.result(kata), state)
    console.file.flush()
    return state


def _keys() -> queue.Queue[str]:
    """Lines typed on stdin, read by a daemon thread (Enter gives an empty line)."""
    lines: queue.Queue[str] = queue.Queue()

    def read() -> None:
        for line in sys.stdin:
            lines.put(line)

    threading.Thread(target=read, daemon=True).start()
    return lines
