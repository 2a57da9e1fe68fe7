"""MNIST, the capstone.

Replace each `raise NotImplementedError(...)` with your code; the kata's tests check it.
The lesson (README.md beside this file) explains every task.
The tests hand you the digits as tensors: ``images`` (N, 28, 28) uint8 and ``labels`` (N,) int64.
"""

import torch
import torch.nn.functional as F
from torch import nn

# Task 1: Inputs the network can learn from


def pixel_stats(images):
    """``(mean, std)`` as Python floats: the mean and standard deviation of every pixel of ``images`` scaled to [0, 1]."""
    raise NotImplementedError("Task 1: write pixel_stats (see README.md)")


def to_inputs(images, mean, std):
    """The network's inputs: ``images`` scaled to [0, 1], normalised with ``mean`` and ``std``; float32, (N, 1, 28, 28)."""
    raise NotImplementedError("Task 1: write to_inputs (see README.md)")


# Task 2: A small convolutional network


def build_model():
    """A fresh ``nn.Module`` mapping inputs of shape (N, 1, 28, 28) to logits of shape (N, 10)."""
    raise NotImplementedError("Task 2: write build_model (see README.md)")


# Task 3: One epoch of training


def train_epoch(model, inputs, labels, optimizer, batch_size, generator, on_batch=None):
    """Train ``model`` for one epoch over ``inputs`` and ``labels``, shuffled with ``generator``.

    Takes one optimizer step per batch of ``batch_size`` samples (the last batch may be smaller), with the
    cross-entropy loss, and calls ``on_batch(loss)`` with each batch's loss as a float when it is given.
    Returns the mean loss over every sample of the epoch, as a float.
    """
    raise NotImplementedError("Task 3: write train_epoch (see README.md)")


# Task 4: Measuring accuracy


def evaluate(model, inputs, labels, batch_size=1000):
    """The fraction (from 0 to 1, a float) of ``inputs`` that ``model`` classifies as their ``labels``."""
    raise NotImplementedError("Task 4: write evaluate (see README.md)")


# Task 5: Putting it together


def fit(images, labels, device, epochs=2, batch_size=128, on_batch=None):
    """Train a fresh model on ``images`` and ``labels`` on ``device``; return ``(model, mean, std)``.

    ``mean`` and ``std`` are the statistics the inputs were normalised with; the model comes back in eval mode.
    Trains ``epochs`` epochs in batches of ``batch_size``, and passes ``on_batch`` on to ``train_epoch``.
    """
    raise NotImplementedError("Task 5: write fit (see README.md)")
