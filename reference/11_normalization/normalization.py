"""Normalization, dropout and initialization by hand. Reference solution."""

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
    count = x.numel() // x.shape[1]  # values per channel
    if count < 2:
        raise ValueError(f"expected more than 1 value per channel when training, got input of shape {tuple(x.shape)}")
    dims = [0, *range(2, x.dim())]
    shape = (1, -1) + (1,) * (x.dim() - 2)  # a channel's statistic, broadcast over the batch (and length)
    mean = x.mean(dim=dims)
    var = x.var(dim=dims, correction=0)
    out = (x - mean.reshape(shape)) / torch.sqrt(var.reshape(shape) + eps)
    if weight is not None:
        out = out * weight.reshape(shape)
    if bias is not None:
        out = out + bias.reshape(shape)
    with torch.no_grad():
        running_mean.mul_(1 - momentum).add_(momentum * mean)
        running_var.mul_(1 - momentum).add_(momentum * var * count / (count - 1))
    return out


# Task 2: A BatchNorm module, and evaluation mode


class BatchNorm1d(nn.Module):
    """Batch normalization as a module, like ``nn.BatchNorm1d(num_features, eps, momentum)``."""

    def __init__(self, num_features, eps=1e-5, momentum=0.1):
        """Keep ``eps`` and ``momentum``; parameters ``weight`` (ones) and ``bias`` (zeros), and buffers
        ``running_mean`` (zeros) and ``running_var`` (ones), ``num_features`` values each."""
        super().__init__()
        self.eps = eps
        self.momentum = momentum
        self.weight = nn.Parameter(torch.ones(num_features))
        self.bias = nn.Parameter(torch.zeros(num_features))
        self.register_buffer("running_mean", torch.zeros(num_features))
        self.register_buffer("running_var", torch.ones(num_features))

    def forward(self, x):
        """In training mode, ``batch_norm_train`` with this module's parameters and buffers; in evaluation mode,
        normalise with the running statistics, and leave them as they are."""
        if self.training:
            return batch_norm_train(
                x, self.running_mean, self.running_var, self.weight, self.bias, self.momentum, self.eps
            )
        shape = (1, -1) + (1,) * (x.dim() - 2)
        scale = self.weight / torch.sqrt(self.running_var + self.eps)
        return (x - self.running_mean.reshape(shape)) * scale.reshape(shape) + self.bias.reshape(shape)


# Task 3: Layer normalization and RMS normalization


def layer_norm(x, normalized_shape, weight=None, bias=None, eps=1e-5):
    """Layer normalization, like ``F.layer_norm``: normalise over the last ``len(normalized_shape)`` dims of ``x``
    (``normalized_shape`` is an int or a tuple) with their mean and biased variance, then multiply by ``weight``
    and add ``bias`` (each of ``normalized_shape``) when they are given."""
    if isinstance(normalized_shape, int):
        normalized_shape = (normalized_shape,)
    dims = tuple(range(-len(normalized_shape), 0))
    mean = x.mean(dim=dims, keepdim=True)
    var = x.var(dim=dims, keepdim=True, correction=0)
    out = (x - mean) / torch.sqrt(var + eps)
    if weight is not None:
        out = out * weight
    if bias is not None:
        out = out + bias
    return out


def rms_norm(x, normalized_shape, weight=None, eps=None):
    """RMS normalization, like ``F.rms_norm``: divide ``x`` by the root of the mean of its squares (plus ``eps``)
    over the last ``len(normalized_shape)`` dims, then multiply by ``weight`` when it is given. No mean is
    subtracted, and there is no bias. ``eps=None`` means ``torch.finfo(x.dtype).eps``."""
    if isinstance(normalized_shape, int):
        normalized_shape = (normalized_shape,)
    if eps is None:
        eps = torch.finfo(x.dtype).eps
    dims = tuple(range(-len(normalized_shape), 0))
    out = x / torch.sqrt(x.pow(2).mean(dim=dims, keepdim=True) + eps)
    if weight is not None:
        out = out * weight
    return out


# Task 4: Dropout


def dropout(x, p=0.5, training=True, generator=None):
    """Inverted dropout, like ``F.dropout``: in training, zero each element of ``x`` independently with
    probability ``p`` and scale the others by ``1 / (1 - p)``; in evaluation (``training=False``), ``x`` as it is.

    Random numbers come from ``generator`` when one is given. ``p = 1`` gives zeros (never nan); a ``p`` outside
    0 to 1 raises ``ValueError``.
    """
    if not 0 <= p <= 1:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if not training:
        return x
    if p == 1:
        return x * 0
    keep = torch.rand(x.shape, generator=generator, device=x.device) >= p
    return x * keep / (1 - p)


# Task 5: Xavier and Kaiming initialization


def fan_in_and_fan_out(weight):
    """``(fan_in, fan_out)`` of a weight of at least 2 dims, shaped ``(out, in, *kernel)`` as in ``nn.Linear`` and
    ``nn.Conv2d``: inputs and outputs of one unit, each times the kernel's size. Fewer dims raise ``ValueError``."""
    if weight.dim() < 2:
        raise ValueError(f"fan in and fan out need a weight of at least 2 dims, got shape {tuple(weight.shape)}")
    receptive_field = math.prod(weight.shape[2:])
    return weight.shape[1] * receptive_field, weight.shape[0] * receptive_field


def xavier_uniform_(weight, gain=1.0, generator=None):
    """Fill ``weight`` in place from U(-a, a), ``a = gain * sqrt(6 / (fan_in + fan_out))``, and return it."""
    fan_in, fan_out = fan_in_and_fan_out(weight)
    bound = gain * math.sqrt(6.0 / (fan_in + fan_out))
    with torch.no_grad():
        return weight.uniform_(-bound, bound, generator=generator)


def kaiming_normal_(weight, mode="fan_in", generator=None):
    """Fill ``weight`` in place from N(0, std²) for a ReLU network, ``std = sqrt(2) / sqrt(fan)``, and return it.

    ``fan`` is the fan-in (``mode="fan_in"``) or the fan-out (``mode="fan_out"``); another mode raises
    ``ValueError``.
    """
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"mode must be 'fan_in' or 'fan_out', got {mode!r}")
    fan_in, fan_out = fan_in_and_fan_out(weight)
    fan = fan_in if mode == "fan_in" else fan_out
    std = math.sqrt(2.0 / fan)
    with torch.no_grad():
        return weight.normal_(0.0, std, generator=generator)
