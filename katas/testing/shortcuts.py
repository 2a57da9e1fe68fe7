""" "By hand" tasks: within a block, the library call that a task teaches refuses to run."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import pytest

from katas.testing.calls import explained_call


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


def by_hand_caller(
    shortcuts: Iterable[tuple[object, str]], advice: str, explanations: Mapping[str, str]
) -> Callable[..., Any]:
    """How a kata whose tasks are "by hand" calls the learner's code: ``caller(function, *args, **kwargs)`` is
    ``function(*args, **kwargs)`` within :func:`by_hand` (``shortcuts`` refused, with ``advice``), through
    :func:`explained_call` with ``explanations`` (the call named by the function's name)."""
    shortcuts = list(shortcuts)

    def caller(function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        __tracebackhide__ = True
        with by_hand(shortcuts, advice=advice):
            name = getattr(function, "__name__", "your code")
            return explained_call(function, *args, call=name, explanations=explanations, **kwargs)

    return caller


def _refusal(full_name: str, advice: str):
    def shortcut(*args, **kwargs):
        raise ShortcutTaken(f"Your code called {full_name}: this task asks you to write it by hand. {advice}")

    return shortcut
