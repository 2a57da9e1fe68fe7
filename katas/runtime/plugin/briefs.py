"""Brief failure reports under ``--tb=no``: pytest shows no traceback then, yet formats one for every failure (a
fifth of a kata's run when every test fails). The ``katas`` command's runs read their verdicts from the results
(:mod:`.collector`), so they ask for ``--tb=no`` and get, for each failure, its exception and the line it came from.
"""

from __future__ import annotations

import pytest


def pytest_itemcollected(item: pytest.Item) -> None:
    if item.config.getoption("tbstyle") == "no":
        item.repr_failure = brief_failure


def brief_failure(excinfo: pytest.ExceptionInfo[BaseException]):
    """The exception and where it was raised, without formatting the traceback that leads there."""
    return excinfo.getrepr(style="value", tbfilter=False)
