"""The progress feed: what a test that trains for real reports while it runs, for the ``katas`` command's bar.

Beside the results document (:mod:`katas.core.results`), a run started with ``--katas-progress=PATH`` appends to
PATH, one line at a time, through the ``training_progress`` fixture (:mod:`katas.runtime.plugin.progress`); the
command follows the file while the run goes on (:class:`katas.runtime.runner.FeedReader`). Each line is one of::

    plan 2 469      # a training run starts: its epochs, then its batches per epoch
    0.2345          # one batch is done: its loss (a float, 6 significant digits)

A reader takes whole lines only (ending in a newline); a second ``plan`` starts a new training run.
"""

from __future__ import annotations

from dataclasses import dataclass

PLAN = "plan"


@dataclass(frozen=True)
class Progress:
    """One line of the feed: a plan (``epochs``, ``batches``) or one batch's ``loss``."""

    loss: float | None = None
    epochs: int = 0
    batches: int = 0

    def line(self) -> str:
        """The line, newline included, that stands for it in the feed."""
        if self.loss is None:
            return f"{PLAN} {self.epochs} {self.batches}\n"
        return f"{self.loss:.6g}\n"

    @classmethod
    def parse(cls, line: str) -> Progress:
        """The progress that ``line`` (without its newline) stands for."""
        if line.startswith(f"{PLAN} "):
            epochs, batches = line.split()[1:]
            return cls(epochs=int(epochs), batches=int(batches))
        return cls(loss=float(line))
