"""Normalization, dropout and initialization by hand.

Replace each `raise NotImplementedError(...)` with your code; the kata's tests check it.
The lesson (README.md beside this file) explains every task and what you may not call:
no torch.nn.functional.batch_norm, layer_norm, rms_norm or dropout, no torch.nn.init.
"""

import math

import torch
from torch import nn

# Task 1: Batch normalization in training mode


def batch_norm_train(x, running_mean, running_var, weight=None, bias=None, momentum=0.1, eps=1e-5):
    """Batch normalization of ``x`` (``(N, C)`` or ``(N, C, L)``) in training mode, like ``F.batch_norm(...,
    training=True)``.

    Each channel c is normalised with the mean and the *biased* variance of its values in this batch (over every
    dim but dim 1), then scaled by ``weight[c]`` and shifted by ``bias[c]`` when they are given. The buffers
    ``running_mean`` and ``running_var`` (C values each) are updated in place, outside autograd:
    ``running = (1 - momentum) * running + momentum * batch_statistic``, with the *unbiased* variance.
    A batch of one value per channel raises ``ValueError``.
    """
    raise NotImplementedError("Task 1: write batch_norm_train (see README.md)")


# Task 2: A BatchNorm module, and evaluation mode


class BatchNorm1d(nn.Module):
    """Batch normalization as a module, like ``nn.BatchNorm1d(num_features, eps, momentum)``."""

    def __init__(self, num_features, eps=1e-5, momentum=0.1):
        """Keep ``eps`` and ``momentum``; parameters ``weight`` (ones) and ``bias`` (zeros), and buffers
        ``running_mean`` (zeros) and ``running_var`` (ones), ``num_features`` values each."""
        raise NotImplementedError("Task 2: write BatchNorm1d.__init__ (see README.md)")

    def forward(self, x):
        """In training mode, ``batch_norm_train`` with this module's parameters and buffers; in evaluation mode,
        normalise with the running statistics, and leave them as they are."""
        raise NotImplementedError("Task 2: write BatchNorm1d.forward (see README.md)")


# Task 3: Layer normalization and RMS normalization


def layer_norm(x, normalized_shape, weight=None, bias=None, eps=1e-5):
    """Layer normalization, like ``F.layer_norm``: normalise over the last ``len(normalized_shape)`` dims of ``x``
    (``normalized_shape`` is an int or a tuple) with their mean and biased variance, then multiply by ``weight``
    and add ``bias`` (each of ``normalized_shape``) when they are given."""
    raise NotImplementedError("Task 3: write layer_norm (see README.md)")


def rms_norm(x, normalized_shape, weight=None, eps=None):
    """RMS normalization, like ``F.rms_norm``: divide ``x`` by the root of the mean of its squares (plus ``eps``)
    over the last ``len(normalized_shape)`` dims, then multiply by ``weight`` when it is given. No mean is
    subtracted, and there is no bias. ``eps=None`` means ``torch.finfo(x.dtype).eps``."""
    raise NotImplementedError("Task 3: write rms_norm (see README.md)")


# Task 4: Dropout


def dropout(x, p=0.5, training=True, generator=None):
    """Inverted dropout, like ``F.dropout``: in training, zero each element of ``x`` independently with
    probability ``p`` and scale the others by ``1 / (1 - p)``; in evaluation (``training=False``), ``x`` as it is.

    Random numbers come from ``generator`` when one is given. ``p = 1`` gives zeros (never nan); a ``p`` outside
    0 to 1 raises ``ValueError``.
    """
    raise NotImplementedError("Task 4: write dropout (see README.md)")


# Task 5: Xavier and Kaiming initialization


def fan_in_and_fan_out(weight):
    """``(fan_in, fan_out)`` of a weight of at least 2 dims, shaped ``(out, in, *kernel)`` as in ``nn.Linear`` and
    ``nn.Conv2d``: inputs and outputs of one unit, each times the kernel's size. Fewer dims raise ``ValueError``."""
    raise NotImplementedError("Task 5: write fan_in_and_fan_out (see README.md)")


def xavier_uniform_(weight, gain=1.0, generator=None):
    """Fill ``weight`` in place from U(-a, a), ``a = gain * sqrt(6 / (fan_in + fan_out))``, and return it."""
    raise NotImplementedError("Task 5: write xavier_uniform_ (see README.md)")


def kaiming_normal_(weight, mode="fan_in", generator=None):
    """Fill ``weight`` in place from N(0, std²) for a ReLU network, ``std = sqrt(2) / sqrt(fan)``, and return it.

    ``fan`` is the fan-in (``mode="fan_in"``) or the fan-out (``mode="fan_out"``); another mode raises
    ``ValueError``.
    """
    raise NotImplementedError("Task 5: write kaiming_normal_ (see README.md)")
