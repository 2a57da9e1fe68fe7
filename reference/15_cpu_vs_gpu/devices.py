"""Devices, and a CPU-vs-GPU benchmark. Reference solution."""

import statistics
import time

import numpy as np
import torch
from torch import nn

# Task 1: Choosing a device


def pick_device(name=None):
    if name is None:
        if torch.cuda.is_available():
            return torch.device("cuda")
        if torch.backends.mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    try:
        device = torch.device(name)
    except RuntimeError as error:
        raise ValueError(f"unknown device {name!r}: use 'cpu', 'cuda' or 'mps'") from error
    available = {"cpu": True, "cuda": torch.cuda.is_available(), "mps": torch.backends.mps.is_available()}
    if not available.get(device.type, False):
        raise ValueError(f"device {name!r} is not available on this machine")
    return device


# Task 2: Moving tensors, models and batches


def to_device(obj, device):
    if isinstance(obj, (torch.Tensor, nn.Module)):
        return obj.to(device)
    if isinstance(obj, dict):
        return {key: to_device(value, device) for key, value in obj.items()}
    if isinstance(obj, (list, tuple)):
        return type(obj)(to_device(item, device) for item in obj)
    return obj


# Task 3: Back to the CPU, and to NumPy


def to_numpy(x) -> np.ndarray:
    return x.detach().cpu().numpy()


# Task 4: Timing GPU code


def time_it(fn, device, *, warmup=3, repeats=11):
    device = torch.device(device)

    def wait():
        if device.type == "cuda":
            torch.cuda.synchronize(device)
        elif device.type == "mps":
            torch.mps.synchronize()

    for _ in range(warmup):
        fn()
    wait()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        wait()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


# Task 5: The crossover


def matmul_on(a, b, device):
    return (a.to(device) @ b.to(device)).cpu()
