"""The MNIST digits for this kata's tests: skipped, with a how-to, when they are missing."""

import pytest

from katas.testing.data import Split, mnist_splits


@pytest.fixture
def mnist_data(request: pytest.FixtureRequest) -> dict[str, Split]:
    """The ``"train"`` and ``"test"`` splits (see katas/testing/data.py)."""
    return mnist_splits(request)
