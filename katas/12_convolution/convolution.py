"""Convolution and pooling by hand.

Replace each `raise NotImplementedError(...)` with your code; the kata's tests check it.
The lesson (README.md beside this file) explains every task and what you may not call:
no torch.nn.functional.conv2d, max_pool2d or avg_pool2d, and not nn.Conv2d's forward.
"""

import math

import torch
import torch.nn.functional as F
from torch import nn

# Task 1: Output sizes


def conv_output_size(size, kernel_size, stride=1, padding=0, dilation=1):
    """How many positions a kernel of ``kernel_size`` taps, ``dilation`` apart, takes along a dimension of ``size``
    values padded by ``padding`` on each side, moving ``stride`` at a time. ``ValueError`` when it fits nowhere."""
    raise NotImplementedError("Task 1: write conv_output_size (see README.md)")


# Task 2: Convolution as one matrix product


def conv2d(x, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """``F.conv2d`` with ``F.unfold`` and a matrix product: ``x`` is ``(N, C, H, W)``, ``weight`` is
    ``(out_channels, C // groups, kh, kw)``, ``bias`` ``(out_channels,)`` or ``None``; ``stride``, ``padding``
    and ``dilation`` are each an int or a pair. The channels of ``x`` not matching ``weight`` and ``groups``
    raise ``ValueError``."""
    raise NotImplementedError("Task 2: write conv2d (see README.md)")


# Task 3: Pooling


def max_pool2d(x, kernel_size, stride=None, padding=0):
    """The maximum of each window of each channel of ``x`` (``(N, C, H, W)``), like ``F.max_pool2d``: padding counts
    as ``-inf``, ``stride=None`` means ``kernel_size``; a padding over half the kernel raises ``ValueError``."""
    raise NotImplementedError("Task 3: write max_pool2d (see README.md)")


def avg_pool2d(x, kernel_size, stride=None, padding=0, count_include_pad=True):
    """The mean of each window of each channel of ``x``, like ``F.avg_pool2d``: padding counts as zeros, divided by
    the kernel's size (``count_include_pad=True``) or by the real values in the window (``False``)."""
    raise NotImplementedError("Task 3: write avg_pool2d (see README.md)")


# Task 4: Gradients, and a Conv2d module


class Conv2d(nn.Module):
    """A convolution layer like ``nn.Conv2d``, computed by your ``conv2d``."""

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1, bias=True):
        """Keep the settings; parameters ``weight`` ``(out_channels, in_channels // groups, kh, kw)`` and ``bias``
        ``(out_channels,)`` (or ``None``), both from U(-b, b), ``b = 1 / sqrt(fan_in)``. Channels not divisible by
        ``groups`` raise ``ValueError``."""
        raise NotImplementedError("Task 4: write Conv2d.__init__ (see README.md)")

    def forward(self, x):
        """Your ``conv2d`` of ``x`` with this layer's parameters and settings."""
        raise NotImplementedError("Task 4: write Conv2d.forward (see README.md)")


# Task 5: What a stack sees, and what it costs


def receptive_field(layers):
    """The side, in input pixels, of the square of the input that one output of ``layers`` (convolutions and
    poolings with square kernels, among other modules) depends on."""
    raise NotImplementedError("Task 5: write receptive_field (see README.md)")


def conv_parameter_count(in_channels, out_channels, kernel_size, groups=1, bias=True):
    """How many numbers ``nn.Conv2d(in_channels, out_channels, kernel_size, groups=groups, bias=bias)`` learns."""
    raise NotImplementedError("Task 5: write conv_parameter_count (see README.md)")
