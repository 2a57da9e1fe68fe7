"""Random shapes for tests, drawn from torch's global generator (which conftest seeds per test)."""

import torch


def random_shape(ndim: int, low: int = 1, high: int = 6) -> tuple[int, ...]:
    """A shape of ``ndim`` sizes, each drawn uniformly from ``low`` to ``high`` inclusive."""
    return tuple(torch.randint(low, high + 1, (ndim,)).tolist())
