"""The ``katas`` command (and pytest) for the project's tests: its own ``main``, in a process forked from a warm
interpreter.

A test that started the console script would pay for a fresh interpreter importing torch (3.5 s of CPU with
PyTorch's CUDA build), and again for each pytest process the command starts; a suite of a hundred commands spends
most of its time there. :func:`run` gives the command what a subprocess would get (the folder, the environment,
stdin, its own stdout and stderr, which are no terminal, and an exit status), in a child of this process's
forkserver, which imported torch, pytest and the harness once (:mod:`katas.runtime.warm`, as watch mode's does). The
pytest runs the command starts are forked from that child, as watch mode forks its runs from its forkserver, rather
than started as fresh interpreters, while the child has no thread of its own; with one (a display's), they start as
they would for a learner. :func:`pytest` runs ``python -m pytest`` the same way. On Linux only (see WARM).

What this leaves out, the start of the console script and of a fresh pytest interpreter, is what the tests of
tests/test_cli.py that run the installed script itself (``script=True``, ``run_katas``, ``Watch``: piped and in a
terminal) and the tests that install the wheel (tests/test_workspace.py) run.
"""

from __future__ import annotations

import atexit
import multiprocessing
import os
import subprocess
import sys
import tempfile
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from katas.runtime import runner


@dataclass
class Completed:
    """What the command did, as ``subprocess.run`` reports it."""

    returncode: int
    stdout: str
    stderr: str


def run(
    args: Sequence[str | Path], cwd: Path, env: Mapping[str, str], stdin: str = "", timeout: float = 300
) -> Completed:
    """Run ``katas *args`` in ``cwd`` with ``env`` and ``stdin``; what it wrote and its exit status."""
    return _forked("katas", args, cwd, env, stdin, timeout)


def pytest(args: Sequence[str | Path], cwd: Path, env: Mapping[str, str], timeout: float = 300) -> Completed:
    """Run ``python -m pytest *args`` in ``cwd`` with ``env`` likewise (its plugins found as a fresh pytest finds
    them); what it wrote and its exit status."""
    return _forked("pytest", args, cwd, env, "", timeout)


# Forks where they are safe and cheap (Linux); elsewhere (macOS, where forking after torch's import is unsafe, and
# Windows, which has no fork) the tests start the console script, or pytest, as fresh interpreters.
WARM = sys.platform == "linux"
CONSOLE_SCRIPT = Path(sys.executable).parent / ("katas.exe" if os.name == "nt" else "katas")  # the installed command
COMMANDS = {"katas": [CONSOLE_SCRIPT], "pytest": [sys.executable, "-m", "pytest"]}


def _forked(program: str, args, cwd: Path, env: Mapping[str, str], stdin: str, timeout: float) -> Completed:
    if not WARM:
        command = [*COMMANDS[program], *args]
        done = subprocess.run(command, cwd=cwd, env=env, input=stdin, capture_output=True, text=True, timeout=timeout)
        return Completed(done.returncode, done.stdout, done.stderr)
    context = runner.warm_context()  # the server watch mode's runs are forked from: one per process
    with tempfile.TemporaryDirectory() as folder:
        streams = [Path(folder, name) for name in ("stdin", "stdout", "stderr")]
        streams[0].write_text(stdin, encoding="utf-8")
        arguments = program, [str(arg) for arg in args], str(cwd), dict(env), *map(str, streams)
        process = context.Process(target=_command_in_child, args=arguments)
        process.start()
        process.join(timeout)
        if process.exitcode is None:
            process.kill()
            process.join()
            raise TimeoutError(f"{program} {' '.join(arguments[1])} ran for more than {timeout} s")
        stdout, stderr = (path.read_text(encoding="utf-8", errors="replace") for path in streams[1:])
    return Completed(process.exitcode, stdout, stderr)


def _command_in_child(
    program: str, args: list[str], cwd: str, env: dict[str, str], stdin: str, stdout: str, stderr: str
) -> None:
    """In the forked child: become the command's process, then run the command as its console script does."""
    os.chdir(cwd)
    os.environ.clear()
    os.environ.update(env)
    writing = os.O_WRONLY | os.O_CREAT | os.O_TRUNC
    for stream, path, flags in ((0, stdin, os.O_RDONLY), (1, stdout, writing), (2, stderr, writing)):
        os.dup2(os.open(path, flags), stream)
    sys.stdin = open(0, encoding="utf-8", closefd=False)  # noqa: SIM115  (multiprocessing gave the child os.devnull)
    sys.argv = [program, *args]
    _fork_runs_while_single_threaded()
    try:
        if program == "katas":
            from katas.learner.cli import main

            main(args)
        else:
            import pytest

            sys.exit(int(pytest.main(args)))
    finally:
        atexit._run_exitfuncs()  # as an interpreter's exit would (a WarmRunner lets its waiting children go)
        sys.stdout.flush()
        sys.stderr.flush()


def _fork_runs_while_single_threaded() -> None:
    fork = multiprocessing.get_context("fork")
    start_subprocess, warm_child = runner._start_subprocess, runner.WarmRunner._child

    def start_run(args: list[str], root: Path, log: Path):
        if threading.active_count() > 1:
            return start_subprocess(args, root, log)
        process = fork.Process(target=runner._pytest_in_child, args=(args, root, log, dict(os.environ)))
        process.start()
        return runner._Forked(process)

    def child(warm: runner.WarmRunner):
        if threading.active_count() > 1:
            return warm_child(warm)
        receiving, sending = fork.Pipe(duplex=False)
        process = fork.Process(target=_pytest_when_told, args=(receiving, sending))
        process.start()
        receiving.close()
        return process, sending

    runner._start_subprocess, runner.WarmRunner._child = start_run, child


def _pytest_when_told(orders, sending_end) -> None:
    """A forked child's copy of its own orders' sending end would keep it waiting for ever: a forkserver's child
    has none."""
    sending_end.close()
    runner._pytest_when_told(orders)
