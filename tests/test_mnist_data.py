"""MNIST as the capstone kata gets it: checked files, a clear message when they are missing or damaged."""

import shutil
from pathlib import Path

import pytest

from katas.datasets import (
    MNIST_FILES,
    CorruptDataFile,
    DataUnavailable,
    check_files,
    data_dir,
    load_mnist,
    raw_folder,
)
from katas.runtime.plugin.skips import skip_for_missing_data

TRAINING_CLASS_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]  # ../shared/data/README.md


def test_the_training_split_is_the_real_mnist(request):
    try:
        train, test = load_mnist(train=True), load_mnist(train=False)
    except DataUnavailable as error:
        skip_for_missing_data(request, str(error))
    assert tuple(train.images.shape) == (60_000, 28, 28) and tuple(test.images.shape) == (10_000, 28, 28)
    assert train.labels.bincount().tolist() == TRAINING_CLASS_COUNTS


def fake_raw_folder(root: Path, name: str, content: bytes) -> Path:
    folder = raw_folder(root)
    folder.mkdir(parents=True)
    path = folder / name
    path.write_bytes(content)
    return path


def test_a_truncated_file_is_named_in_the_error(tmp_path):
    size, _ = MNIST_FILES["train-labels-idx1-ubyte"]
    path = fake_raw_folder(tmp_path, "train-labels-idx1-ubyte", bytes(size // 2))
    with pytest.raises(CorruptDataFile, match="truncated") as error:
        check_files(tmp_path)
    assert str(path) in str(error.value)


def test_a_corrupt_file_of_the_right_size_is_named_in_the_error(tmp_path):
    size, _ = MNIST_FILES["t10k-labels-idx1-ubyte"]
    path = fake_raw_folder(tmp_path, "t10k-labels-idx1-ubyte", bytes(size))
    with pytest.raises(CorruptDataFile, match="md5") as error:
        load_mnist(train=False, root=tmp_path)
    assert str(path) in str(error.value)


def test_missing_files_offline_say_how_to_get_them(tmp_path, monkeypatch):
    monkeypatch.setenv("KATAS_OFFLINE", "1")
    with pytest.raises(DataUnavailable, match="KATAS_DATA_DIR") as error:
        load_mnist(train=True, root=tmp_path)
    assert str(raw_folder(tmp_path)) in str(error.value)


def test_a_truncated_archive_in_an_offline_folder_is_named_in_the_error(tmp_path, monkeypatch):
    monkeypatch.setenv("KATAS_OFFLINE", "1")
    path = fake_raw_folder(tmp_path, "t10k-labels-idx1-ubyte.gz", b"\x1f\x8b truncated")
    with pytest.raises(CorruptDataFile, match="truncated or corrupt") as error:
        load_mnist(train=False, root=tmp_path)
    assert str(path) in str(error.value)


def test_the_archives_alone_are_unpacked_and_checked_offline(tmp_path, monkeypatch, request):
    source = raw_folder(data_dir())
    archives = ["t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"]
    if not all((source / name).exists() for name in archives):
        skip_for_missing_data(request, f"the MNIST test archives are not in {source}")
    raw_folder(tmp_path).mkdir(parents=True)
    for name in archives:
        shutil.copy(source / name, raw_folder(tmp_path) / name)
    monkeypatch.setenv("KATAS_OFFLINE", "1")
    test = load_mnist(train=False, root=tmp_path)
    assert tuple(test.images.shape) == (10_000, 28, 28)
