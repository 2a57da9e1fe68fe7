"""Where the learner works, and how they ask for things there: the ``katas`` command in a terminal, or a kata's
notebook. Every next step the harness suggests is worded for the medium the learner is in."""

from __future__ import annotations

from katas.core.curriculum import Kata


class Terminal:
    """The ``katas`` command (and plain pytest)."""

    def hint(self, kata: Kata) -> str:
        return f"`katas hint {kata.number:02d}`"

    def check(self, kata: Kata) -> str:
        return f"`katas run {kata.number:02d}`"

    def solution_anyway(self, kata: Kata) -> str:
        return f"`katas solution {kata.number:02d} --force`"

    def start(self, kata: Kata) -> list[tuple[str, str]]:
        """How to start on ``kata``: what to read, write and run, as labelled lines."""
        return [
            ("read", kata.shown(kata.lesson_path)),
            ("write", kata.shown(kata.stub_path)),
            ("check", f"katas run {kata.number:02d}   (or: pytest {kata.shown(kata.path)})"),
            ("or", "katas watch   (re-runs on every save)"),
        ]


class Notebook:
    """A kata's notebook: ``k = kata(...)`` and its ``%%kata`` cell."""

    def hint(self, kata: Kata) -> str:
        return "`k.hint()`"

    def check(self, kata: Kata) -> str:
        return "running the `%%kata` cell (or `k.check()`)"

    def solution_anyway(self, kata: Kata) -> str:
        return "`k.solution(force=True)`"

    def start(self, kata: Kata) -> list[tuple[str, str]]:
        return [("open", kata.shown(kata.path / f"{kata.topic}.ipynb"))]


TERMINAL, NOTEBOOK = Terminal(), Notebook()


def in_a_kernel() -> bool:
    """Whether this code runs in a notebook's kernel (Jupyter, VS Code, Colab), where output can be drawn inline."""
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    return get_ipython() is not None and hasattr(get_ipython(), "kernel")


Medium = Terminal | Notebook
