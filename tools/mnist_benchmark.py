"""Measure the MNIST kata: the two data paths, and a full `fit` with its test accuracy.

    python tools/mnist_benchmark.py              # your mnist.py, in the MNIST kata's folder
    python tools/mnist_benchmark.py --reference  # the reference solution

Figures depend on the machine: they are printed, never asserted.
"""

from __future__ import annotations

import argparse
import time

import torch
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from katas.core.curriculum import find_kata, find_root
from katas.datasets import data_dir, load_mnist, mnist_accuracy
from katas.runtime.solution import load_module

MEAN, STD = 0.1307, 0.3081  # the training set's pixel statistics, for the per-item path


def per_item_images_per_second(limit: int) -> float:
    """The tutorial path: a PIL image per item, ToTensor and Normalize per item, batched by a DataLoader."""
    from torchvision import datasets, transforms

    transform = transforms.Compose([transforms.ToTensor(), transforms.Normalize((MEAN,), (STD,))])
    dataset = datasets.MNIST(str(data_dir()), train=True, download=False, transform=transform)
    subset = torch.utils.data.Subset(dataset, range(limit))
    started = time.perf_counter()
    for _ in torch.utils.data.DataLoader(subset, batch_size=128, shuffle=True):
        pass
    return limit / (time.perf_counter() - started)


def tensor_images_per_second(images: torch.Tensor) -> float:
    """The kata's path: decode once, normalise the whole split at once, batch by slicing a shuffled index."""
    started = time.perf_counter()
    inputs = ((images.float() / 255 - MEAN) / STD).unsqueeze(1)
    order = torch.randperm(len(inputs))
    for start in range(0, len(inputs), 128):
        inputs[order[start : start + 128]]
    return len(images) / (time.perf_counter() - started)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reference", action="store_true", help="measure the reference solution")
    parser.add_argument(
        "--per-item", type=int, default=10_000, metavar="N", help="images for the per-item path (default 10000)"
    )
    args = parser.parse_args(argv)
    kata = find_kata("mnist", find_root())
    solution = load_module(kata.reference_path if args.reference else kata.stub_path)
    console = Console()
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")

    started = time.perf_counter()
    train, test = load_mnist(train=True), load_mnist(train=False)
    load_seconds = time.perf_counter() - started
    per_item = per_item_images_per_second(args.per_item)
    from_tensors = tensor_images_per_second(train.images)

    batches = -(-len(train.images) // 128)
    with Progress(
        TextColumn("training"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("loss {task.fields[loss]:.3f}"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as progress:
        task = progress.add_task("fit", total=None, loss=float("nan"))

        def on_batch(loss: float) -> None:
            progress.update(task, advance=1, loss=loss)

        started = time.perf_counter()
        model, mean, std = solution.fit(train.images, train.labels, device, on_batch=on_batch)
        if device.type == "cuda":
            torch.cuda.synchronize()
        fit_seconds = time.perf_counter() - started

    table = Table(
        title=f"MNIST kata ({'reference' if args.reference else 'your solution'}) on {device.type}, "
        f"{torch.get_num_threads()} CPU threads"
    )
    table.add_column("measure")
    table.add_column("value", justify="right")
    table.add_row("load both splits (decode + md5 check)", f"{load_seconds:.1f} s")
    table.add_row(
        f"per-item path (PIL + ToTensor + Normalize, DataLoader, {args.per_item:,} images)", f"{per_item:,.0f} images/s"
    )
    table.add_row("tensor path (normalise once, slice batches)", f"{from_tensors:,.0f} images/s")
    table.add_row(f"fit on 60,000 digits (about {batches} batches of 128 per epoch)", f"{fit_seconds:.1f} s")
    table.add_row("test accuracy (10,000 digits)", f"{mnist_accuracy(model, test, mean, std, device):.2%}")
    console.print(table)


if __name__ == "__main__":
    main()
