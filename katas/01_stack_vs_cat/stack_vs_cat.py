"""Stack vs cat, and broadcasting.

Replace each `raise NotImplementedError(...)` with your code; the kata's tests check it.
The lesson (README.md beside this file) explains every task.
"""

import torch

# Task 1: stack adds a dimension


def batch_images(images):
    """One batch from a list of N images of the same shape (C, H, W): a tensor of shape (N, C, H, W).

    ``result[i]`` is ``images[i]``.
    """
    raise NotImplementedError("Task 1: write batch_images (see README.md)")


def pair_up(xs, ys):
    """Each x beside its y: ``xs`` and ``ys`` have the same shape (...), the result has shape (..., 2).

    ``result[..., 0]`` is ``xs`` and ``result[..., 1]`` is ``ys``, whatever the number of dimensions.

    >>> pair_up(torch.tensor([1, 2, 3]), torch.tensor([4, 5, 6]))
    tensor([[1, 4],
            [2, 5],
            [3, 6]])
    """
    raise NotImplementedError("Task 1: write pair_up (see README.md)")


# Task 2: cat extends a dimension


def join_batches(batches):
    """One batch from a list of batches of shapes (B_1, ...), (B_2, ...), ...: shape (B_1 + B_2 + ..., ...).

    The batches may differ in size; everything after the batch dimension is the same for all of them.
    """
    raise NotImplementedError("Task 2: write join_batches (see README.md)")


def concat_features(a, b):
    """The features of ``a`` (shape (..., d1)) followed by those of ``b`` (shape (..., d2)): shape (..., d1 + d2).

    Features are the last dimension; the leading dimensions (N, or B and T, ...) are the same in ``a`` and ``b``.

    >>> concat_features(torch.zeros(5, 3), torch.ones(5, 2)).shape
    torch.Size([5, 5])
    """
    raise NotImplementedError("Task 2: write concat_features (see README.md)")


# Task 3: Shape rules and negative dims


def stack_shape(shapes, dim=0):
    """The shape (a tuple) of ``torch.stack`` of tensors with these ``shapes`` along ``dim``, worked out by hand.

    ``dim`` may be negative. Raise ValueError, saying which shapes differ, if the shapes are not all equal.

    >>> stack_shape([(2, 3), (2, 3), (2, 3)], dim=-1)
    (2, 3, 3)
    """
    raise NotImplementedError("Task 3: write stack_shape (see README.md)")


def cat_shape(shapes, dim=0):
    """The shape (a tuple) of ``torch.cat`` of tensors with these ``shapes`` along ``dim``, worked out by hand.

    ``dim`` may be negative. Raise ValueError, saying which shapes clash, if the shapes differ in their number
    of dimensions or in any size other than the one at ``dim``.

    >>> cat_shape([(2, 3), (2, 5)], dim=-1)
    (2, 8)
    """
    raise NotImplementedError("Task 3: write cat_shape (see README.md)")


# Task 4: stack from unsqueeze and cat


def my_stack(tensors, dim=0):
    """Exactly what ``torch.stack(tensors, dim)`` returns, for every valid ``dim``, built without ``torch.stack``.

    Tensors of different shapes must raise an error (a RuntimeError from torch.cat will do).
    """
    raise NotImplementedError("Task 4: write my_stack (see README.md)")


# Task 5: Broadcasting


def broadcast_shape(shape_a, shape_b):
    """The shape (a tuple) that ``a + b`` has, for tensors ``a`` and ``b`` of these shapes, worked out by hand.

    Raise ValueError, saying which sizes clash, if the shapes do not broadcast.

    >>> broadcast_shape((3, 1), (4,))
    (3, 4)
    """
    raise NotImplementedError("Task 5: write broadcast_shape (see README.md)")


def add_column_bias(x, bias):
    """``x`` (shape (N, D)) with ``bias[j]`` added to every entry of column j; ``bias`` has shape (D,)."""
    raise NotImplementedError("Task 5: write add_column_bias (see README.md)")


def scale_rows(x, weights):
    """``x`` (shape (N, D)) with every entry of row i multiplied by ``weights[i]``; ``weights`` has shape (N,)."""
    raise NotImplementedError("Task 5: write scale_rows (see README.md)")
