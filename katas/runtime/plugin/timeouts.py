"""Hangs: pytest-timeout's signal timer, stopping a test with a message that points at the learner's code.

A function that hung once is not given another chance to hang in the same run: every function of the
learner's module that was running is replaced, in that module, by a stand-in that fails at once, so a kata
whose code hangs takes one time limit to judge, not one per test.
"""

from __future__ import annotations

import signal
import threading
from pathlib import Path

import pytest

from katas.core.layout import is_kata_module, shown


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "slow(expected): trains for real; `expected` (how long it should take) goes in the timeout message"
    )


@pytest.hookimpl(tryfirst=True)
def pytest_timeout_set_timer(item: pytest.Item, settings) -> bool | None:
    """Arm the timer (pytest-timeout's hook); on expiry, fail the test with :func:`timeout_message`."""
    if settings.method != "signal" or threading.current_thread() is not threading.main_thread():
        return None  # pytest-timeout's own timer does the job

    def stop(signum, frame):
        message = timeout_message(item, settings.timeout, frame)
        retire_hung_functions(frame)
        raise pytest.fail.Exception(message, pytrace=False)

    def cancel():
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, signal.SIG_DFL)

    item.cancel_timeout = cancel  # pytest-timeout's cancel hook calls this
    signal.signal(signal.SIGALRM, stop)
    signal.setitimer(signal.ITIMER_REAL, settings.timeout)
    return True


def learner_frames(frame) -> list:
    """The frames of the learner's code (a kata's module) on ``frame``'s stack, innermost first."""
    frames = []
    while frame is not None:
        if is_kata_module(Path(frame.f_code.co_filename)):
            frames.append(frame)
        frame = frame.f_back
    return frames


def where(frame) -> str:
    """``katas/07_losses/losses.py, line 12, in reduce_loss()``."""
    return f"{shown(Path(frame.f_code.co_filename))}, line {frame.f_lineno}, in {frame.f_code.co_name}()"


def retire_hung_functions(frame) -> None:
    """Replace each function of a kata module that was running in ``frame``'s stack by a stand-in that fails."""
    frames = learner_frames(frame)
    for running in frames:
        qualname = getattr(running.f_code, "co_qualname", running.f_code.co_name)
        _retire(running.f_globals, qualname, where(frames[0]))


def _retire(namespace: dict, qualname: str, hung_at: str) -> None:
    *owners, name = qualname.split(".")
    if "<locals>" in owners or "<lambda>" in name:
        return  # a nested function or lambda: the function that made it is on the stack too
    owner = namespace.get(owners[0]) if owners else None
    if owners and (len(owners) > 1 or not isinstance(owner, type)):
        return
    hung = vars(owner).get(name) if owner is not None else namespace.get(name)
    if not callable(hung) or getattr(hung, "hung_before", False):
        return

    def stand_in(*args, **kwargs):
        raise pytest.fail.Exception(
            f"Not run: an earlier call of {qualname}() never finished: it was stopped in {hung_at}. "
            "Fix that first: the first test that hung shows where.",
            pytrace=False,
        )

    stand_in.hung_before = True
    if owner is not None:
        setattr(owner, name, stand_in)
    else:
        namespace[name] = stand_in


def timeout_message(item: pytest.Item, seconds: float, frame) -> str:
    """What the test expected, and the line of the learner's code that was running when it was stopped."""
    slow = item.get_closest_marker("slow")
    expected = slow.args[0] if slow and slow.args else "this test should take well under a second"
    message = f"Stopped after {seconds:g} s: {expected}, so the code probably never finishes."
    frames = learner_frames(frame)
    if frames:
        message += f"\nIt was running {where(frames[0])}."
    return message + "\nLook for a loop whose condition never changes, or far more work than the task needs."
