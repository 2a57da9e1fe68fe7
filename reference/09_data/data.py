"""Dataset and DataLoader. Reference solution."""

import functools

import torch
from torch.nn.utils.rnn import pad_sequence
from torch.utils.data import DataLoader, Dataset, random_split

# Tasks 1 and 2: A Dataset of your own, with a transform per item


class PairsDataset(Dataset):
    def __init__(self, inputs, targets, transform=None):
        self.inputs = inputs
        self.targets = targets
        self.transform = transform

    def __len__(self):
        return self.inputs.shape[0]

    def __getitem__(self, index):
        x = self.inputs[index]
        if self.transform is not None:
            x = self.transform(x)
        return x, self.targets[index]


# Tasks 3 and 4: Batches, and shuffling you can reproduce


def make_loader(dataset, batch_size, *, shuffle=False, seed=None, drop_last=False, num_workers=0):
    generator = None if seed is None else torch.Generator().manual_seed(seed)
    return DataLoader(
        dataset,
        batch_size=batch_size,
        shuffle=shuffle,
        generator=generator,
        drop_last=drop_last,
        num_workers=num_workers,
    )


def epoch_average(loader):
    total, count = 0.0, 0
    for _, targets in loader:
        total += targets.double().sum().item()
        count += targets.numel()
    return total / count


# Task 5: Padding sequences of different lengths


def pad_collate(batch, pad_value=0):
    sequences, labels = zip(*batch)
    lengths = torch.tensor([len(sequence) for sequence in sequences], dtype=torch.int64)
    padded = pad_sequence(list(sequences), batch_first=True, padding_value=pad_value)
    return padded, lengths, torch.stack(labels)


# Task 6: Train and validation sets


def split(dataset, val_fraction, seed):
    n_val = int(len(dataset) * val_fraction)
    generator = torch.Generator().manual_seed(seed)
    train, val = random_split(dataset, [len(dataset) - n_val, n_val], generator=generator)
    return train, val


# Task 7: Worker processes


def _standardize(x, mean, std):
    return (x - mean) / std


def standardizer(mean, std):
    return functools.partial(_standardize, mean=mean, std=std)
