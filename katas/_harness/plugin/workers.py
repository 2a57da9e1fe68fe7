"""pytest-xdist: tests marked ``@pytest.mark.xdist_group(name)`` run on one worker, one after another.

A kata whose tests start processes of their own (ranks of a process group) would crowd a small machine's cores
if xdist ran those tests side by side. ``-n auto`` means ``--dist load``, which ignores the groups: this plugin
makes it ``loadgroup`` (``load``, with each group kept on one worker). Without xdist (the katas command) the
marker means nothing, and is registered so that pytest knows it.
"""

from __future__ import annotations

import pytest


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "xdist_group(name): under pytest-xdist, the tests of a group share a worker")
    if not hasattr(config, "workerinput") and getattr(config.option, "dist", "no") == "load":
        config.option.dist = "loadgroup"  # read when xdist starts its workers and makes its scheduler
