"""Datasets for kata tests: the MNIST digits (see :mod:`katas.datasets`), skipped with a how-to where they are missing.

from katas.testing.data import mnist_accuracy, mnist_splits
"""

from __future__ import annotations

from functools import cache

import pytest

from katas.datasets import CorruptDataFile, DataUnavailable, Split, load_mnist, mnist_accuracy
from katas.runtime.plugin.skips import skip_for_missing_data

__all__ = ["Split", "mnist_accuracy", "mnist_splits"]


def mnist_splits(request: pytest.FixtureRequest) -> dict[str, Split]:
    """The ``"train"`` and ``"test"`` splits; without the files the test skips (fails under --require-data)."""
    try:
        return _both_splits()
    except CorruptDataFile as error:
        raise pytest.fail.Exception(str(error), pytrace=False) from None
    except DataUnavailable as error:
        skip_for_missing_data(request, str(error))


@cache  # loaded once per run, however many tests ask
def _both_splits() -> dict[str, Split]:
    return {"train": load_mnist(train=True), "test": load_mnist(train=False)}
