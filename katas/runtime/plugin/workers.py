"""pytest-xdist: the tests of one file run on one worker (``-n auto`` means ``--dist loadfile`` here, not ``load``).

A file's tests then share its module-scoped fixtures (the contract's run of every stub, the MNIST digits) instead
of each worker paying for them, and tests that start processes of their own (the ranks of a process group) run
one after another instead of crowding a small machine's cores. (xdist's ``loadgroup`` would group single tests,
but it marks a test's group by rewriting its node id, which pytest 9's nodes no longer allow.) An explicit
``--dist`` other than ``load`` is left as it is; without xdist (the katas command) this plugin does nothing.
"""

from __future__ import annotations

import pytest


def pytest_configure(config: pytest.Config) -> None:
    if not hasattr(config, "workerinput") and getattr(config.option, "dist", "no") == "load":
        config.option.dist = "loadfile"  # read when xdist makes its scheduler, at the start of the session
