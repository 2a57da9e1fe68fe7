"""Shares: ``--katas-share=I/N`` runs only the I-th of every N tests, so that N processes can run a kata at once.

Watch mode runs a kata as one share per core; :func:`katas.core.results.merged` puts the shares' verdicts back
in the lesson's order.
"""

from __future__ import annotations

import argparse

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.getgroup("katas").addoption(
        "--katas-share",
        metavar="I/N",
        type=share,
        help="run only the tests at positions I, I+N, I+2N, ... of the collection (0 <= I < N)",
    )


def share(text: str) -> tuple[int, int]:
    """``"1/2"`` as ``(1, 2)``."""
    try:
        index, count = (int(part) for part in text.split("/"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected I/N, such as 0/2, got {text!r}") from None
    if not 0 <= index < count:
        raise argparse.ArgumentTypeError(f"I/N needs 0 <= I < N, got {text!r}")
    return index, count


@pytest.hookimpl(trylast=True)  # after the collector has noted the whole collection's order
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    chosen = config.getoption("katas_share")
    if chosen is None:
        return
    index, count = chosen
    config.hook.pytest_deselected(items=[item for place, item in enumerate(items) if place % count != index])
    items[:] = items[index::count]
