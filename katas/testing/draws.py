"""Random test inputs, drawn from torch's global generator (which the harness seeds per test)."""

from collections.abc import Callable

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


def global_generator_use(state: torch.Tensor, seed: int, drew_from: Callable[[torch.Generator], bool]) -> str:
    """Why torch's global random state moved on from ``state`` during the learner's call, as a sentence for the
    failure: ``drew_from(generator)`` says whether the learner's result is what drawing from ``generator`` gives.
    It drew from the global generator as it was, or reseeded it with ``seed`` (torch.manual_seed) and drew; when
    neither result matches, the sentence names both."""
    shared = ", which every caller shares. "
    for generator, what in (
        (torch.Generator().set_state(state), "it drew its numbers from torch's global generator"),
        (torch.Generator().manual_seed(seed), "it reseeded torch's global generator (torch.manual_seed)"),
    ):
        try:
            if drew_from(generator):
                return what + shared
        except Exception:  # a result of the wrong kind matches neither
            pass
    return "it drew from (or reseeded) torch's global generator" + shared
