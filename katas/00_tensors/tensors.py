"""Tensors.

Replace each `raise NotImplementedError(...)` with your code; the kata's tests check it.
The lesson (README.md beside this file) explains every task.
"""

import numpy as np
import torch

# Task 1: Creating tensors


def from_data(data):
    """A tensor holding ``data`` (a possibly nested list), with the dtype the data implies.

    >>> from_data([3, 1, 4]).dtype
    torch.int64
    """
    raise NotImplementedError("Task 1: write from_data (see README.md)")


def constant(shape, value):
    """A tensor of ``shape`` with every entry equal to ``value``; its dtype follows the value."""
    raise NotImplementedError("Task 1: write constant (see README.md)")


def ones_matrix(rows, cols):
    """A ``rows`` x ``cols`` float32 matrix of ones."""
    raise NotImplementedError("Task 1: write ones_matrix (see README.md)")


def count(start, end, step):
    """The integers ``start, start + step, ...`` stopping before ``end``, like Python's range.

    >>> count(2, 11, 3)
    tensor([2, 5, 8])
    """
    raise NotImplementedError("Task 1: write count (see README.md)")


def zeros_matching(x):
    """Zeros with the shape, dtype and device of ``x``."""
    raise NotImplementedError("Task 1: write zeros_matching (see README.md)")


def buffer(shape, dtype):
    """A tensor of ``shape`` and ``dtype`` whose values you will overwrite anyway (don't pay to fill it)."""
    raise NotImplementedError("Task 1: write buffer (see README.md)")


# Task 2: Dtypes and casting


def average(x):
    """The mean of an integer tensor ``x``, as a 0-d float32 tensor."""
    raise NotImplementedError("Task 2: write average (see README.md)")


def to_pixels(x):
    """Brightness values (floats, nominally 0..1) as uint8 pixels 0..255.

    Values below 0 or above 1 are clamped first; 255 * value is rounded to the nearest integer.
    """
    raise NotImplementedError("Task 2: write to_pixels (see README.md)")


# Task 3: Shapes


def shape_summary(x):
    """The tuple ``(shape, number of dimensions, number of elements)`` of ``x``.

    >>> shape_summary(torch.zeros(2, 3))
    ((2, 3), 2, 6)
    """
    raise NotImplementedError("Task 3: write shape_summary (see README.md)")


# Task 4: Indexing, masks and .item()


def first_column(x):
    """The first column of the matrix ``x``, as a 1-D tensor."""
    raise NotImplementedError("Task 4: write first_column (see README.md)")


def positive_entries(x):
    """The entries of ``x`` that are greater than zero, as a 1-D tensor, in order."""
    raise NotImplementedError("Task 4: write positive_entries (see README.md)")


def without_negatives(x):
    """A copy of ``x`` with every negative entry replaced by 0. ``x`` itself must not change."""
    raise NotImplementedError("Task 4: write without_negatives (see README.md)")


def as_number(x):
    """The single value in the one-element tensor ``x``, as a plain Python int or float."""
    raise NotImplementedError("Task 4: write as_number (see README.md)")


# Task 5: Element-wise arithmetic and matrix products


def matrix_product(a, b):
    """The matrix product of ``a`` (n x k) and ``b`` (k x m): an n x m matrix."""
    raise NotImplementedError("Task 5: write matrix_product (see README.md)")


# Task 6: In-place operations


def scale_in_place(x, factor):
    """Multiply ``x`` by ``factor`` in place, and return ``x``."""
    raise NotImplementedError("Task 6: write scale_in_place (see README.md)")


def scaled(x, factor):
    """A new tensor equal to ``x`` times ``factor``. ``x`` itself must not change."""
    raise NotImplementedError("Task 6: write scaled (see README.md)")


# Task 7: The NumPy bridge


def share_memory_with(array: np.ndarray):
    """A tensor that shares memory with ``array``: later changes to one show in the other."""
    raise NotImplementedError("Task 7: write share_memory_with (see README.md)")


def copy_of(array: np.ndarray):
    """A tensor with its own copy of ``array``'s data."""
    raise NotImplementedError("Task 7: write copy_of (see README.md)")


def to_numpy(x):
    """``x`` as a NumPy array, whatever device ``x`` is on and even if it requires grad."""
    raise NotImplementedError("Task 7: write to_numpy (see README.md)")


# Task 8: Devices and reproducible randomness


def zeros_on(shape, device):
    """Zeros of ``shape``, created directly on ``device``."""
    raise NotImplementedError("Task 8: write zeros_on (see README.md)")


def move_like(x, other):
    """``x`` moved to the device of ``other`` and cast to the dtype of ``other``."""
    raise NotImplementedError("Task 8: write move_like (see README.md)")


def uniform(shape, generator):
    """Random values in [0, 1) of ``shape``, drawn from ``generator`` (a torch.Generator)."""
    raise NotImplementedError("Task 8: write uniform (see README.md)")


def reproducible_noise(shape, seed):
    """Standard normal noise of ``shape``: the same for the same ``seed``, every time.

    It must not change torch's global random state.
    """
    raise NotImplementedError("Task 8: write reproducible_noise (see README.md)")
