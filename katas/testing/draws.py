"""Random test inputs, drawn from torch's global generator (which the harness seeds per test)."""

import torch


def random_int(low: int, high: int) -> int:
    """An int from ``low`` to ``high`` inclusive."""
    return int(torch.randint(low, high + 1, ()))


def random_shape(ndim: int, low: int = 1, high: int = 6) -> tuple[int, ...]:
    """A shape of ``ndim`` sizes, each drawn uniformly from ``low`` to ``high`` inclusive."""
    return tuple(torch.randint(low, high + 1, (ndim,)).tolist())


def distinct_sizes(count: int, low: int = 2) -> tuple[int, ...]:
    """``count`` different sizes from ``low`` up, in random order: no two dimensions can be mistaken for each other."""
    return tuple((torch.randperm(count + 3)[:count] + low).tolist())
