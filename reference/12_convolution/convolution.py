"""Convolution and pooling by hand: the reference solution."""

import math

import torch
import torch.nn.functional as F
from torch import nn

# Task 1: Output sizes


def _pair(value):
    """``(value, value)`` for an int, the pair itself for a pair."""
    return (value, value) if isinstance(value, int) else tuple(value)


def conv_output_size(size, kernel_size, stride=1, padding=0, dilation=1):
    out = (size + 2 * padding - dilation * (kernel_size - 1) - 1) // stride + 1
    if out < 1:
        raise ValueError(
            f"a kernel of {kernel_size} (dilation {dilation}) spans {dilation * (kernel_size - 1) + 1} values, more "
            f"than the {size + 2 * padding} of the input of size {size} padded by {padding} on each side"
        )
    return out


# Task 2: Convolution as one matrix product


def conv2d(x, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    n, channels, height, width = x.shape
    out_channels, group_channels, kh, kw = weight.shape
    if channels != group_channels * groups or out_channels % groups:
        raise ValueError(f"x {tuple(x.shape)} does not fit weight {tuple(weight.shape)} with groups={groups}")
    stride, padding, dilation = _pair(stride), _pair(padding), _pair(dilation)
    out_h = conv_output_size(height, kh, stride[0], padding[0], dilation[0])
    out_w = conv_output_size(width, kw, stride[1], padding[1], dilation[1])
    columns = F.unfold(x, (kh, kw), dilation=dilation, padding=padding, stride=stride)  # (N, C * kh * kw, L)
    columns = columns.reshape(n, groups, group_channels * kh * kw, out_h * out_w)
    filters = weight.reshape(groups, out_channels // groups, group_channels * kh * kw)
    out = (filters @ columns).reshape(n, out_channels, out_h, out_w)  # (N, G, O / G, L) -> (N, O, H', W')
    if bias is not None:
        out = out + bias.reshape(1, -1, 1, 1)
    return out


# Task 3: Pooling


def _windows(x, kernel_size, stride, padding, value):
    """The pooling windows of ``x`` padded with ``value``: ``(N, C, kh * kw, H', W')``."""
    n, channels, height, width = x.shape
    kernel = _pair(kernel_size)
    stride = kernel if stride is None else _pair(stride)
    padding = _pair(padding)
    if any(p > k / 2 for p, k in zip(padding, kernel)):
        raise ValueError(f"padding {padding} should be at most half the kernel {kernel}")
    out_h = conv_output_size(height, kernel[0], stride[0], padding[0])
    out_w = conv_output_size(width, kernel[1], stride[1], padding[1])
    padded = F.pad(x, (padding[1], padding[1], padding[0], padding[0]), value=value)
    columns = F.unfold(padded.reshape(n * channels, 1, *padded.shape[2:]), kernel, stride=stride)
    return columns.reshape(n, channels, kernel[0] * kernel[1], out_h, out_w)


def max_pool2d(x, kernel_size, stride=None, padding=0):
    return _windows(x, kernel_size, stride, padding, -math.inf).amax(dim=2)


def avg_pool2d(x, kernel_size, stride=None, padding=0, count_include_pad=True):
    total = _windows(x, kernel_size, stride, padding, 0.0).sum(dim=2)
    if count_include_pad:
        return total / math.prod(_pair(kernel_size))
    counted = _windows(torch.ones_like(x[:1, :1]), kernel_size, stride, padding, 0.0).sum(dim=2)
    return total / counted


# Task 4: A Conv2d module


class Conv2d(nn.Module):
    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1, bias=True):
        super().__init__()
        if in_channels % groups or out_channels % groups:
            raise ValueError(
                f"in_channels={in_channels} and out_channels={out_channels} must both be divisible by groups={groups}"
            )
        self.stride, self.padding, self.dilation, self.groups = stride, padding, dilation, groups
        self.weight = nn.Parameter(torch.empty(out_channels, in_channels // groups, *_pair(kernel_size)))
        self.bias = nn.Parameter(torch.empty(out_channels)) if bias else None
        bound = 1 / math.sqrt(self.weight[0].numel())
        with torch.no_grad():
            self.weight.uniform_(-bound, bound)
            if self.bias is not None:
                self.bias.uniform_(-bound, bound)

    def forward(self, x):
        return conv2d(x, self.weight, self.bias, self.stride, self.padding, self.dilation, self.groups)


# Task 5: Receptive fields and parameter counts


def receptive_field(layers):
    size, jump = 1, 1
    for layer in layers:
        if isinstance(layer, nn.Conv2d | nn.MaxPool2d | nn.AvgPool2d):
            kernel, stride = _pair(layer.kernel_size)[0], _pair(layer.stride)[0]
            dilation = _pair(getattr(layer, "dilation", 1))[0]
            size += dilation * (kernel - 1) * jump
            jump *= stride
    return size


def conv_parameter_count(in_channels, out_channels, kernel_size, groups=1, bias=True):
    kh, kw = _pair(kernel_size)
    return out_channels * (in_channels // groups) * kh * kw + (out_channels if bias else 0)
