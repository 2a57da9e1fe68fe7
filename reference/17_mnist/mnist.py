"""MNIST. Reference solution."""

import torch
import torch.nn.functional as F
from torch import nn

# Task 1: Inputs the network can learn from


def pixel_stats(images):
    pixels = images.float() / 255
    return pixels.mean().item(), pixels.std().item()


def to_inputs(images, mean, std):
    return ((images.float() / 255 - mean) / std).unsqueeze(1)


# Task 2: A small convolutional network


def build_model():
    return nn.Sequential(
        nn.Conv2d(1, 8, kernel_size=5),  # (N, 8, 24, 24)
        nn.MaxPool2d(2),  # (N, 8, 12, 12): pool first, so ReLU and batch norm see a quarter of the values
        nn.ReLU(),
        nn.BatchNorm2d(8),
        nn.Conv2d(8, 16, kernel_size=5),  # (N, 16, 8, 8)
        nn.MaxPool2d(2),  # (N, 16, 4, 4)
        nn.ReLU(),
        nn.BatchNorm2d(16),
        nn.Flatten(),
        nn.Linear(16 * 4 * 4, 10),
    )


# Task 3: One epoch of training


def train_epoch(model, inputs, labels, optimizer, batch_size, generator, on_batch=None):
    model.train()
    order = torch.randperm(len(inputs), generator=generator).to(inputs.device)
    total, count = 0.0, 0
    for start in range(0, len(inputs), batch_size):
        batch = order[start : start + batch_size]
        loss = F.cross_entropy(model(inputs[batch]), labels[batch])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        total += loss.item() * len(batch)
        count += len(batch)
        if on_batch is not None:
            on_batch(loss.item())
    return total / count


# Task 4: Measuring accuracy


def evaluate(model, inputs, labels, batch_size=1000):
    model.eval()
    correct = 0
    with torch.no_grad():
        for start in range(0, len(inputs), batch_size):
            logits = model(inputs[start : start + batch_size])
            correct += (logits.argmax(dim=1) == labels[start : start + batch_size]).sum().item()
    return correct / len(inputs)


# Task 5: Putting it together


def fit(images, labels, device, epochs=2, batch_size=128, on_batch=None):
    torch.manual_seed(0)
    generator = torch.Generator().manual_seed(0)
    mean, std = pixel_stats(images)
    # channels_last: the CPU's convolutions and pooling run about twice as fast on images stored pixel by pixel
    inputs = to_inputs(images, mean, std).to(device, memory_format=torch.channels_last)
    labels = labels.to(device)
    model = build_model().to(device, memory_format=torch.channels_last)
    peak_lr = 1e-2
    optimizer = torch.optim.AdamW(model.parameters(), lr=peak_lr, weight_decay=1e-4)
    steps = epochs * -(-len(inputs) // batch_size)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=peak_lr, total_steps=steps)

    def after_batch(loss):
        schedule.step()
        if on_batch is not None:
            on_batch(loss)

    for _ in range(epochs):
        train_epoch(model, inputs, labels, optimizer, batch_size, generator, after_batch)
    return model.eval(), mean, std
