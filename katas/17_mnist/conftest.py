"""The MNIST digits for this kata's tests (see katas/datasets.py): skipped, with a how-to, when they are missing."""

from functools import cache

import pytest

from katas._harness.plugin.skips import skip_for_missing_data
from katas.datasets import CorruptDataFile, DataUnavailable, Split, load_mnist


@pytest.fixture
def mnist_data(request: pytest.FixtureRequest) -> dict[str, Split]:
    """The ``"train"`` and ``"test"`` splits; without the files the test skips (fails under --require-data)."""
    try:
        return both_splits()
    except CorruptDataFile as error:
        raise pytest.fail.Exception(str(error), pytrace=False) from None
    except DataUnavailable as error:
        skip_for_missing_data(request, str(error))


@cache  # loaded once per run, however many tests ask
def both_splits() -> dict[str, Split]:
    return {"train": load_mnist(train=True), "test": load_mnist(train=False)}
