"""A long training test's progress, reported to the ``katas`` command that started the run.

pytest captures a test's output, so a test that trains for real reports through the ``training_progress``
fixture: first its plan (epochs, batches per epoch), then the loss after each batch, a line each, appended to
the ``--katas-progress`` file (the feed, :mod:`katas.core.feed`), which the command follows to draw a progress bar.
Without the option (plain pytest) the fixture writes nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TextIO

import pytest

from katas.core.feed import Progress


class TrainingProgress:
    """Call it with each batch's loss (it is an ``on_batch`` callback); :meth:`plan` first, for a bar with totals."""

    def __init__(self, feed: TextIO | None) -> None:
        self.feed = feed

    def plan(self, epochs: int, batches_per_epoch: int) -> None:
        if self.feed is not None:
            self.feed.write(Progress(epochs=epochs, batches=batches_per_epoch).line())

    def __call__(self, loss: float) -> None:
        if self.feed is not None:
            self.feed.write(Progress(loss=float(loss)).line())


@pytest.fixture
def training_progress(request: pytest.FixtureRequest) -> Iterator[TrainingProgress]:
    """Reports a training run to the ``katas`` command; does nothing when nobody follows the run."""
    path = request.config.getoption("katas_progress")
    if not path:
        yield TrainingProgress(None)
        return
    with open(path, "a", buffering=1, encoding="utf-8") as feed:  # a line at a time, read while the test runs
        yield TrainingProgress(feed)
