"""The on-disk layout of the katas, in one place: which folder is a kata's, which file is a kata module, how a path
is shown to a learner, what a module is named when imported, and the digests that say whether a file changed.

A kata's files lie at ``<root>/katas/NN_topic/`` (lesson, stub, tests, hints, notebook) and its reference solution
at ``<root>/reference/NN_topic/`` (a clone) or in the installed package (see :mod:`katas.core.curriculum`).
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

KATA_FOLDER = re.compile(r"\d\d_\w+")
TREES = ("katas", "reference")  # the folders that hold kata folders: the stubs, the reference solutions


def is_kata_folder(name: str) -> bool:
    """Whether ``name`` is a kata folder's name: ``03_autograd``."""
    return KATA_FOLDER.fullmatch(name) is not None


def root_of(path: Path) -> Path:
    """The root above a file of a kata folder (``<root>/katas/03_autograd/autograd.py``)."""
    return path.parents[2]


def in_a_kata_folder(path: Path, trees: tuple[str, ...] = TREES) -> bool:
    """Whether ``path`` is a file right inside a kata folder of one of ``trees``."""
    return path.parent.parent.name in trees and is_kata_folder(path.parent.name)


def is_kata_module(path: Path) -> bool:
    """Whether ``path`` is a kata's stub or reference module (not a test, not the harness)."""
    return path.suffix == ".py" and in_a_kata_folder(path) and not path.name.startswith(("test_", "_", "conftest"))


def shown(path: Path) -> str:
    """A kata module's path as a learner types it, from the root: ``katas/03_autograd/autograd.py``."""
    return path.relative_to(root_of(path)).as_posix()


def module_name(path: Path) -> str:
    """The name a kata module is imported under: ``katas.03_autograd.autograd``, ``reference.03_autograd.autograd``."""
    return ".".join(path.relative_to(root_of(path)).with_suffix("").parts)


def digest(content: bytes) -> str:
    """The sha256 of ``content``."""
    return hashlib.sha256(content).hexdigest()


def file_digest(path: Path) -> str | None:
    """The sha256 of ``path``'s bytes, or None when it is missing."""
    return digest(path.read_bytes()) if path.is_file() else None
