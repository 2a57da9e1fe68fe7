"""Data-parallel training on the real engine: torch.distributed, on the CPU.

Replace each `raise NotImplementedError(...)` with your code; the kata's tests check it.
The lesson (README.md beside this file) explains every task.
Once every test passes, launch the script yourself: `torchrun --standalone --nproc-per-node 2 <this file> ...`.
"""

import sys

import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch import nn
from torch.nn.parallel import DistributedDataParallel
from torch.utils.data import DataLoader, DistributedSampler

# Task 1: Process groups


def start_group(rank, world_size, init_method, timeout):
    """Join the gloo process group of ``world_size`` ranks as rank ``rank``.

    Meet the other ranks through ``init_method`` (a URL the caller gives: never a port of your own), and let
    every collective of the group give up after ``timeout`` (a datetime.timedelta).
    """
    raise NotImplementedError("Task 1: write start_group (see README.md)")


def mean_across_ranks(tensor):
    """The element-wise mean of ``tensor`` over every rank of the group, on every rank.

    Every rank calls it with a tensor of the same shape and dtype; ``tensor`` itself is left unchanged.
    """
    raise NotImplementedError("Task 1: write mean_across_ranks (see README.md)")


def share_from_rank_zero(tensor, path):
    """Rank 0 saves its ``tensor`` to ``path`` (torch.save); then every rank loads it, and returns it.

    Only rank 0 writes. No rank reads before rank 0 has finished writing.
    """
    raise NotImplementedError("Task 1: write share_from_rank_zero (see README.md)")


# Task 2: Averaging gradients by hand


def average_gradients(model):
    """Replace the ``.grad`` of each parameter of ``model`` by its mean over every rank (in place).

    Parameters without a ``.grad`` are left as they are.
    """
    raise NotImplementedError("Task 2: write average_gradients (see README.md)")


def train_step(model, optimizer, inputs, targets):
    """One step of data-parallel training on this rank's shard: the mean squared error of ``model(inputs)``
    against ``targets``, gradients averaged over the ranks, then ``optimizer.step()``. Returns this rank's loss
    (a float)."""
    raise NotImplementedError("Task 2: write train_step (see README.md)")


# Task 3: DistributedSampler


def distributed_loader(dataset, batch_size, rank, world_size, seed=0):
    """A DataLoader over rank ``rank``'s share of ``dataset``, shuffled, in batches of ``batch_size``.

    The ``world_size`` ranks' shares together cover the whole dataset each epoch. Every rank passes the same
    ``seed``.
    """
    raise NotImplementedError("Task 3: write distributed_loader (see README.md)")


def batches_of_epoch(loader, epoch):
    """Every batch that ``loader`` (a distributed_loader) gives in epoch ``epoch``, as a list, in order.

    Each epoch has an order of its own; the same epoch always has the same order.
    """
    raise NotImplementedError("Task 3: write batches_of_epoch (see README.md)")


# Task 4: DistributedDataParallel


def train_ddp(model, inputs, targets, steps, lr):
    """Train ``model`` (in place) for ``steps`` steps of plain SGD at learning rate ``lr`` with
    DistributedDataParallel, on this rank's shard ``inputs``, ``targets``, minimising the mean squared error.
    """
    raise NotImplementedError("Task 4: write train_ddp (see README.md)")


# Task 5: Launching with torchrun


def launched_rank():
    """``(rank, local_rank, world_size)`` of this process, as torchrun set them in the environment (ints).

    Outside torchrun, raises a RuntimeError that says how to launch the script.
    """
    raise NotImplementedError("Task 5: write launched_rank (see README.md)")


def main(problem_path, out_path):
    """The script that torchrun runs in every rank: train the problem saved at ``problem_path``.

    The problem (torch.load it) is a dict: "state", the state_dict of an nn.Linear; "inputs" and "targets",
    the whole dataset; "steps" and "lr". Join the group torchrun prepared, train the nn.Linear with train_ddp on
    this rank's equal share of the dataset, and have rank 0 save the trained state_dict to ``out_path``.
    Leave the group at the end.
    """
    raise NotImplementedError("Task 5: write main (see README.md)")


if __name__ == "__main__":
    main(*sys.argv[1:])
