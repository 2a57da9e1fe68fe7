""" "By hand" tasks: within a block, the library call that a task teaches refuses to run."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager

import pytest


class ShortcutTaken(AssertionError):
    """The learner's code called the library function that the task asks them to write."""


@contextmanager
def by_hand(shortcuts: Iterable[tuple[object, str]], advice: str) -> Iterator[None]:
    """Within this block, calling any ``getattr(owner, name)`` of ``shortcuts`` raises :class:`ShortcutTaken`:
    ``"Your code called <owner>.<name>: this task asks you to write it by hand. <advice>"``."""
    with pytest.MonkeyPatch.context() as patch:
        for owner, name in shortcuts:
            full_name = f"{getattr(owner, '__name__', type(owner).__name__)}.{name}"
            patch.setattr(owner, name, _refusal(full_name, advice), raising=False)
        yield


def _refusal(full_name: str, advice: str):
    def shortcut(*args, **kwargs):
        raise ShortcutTaken(f"Your code called {full_name}: this task asks you to write it by hand. {advice}")

    return shortcut
