"""Unsqueeze, views and reshapes.

Replace each `raise NotImplementedError(...)` with your code; the kata's tests check it.
The lesson (README.md beside this file) explains every task.
"""

import torch

# Task 1: unsqueeze and squeeze


def add_batch_dim(x):
    """``x`` as a batch of one: a new dimension of size 1 in front, whatever ``x``'s number of dimensions.

    >>> add_batch_dim(torch.zeros(3, 28, 28)).shape
    torch.Size([1, 3, 28, 28])
    """
    raise NotImplementedError("Task 1: write add_batch_dim (see README.md)")


def squeeze_channel(x):
    """A batch of one-channel images, shape (N, 1, H, W), without its channel dimension: shape (N, H, W).

    Only the channel dimension goes: N, H and W stay, even when they are 1.
    """
    raise NotImplementedError("Task 1: write squeeze_channel (see README.md)")


# Task 2: Indexing with None


def normalize_channels(images, mean, std):
    """``images`` (shape (N, C, H, W)) with channel c shifted by ``mean[c]`` and divided by ``std[c]``.

    ``mean`` and ``std`` have shape (C,): ``result[n, c, h, w]`` is ``(images[n, c, h, w] - mean[c]) / std[c]``.
    """
    raise NotImplementedError("Task 2: write normalize_channels (see README.md)")


# Task 3: view vs reshape


def can_view(x, shape):
    """Whether ``x.view(shape)`` would work, as a bool. ``shape`` holds as many elements as ``x``.

    >>> can_view(torch.zeros(2, 3), (3, 2)), can_view(torch.zeros(2, 3).t(), (6,))
    (True, False)
    """
    raise NotImplementedError("Task 3: write can_view (see README.md)")


def flatten_all(x):
    """Every number of ``x`` in one 1-D tensor, in row-major order (the order of ``x.tolist()``, read left to right).

    It must work for every ``x``, contiguous or not; for a contiguous ``x`` it returns a view, not a copy.
    """
    raise NotImplementedError("Task 3: write flatten_all (see README.md)")


# Task 4: Let -1 work out a size


def split_into_sequences(x, batch_size):
    """The rows of ``x`` (shape (B * T, D)) as ``batch_size`` = B sequences of T consecutive rows: shape (B, T, D).

    ``result[b, t]`` is ``x[b * T + t]``. Only B is given: work out T from the shape of ``x``.
    """
    raise NotImplementedError("Task 4: write split_into_sequences (see README.md)")


# Task 5: flatten


def flatten_per_example(x):
    """A batch ``x`` of shape (N, ...) as a batch of vectors: shape (N, number of values per example).

    The batch dimension stays, even for a batch of one; everything after it is flattened in row-major order.

    >>> flatten_per_example(torch.zeros(8, 3, 4, 5)).shape
    torch.Size([8, 60])
    """
    raise NotImplementedError("Task 5: write flatten_per_example (see README.md)")


# Task 6: permute


def nhwc_to_nchw(images):
    """A batch of channels-last images (shape (N, H, W, C)) in channels-first layout: shape (N, C, H, W).

    ``result[n, c, h, w]`` is ``images[n, h, w, c]``.
    """
    raise NotImplementedError("Task 6: write nhwc_to_nchw (see README.md)")


def pixel_rows(images):
    """Every pixel of a batch of images (shape (N, C, H, W)) as one row of its C channel values: shape (N * H * W, C).

    The rows go image by image, then row by row, then left to right: row ``(n * H + h) * W + w`` is
    ``images[n, :, h, w]``.
    """
    raise NotImplementedError("Task 6: write pixel_rows (see README.md)")


# Task 7: expand vs repeat


def tile_view(row, n):
    """``n`` rows, each equal to ``row`` (shape (D,)): shape (n, D), as a view of ``row``'s memory, without copying it.

    Later changes to ``row`` show in every row of the result.
    """
    raise NotImplementedError("Task 7: write tile_view (see README.md)")


def tile_copy(row, n):
    """``n`` rows, each equal to ``row`` (shape (D,)): shape (n, D), with memory of its own.

    Each row of the result can be changed without changing the others or ``row``.
    """
    raise NotImplementedError("Task 7: write tile_copy (see README.md)")


# Task 8: Broadcasting with unsqueeze


def normalize_rows(x):
    """``x`` (shape (N, D)) with each row shifted by its own mean and divided by its own standard deviation.

    Use the standard deviation that ``torch.std`` computes by default (it divides by D - 1). Each row of the
    result has mean 0 and standard deviation 1.
    """
    raise NotImplementedError("Task 8: write normalize_rows (see README.md)")


def outer_product(a, b):
    """Every entry of ``a`` (shape (N,)) times every entry of ``b`` (shape (M,)): shape (N, M).

    ``result[i, j]`` is ``a[i] * b[j]``.
    """
    raise NotImplementedError("Task 8: write outer_product (see README.md)")


def pairwise_distances(p, q):
    """The Euclidean distance from every point of ``p`` (shape (N, D)) to every point of ``q`` (shape (M, D)).

    Shape (N, M): ``result[i, j]`` is the distance from ``p[i]`` to ``q[j]``. Write it with broadcasting; the
    tests compare it with ``torch.cdist(p, q)``.
    """
    raise NotImplementedError("Task 8: write pairwise_distances (see README.md)")
