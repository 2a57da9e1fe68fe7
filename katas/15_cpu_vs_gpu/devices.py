"""Devices, and a CPU-vs-GPU benchmark.

Replace each `raise NotImplementedError(...)` with your code; the kata's tests check it.
The lesson (README.md beside this file) explains every task.
When every test passes, `pytest --benchmark-only` in this folder prints the benchmark table.
"""

import numpy as np
import torch
from torch import nn

# Task 1: Choosing a device


def pick_device(name=None):
    """The torch.device to compute on.

    With no ``name``: CUDA if it is available, else Apple's MPS if it is available, else the CPU.
    With a ``name`` ("cpu", "cuda", "cuda:0", "mps"): that device, if it exists here. An unknown
    name, or a device this machine does not have, raises a ValueError whose message names it.

    >>> pick_device("cpu")
    device(type='cpu')
    """
    raise NotImplementedError("Task 1: write pick_device (see README.md)")


# Task 2: Moving tensors, models and batches


def to_device(obj, device):
    """``obj`` moved to ``device``.

    A tensor comes back moved, and a module (a model) with all its parameters and buffers moved.
    A dict, list or tuple comes back as a new dict, list or tuple (the same type) holding its items
    moved, however deeply they are nested. Anything else (numbers, strings, None, arrays) comes
    back as it is, the very same object.
    """
    raise NotImplementedError("Task 2: write to_device (see README.md)")


# Task 3: Back to the CPU, and to NumPy


def to_numpy(x) -> np.ndarray:
    """The values of tensor ``x`` as a NumPy array, whatever its device, even if it requires grad.

    ``x`` itself must not change.
    """
    raise NotImplementedError("Task 3: write to_numpy (see README.md)")


# Task 4: Timing GPU code


def time_it(fn, device, *, warmup=3, repeats=11):
    """The median time, in seconds, of one call ``fn()`` whose work runs on ``device`` (a torch.device).

    First call ``fn()`` ``warmup`` times without timing it. Then time ``repeats`` calls, one at
    a time, and return the median of those times. On a CUDA device, a call's time must include
    the GPU finishing its work; on the CPU, time it without touching CUDA.
    """
    raise NotImplementedError("Task 4: write time_it (see README.md)")


# Task 5: The crossover


def matmul_on(a, b, device):
    """The matrix product ``a @ b`` of two CPU tensors, computed on ``device``, returned on the CPU.

    ``a`` and ``b`` themselves must not change.
    """
    raise NotImplementedError("Task 5: write matmul_on (see README.md)")
