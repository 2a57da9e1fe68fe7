"""The grader's pins: the versions a class release installs, taken from the teacher's environment at release time.

``katas release`` writes ``constraints.txt``: each package the katas need (``[project] dependencies`` of
``pyproject.toml``, and what those need in turn, as installed here) pinned to its installed version. Every place
that grades a release installs PyTorch's CPU build from :data:`TORCH_INDEX` first (the graders have no GPU, and it
is a seventh of the CUDA build's size), then the rest from PyPI under these constraints, so a grade does not
change when a new torch comes out during a semester. The CUDA build's own libraries (NVIDIA's, triton) are left
out: the CPU build needs none of them. A local version label (``2.9.1+cu128``) is dropped: by
PEP 440, ``torch==2.9.1`` matches ``2.9.1+cpu`` and every other build of that release.
"""

from __future__ import annotations

import importlib.metadata
import platform
import sys
from dataclasses import dataclass
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

CONSTRAINTS_FILE = Path("constraints.txt")
TORCH_INDEX = "https://download.pytorch.org/whl/cpu"
TORCH_BUILDS = ("torch", "torchvision")  # installed from TORCH_INDEX, without their dependencies
CUDA_ONLY = ("nvidia-", "cuda-", "triton")  # what a CUDA build of torch needs and its CPU build does not install


@dataclass(frozen=True)
class Pins:
    """The Python version (``3.12``) and each package's version (``{"torch": "2.9.1"}``) a release grades with."""

    python: str
    versions: dict[str, str]

    def torch_builds(self) -> list[str]:
        """``torch==2.9.1``, ``torchvision==0.24.1``: what to install from :data:`TORCH_INDEX`."""
        return [f"{name}=={self.versions[name]}" for name in TORCH_BUILDS]

    def text(self) -> str:
        """The constraints file."""
        header = (
            f"# The grader's versions, written by `katas release` from the teacher's environment (Python {self.python},"
            f" {platform.system()}).\n"
            f"# Install torch and torchvision first from PyTorch's CPU index ({TORCH_INDEX}), then the rest:\n"
            f"#   pip install --no-deps --index-url {TORCH_INDEX} {' '.join(self.torch_builds())}\n"
            f"#   pip install --constraint {CONSTRAINTS_FILE.as_posix()} -e .\n"
        )
        return header + "".join(f"{name}=={version}\n" for name, version in sorted(self.versions.items()))


def installed_pins(root: Path) -> Pins:
    """The pins of the repository at ``root``: its dependencies and theirs, at the versions installed here."""
    project = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    versions: dict[str, str] = {}
    pending = list(project["dependencies"])
    while pending:
        requirement = Requirement(pending.pop())
        name = canonicalize_name(requirement.name)
        if name in versions or name.startswith(CUDA_ONLY):
            continue
        if requirement.marker and not requirement.marker.evaluate({"extra": ""}):
            continue
        try:
            distribution = importlib.metadata.distribution(name)
        except importlib.metadata.PackageNotFoundError:
            raise LookupError(f"{name} is not installed here, so a release cannot pin its version") from None
        versions[name] = Version(distribution.version).public
        pending.extend(distribution.requires or [])
    missing = [name for name in TORCH_BUILDS if name not in versions]
    if missing:
        raise LookupError(f"{root / 'pyproject.toml'} does not depend on {', '.join(missing)}")
    return Pins(f"{sys.version_info.major}.{sys.version_info.minor}", versions)
