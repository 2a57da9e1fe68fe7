"""A training run's progress, from inside a test to the ``katas`` command that started it.

pytest runs in another process and captures its output, so a test that trains for real writes one line per
batch (the loss) to the file named by ``KATAS_TRAINING_FEED``; the command follows the file and draws a
progress bar. Without the variable (plain ``pytest``) nothing is written.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

FEED_VARIABLE = "KATAS_TRAINING_FEED"


def batch_reporter() -> Callable[[float], None] | None:
    """An ``on_batch(loss)`` callback that feeds the ``katas`` command, or None when nobody follows."""
    path = os.environ.get(FEED_VARIABLE)
    if not path:
        return None
    feed = open(path, "a", buffering=1, encoding="utf-8")  # noqa: SIM115 - one line per batch, for the whole run

    def report(loss: float) -> None:
        feed.write(f"{float(loss):.6g}\n")

    return report


class FeedReader:
    """Reads the losses a training test has written since the last call."""

    def __init__(self, path: Path) -> None:
        self.path, self.offset = path, 0

    def new_losses(self) -> list[float]:
        if not self.path.exists():
            return []
        with self.path.open(encoding="utf-8") as feed:
            feed.seek(self.offset)
            text = feed.read()
        complete = text[: text.rfind("\n") + 1]
        self.offset += len(complete)
        return [float(line) for line in complete.splitlines() if line]
