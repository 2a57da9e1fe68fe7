"""Dataset and DataLoader.

Replace each `raise NotImplementedError(...)` with your code; the kata's tests check it.
The lesson (README.md beside this file) explains every task.
"""

import torch
from torch.nn.utils.rnn import pad_sequence
from torch.utils.data import DataLoader, Dataset, random_split

# Tasks 1 and 2: A Dataset of your own, with a transform per item


class PairsDataset(Dataset):
    """A map-style dataset of ``(input, target)`` pairs: sample ``i`` is row ``i`` of each tensor.

    >>> data = PairsDataset(torch.randn(100, 3), torch.randint(0, 2, (100,)))
    >>> len(data)
    100
    >>> x, y = data[7]          # x has shape (3,), y is a 0-d tensor
    """

    def __init__(self, inputs, targets, transform=None):
        """Keep ``inputs`` (shape ``(n, ...)``), ``targets`` (shape ``(n, ...)``) and ``transform``.

        ``transform`` is ``None`` or a function of one input sample (Task 2). Store it: do not
        apply it here.
        """
        raise NotImplementedError("Task 1: write PairsDataset.__init__ (see README.md)")

    def __len__(self):
        """The number of samples ``n``: the size of the first dimension."""
        raise NotImplementedError("Task 1: write PairsDataset.__len__ (see README.md)")

    def __getitem__(self, index):
        """The tuple ``(input, target)`` of sample ``index``, both tensors.

        With a ``transform``, the input is ``transform(inputs[index])``, computed anew on every call.
        """
        raise NotImplementedError("Task 1: write PairsDataset.__getitem__ (see README.md)")


# Tasks 3 and 4: Batches, and shuffling you can reproduce


def make_loader(dataset, batch_size, *, shuffle=False, seed=None, drop_last=False, num_workers=0):
    """A ``DataLoader`` over ``dataset`` with these settings.

    With ``shuffle=True`` and a ``seed``, the order of the samples depends on ``seed`` alone
    (Task 4): the same seed gives the same sequence of epochs, whatever torch's global random
    state, and the global random state is left alone. ``num_workers`` processes load the
    batches (Task 7).
    """
    raise NotImplementedError("Task 3: write make_loader (see README.md)")


def epoch_average(loader):
    """The mean of every target that ``loader`` yields in one epoch, as a Python float.

    ``loader`` yields ``(inputs, targets)`` batches; the last one may be smaller than the others.
    """
    raise NotImplementedError("Task 3: write epoch_average (see README.md)")


# Task 5: Padding sequences of different lengths


def pad_collate(batch, pad_value=0):
    """Turn a list of ``(sequence, label)`` pairs into ``(padded, lengths, labels)``.

    - ``padded``: shape ``(batch, longest sequence in this batch)``, row ``i`` holds sequence ``i``
      followed by ``pad_value``; same dtype as the sequences.
    - ``lengths``: int64 tensor of shape ``(batch,)``, the original length of each sequence.
    - ``labels``: the labels stacked into a tensor of shape ``(batch,)``.

    Everything stays in the order of ``batch``.
    """
    raise NotImplementedError("Task 5: write pad_collate (see README.md)")


# Task 6: Train and validation sets


def split(dataset, val_fraction, seed):
    """Split ``dataset`` at random into ``(train, val)``, two datasets with no sample in common.

    ``val`` holds ``int(len(dataset) * val_fraction)`` samples, ``train`` all the others. The same
    ``seed`` gives the same split, whatever torch's global random state, which is left alone.
    """
    raise NotImplementedError("Task 6: write split (see README.md)")


# Task 7: Worker processes


def standardizer(mean, std):
    """A transform ``f`` with ``f(x) == (x - mean) / std``, that can be pickled.

    >>> f = standardizer(torch.tensor([1.0, 2.0]), torch.tensor([2.0, 4.0]))
    >>> f(torch.tensor([3.0, 6.0]))
    tensor([1., 1.])
    """
    raise NotImplementedError("Task 7: write standardizer (see README.md)")
