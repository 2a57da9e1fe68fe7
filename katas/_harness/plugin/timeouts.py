"""Hangs: pytest-timeout's signal timer, stopping a test with a message that points at the learner's code."""

from __future__ import annotations

import signal
import threading
from pathlib import Path

import pytest

from katas._harness.stubs import is_kata_module


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
        raise pytest.fail.Exception(timeout_message(item, settings.timeout, frame), pytrace=False)

    def cancel():
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, signal.SIG_DFL)

    item.cancel_timeout = cancel  # pytest-timeout's cancel hook calls this
    signal.signal(signal.SIGALRM, stop)
    signal.setitimer(signal.ITIMER_REAL, settings.timeout)
    return True


def timeout_message(item: pytest.Item, seconds: float, frame) -> str:
    """What the test expected, and the line of the learner's code that was running when it was stopped."""
    slow = item.get_closest_marker("slow")
    expected = slow.args[0] if slow and slow.args else "this test should take well under a second"
    message = f"Stopped after {seconds:g} s: {expected}, so the code probably never finishes."
    while frame is not None:
        path = Path(frame.f_code.co_filename)
        if is_kata_module(path):
            shown = path.relative_to(path.parents[2]).as_posix()
            message += f"\nIt was running {shown}, line {frame.f_lineno}, in {frame.f_code.co_name}()."
            break
        frame = frame.f_back
    return message + "\nLook for a loop whose condition never changes, or far more work than the task needs."
