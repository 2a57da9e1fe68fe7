"""Tensors. Reference solution."""

import numpy as np
import torch

# Task 1: Creating tensors


def from_data(data):
    return torch.tensor(data)


def constant(shape, value):
    return torch.full(shape, value)


def ones_matrix(rows, cols):
    return torch.ones(rows, cols)


def count(start, end, step):
    return torch.arange(start, end, step)


def zeros_matching(x):
    return torch.zeros_like(x)


def buffer(shape, dtype):
    return torch.empty(shape, dtype=dtype)


# Task 2: Dtypes and casting


def average(x):
    return x.float().mean()


def to_pixels(x):
    return (x.clamp(0, 1) * 255).round().to(torch.uint8)


# Task 3: Shapes


def shape_summary(x):
    return tuple(x.shape), x.ndim, x.numel()


# Task 4: Indexing, masks and .item()


def first_column(x):
    return x[:, 0]


def positive_entries(x):
    return x[x > 0]


def without_negatives(x):
    return x.clamp(min=0)


def as_number(x):
    return x.item()


# Task 5: Element-wise arithmetic and matrix products


def matrix_product(a, b):
    return a @ b


# Task 6: In-place operations


def scale_in_place(x, factor):
    return x.mul_(factor)


def scaled(x, factor):
    return x * factor


# Task 7: The NumPy bridge


def share_memory_with(array: np.ndarray):
    return torch.from_numpy(array)


def copy_of(array: np.ndarray):
    return torch.tensor(array)


def to_numpy(x):
    return x.detach().cpu().numpy()


# Task 8: Devices and reproducible randomness


def zeros_on(shape, device):
    return torch.zeros(shape, device=device)


def move_like(x, other):
    return x.to(device=other.device, dtype=other.dtype)


def uniform(shape, generator):
    return torch.rand(shape, generator=generator)


def reproducible_noise(shape, seed):
    generator = torch.Generator().manual_seed(seed)
    return torch.randn(shape, generator=generator)
