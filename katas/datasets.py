"""The datasets the katas train on: the MNIST digits as tensors, from torchvision, checked before they are trusted.

The data directory is ``$KATAS_DATA_DIR`` or, when that is unset, a per-user cache directory. torchvision
downloads the files there (checking the md5 sums of the archives) unless ``KATAS_OFFLINE=1`` or they are present.
torchvision does not re-check files that are already on disk, so this module checks the size and md5 sum of each
uncompressed file: a truncated or corrupt file is named in an error instead of training on garbage.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

import platformdirs
import torch

# Size and md5 sum of each uncompressed file, as torchvision unpacks them from the archives it checks.
MNIST_FILES = {
    "train-images-idx3-ubyte": (47_040_016, "6bbc9ace898e44ae57da46a324031adb"),
    "train-labels-idx1-ubyte": (60_008, "a25bea736e30d166cdddb491f175f624"),
    "t10k-images-idx3-ubyte": (7_840_016, "2646ac647ad5339dbf082846283269ea"),
    "t10k-labels-idx1-ubyte": (10_008, "27ae3e4e09519cfbb04c329615203637"),
}


class DataUnavailable(Exception):
    """The MNIST files are not on disk and cannot be downloaded."""


class CorruptDataFile(Exception):
    """An MNIST file is on disk but is not the file it should be."""


@dataclass(frozen=True)
class Split:
    """One MNIST split: ``images`` (N, 28, 28) uint8 and ``labels`` (N,) int64."""

    images: torch.Tensor
    labels: torch.Tensor


def data_dir() -> Path:
    """Where the datasets live: ``$KATAS_DATA_DIR``, or the per-user cache directory of torch-katas."""
    configured = os.environ.get("KATAS_DATA_DIR")
    return Path(configured).expanduser() if configured else Path(platformdirs.user_cache_dir("torch-katas"))


def offline() -> bool:
    return os.environ.get("KATAS_OFFLINE", "") not in ("", "0")


def raw_folder(root: Path) -> Path:
    """The folder torchvision reads: ``<root>/MNIST/raw``."""
    return root / "MNIST" / "raw"


def md5_of(path: Path) -> str:
    digest = hashlib.md5()
    with path.open("rb") as file:
        for chunk in iter(lambda: file.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def split_files(train: bool) -> tuple[str, str]:
    """The images file and the labels file of one split."""
    prefix = "train" if train else "t10k"
    return f"{prefix}-images-idx3-ubyte", f"{prefix}-labels-idx1-ubyte"


def check_files(root: Path, names=tuple(MNIST_FILES)) -> None:
    """Raise CorruptDataFile naming the first of ``names`` whose size or md5 sum is wrong; absent files pass."""
    for name in names:
        size, md5 = MNIST_FILES[name]
        path = raw_folder(root) / name
        if not path.exists():
            continue
        actual_size = path.stat().st_size
        if actual_size != size:
            raise CorruptDataFile(
                f"{path} has {actual_size:,} bytes, but the MNIST file has {size:,}: it is truncated or not the "
                "right file. Delete it, and run again to download it afresh."
            )
        actual_md5 = md5_of(path)
        if actual_md5 != md5:
            raise CorruptDataFile(
                f"{path} has md5 sum {actual_md5}, but the MNIST file has {md5}: it is corrupt. "
                "Delete it, and run again to download it afresh."
            )


def unpack_archives(root: Path, names: tuple[str, ...]) -> None:
    """Unpack the ``.gz`` archive of each of ``names`` that is on disk without its unpacked file, once its md5 sum
    is checked (torchvision's own list): a truncated or corrupt archive is named in a CorruptDataFile."""
    from torchvision.datasets import MNIST
    from torchvision.datasets.utils import extract_archive

    archives = {archive.removesuffix(".gz"): (archive, md5) for archive, md5 in MNIST.resources}
    for name in names:
        archive, md5 = archives[name]
        archive_path = raw_folder(root) / archive
        if (raw_folder(root) / name).exists() or not archive_path.exists():
            continue
        actual_md5 = md5_of(archive_path)
        if actual_md5 != md5:
            raise CorruptDataFile(
                f"{archive_path} has md5 sum {actual_md5}, but the MNIST archive has {md5}: it is truncated or "
                "corrupt. Delete it, and run again to download it afresh."
            )
        extract_archive(str(archive_path), str(raw_folder(root)))
        check_files(root, (name,))


def how_to_get_the_data(root: Path) -> str:
    return (
        f"The MNIST files are not in {raw_folder(root)} and could not be downloaded. Either connect to the internet "
        "and run again (torchvision downloads them, about 11 MB), or copy the four files "
        "train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte "
        "(or their .gz archives) into that folder, or point KATAS_DATA_DIR at a folder that holds MNIST/raw/."
    )


def load_mnist(train: bool, root: Path | None = None) -> Split:
    """The MNIST training (60,000 digits) or test (10,000 digits) split, decoded once into tensors."""
    from torchvision.datasets import MNIST
    from torchvision.datasets.mnist import read_image_file, read_label_file

    root, names = data_dir() if root is None else root, split_files(train)
    check_files(root, names)
    unpack_archives(root, names)
    files_present = all((raw_folder(root) / name).exists() for name in names)
    if not files_present:
        if offline():
            raise DataUnavailable(how_to_get_the_data(root) + " (KATAS_OFFLINE is set, so nothing was downloaded.)")
        try:
            MNIST(str(root), train=train, download=True)  # downloads, checks and unpacks the archives
        except (RuntimeError, OSError) as error:
            raise DataUnavailable(f"{how_to_get_the_data(root)}\ntorchvision said: {error}") from error
        check_files(root, names)  # what the download just unpacked
    images, labels = (str(raw_folder(root) / name) for name in names)
    return Split(images=read_image_file(images), labels=read_label_file(labels))


def mnist_accuracy(model: torch.nn.Module, split: Split, mean: float, std: float, device: torch.device) -> float:
    """The fraction of ``split`` that ``model`` classifies right, its inputs normalised with ``mean`` and ``std``."""
    inputs = ((split.images.float() / 255 - mean) / std).unsqueeze(1)
    model.eval()
    with torch.no_grad():
        batches = (model(inputs[i : i + 1000].to(device)).argmax(dim=1).cpu() for i in range(0, len(inputs), 1000))
        predictions = torch.cat(list(batches))
    return (predictions == split.labels).double().mean().item()
