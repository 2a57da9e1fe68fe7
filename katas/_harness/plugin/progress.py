"""A long training test's progress, reported to the ``katas`` command that started the run.

pytest captures a test's output, so a test that trains for real reports each batch through the
``training_progress`` fixture: a line per batch (the loss) appended to the ``--katas-progress`` file,
which the command follows to draw a progress bar. Without the option (plain pytest) the fixture is None.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest


@pytest.fixture
def training_progress(request: pytest.FixtureRequest) -> Iterator[Callable[[float], None] | None]:
    """``report(loss)`` to call after each batch, or None when nobody follows the run."""
    path = request.config.getoption("katas_progress")
    if not path:
        yield None
        return
    with open(path, "a", buffering=1, encoding="utf-8") as feed:  # a line a batch, read while the test runs

        def report(loss: float) -> None:
            feed.write(f"{float(loss):.6g}\n")

        yield report
