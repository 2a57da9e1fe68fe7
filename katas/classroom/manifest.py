"""The tamper check: the sha256 of every file that decides a grade, written into a class release, checked by grading.

A learner edits only the stubs (and notes of their own); the tests, the harness and the configuration that pytest
and grading read are recorded in ``katas/manifest.json`` when the release is made. :func:`check` names each file
that differs from its record, that is missing, and each file pytest would read that the release did not have
(a new ``conftest.py``, test file or pytest configuration). Line ends do not count: a file checked out with CRLF
line ends (git on Windows) has the digest of the same file with LF.

Schema (``"schema": "torch-katas/manifest"``, ``"version": 1``): ``{"files": {"katas/00_tensors/test_tensors.py":
"<sha256>", ...}}``, paths relative to the repository root.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from fnmatch import fnmatch
from pathlib import Path

from katas.classroom.constraints import CONSTRAINTS_FILE
from katas.core.curriculum import CURRICULUM_FILE, load_curriculum

MANIFEST_FILE = Path("katas", "manifest.json")
SCHEMA, VERSION = "torch-katas/manifest", 1
GRADE_WORKFLOW = Path(".github", "workflows", "grade.yml")
# pytest's settings, the points, the grader and its pins (a release without the workflow has no such file)
CONFIGURATION = (Path("pyproject.toml"), CURRICULUM_FILE, GRADE_WORKFLOW, CONSTRAINTS_FILE)
PYTEST_READS = ("conftest.py", "test_*.py", "*_test.py", "pytest.ini", ".pytest.ini", "tox.ini", "setup.cfg")


def digest(path: Path) -> str:
    """The sha256 of the file's bytes, CRLF line ends read as LF."""
    return hashlib.sha256(path.read_bytes().replace(b"\r\n", b"\n")).hexdigest()


def protected_files(root: Path) -> list[Path]:
    """Every file that decides a grade: each Python file of the root and of ``katas/`` except the learners' stubs
    (the tests, the harness, the shared test helpers), and the configuration files."""
    stubs = {kata.stub_path for kata in load_curriculum(root)}
    python = [*root.glob("*.py"), *(path for path in (root / "katas").rglob("*.py") if not _hidden(path, root))]
    files = [path for path in python if path not in stubs] + [root / path for path in CONFIGURATION]
    return sorted(path for path in files if path.is_file())


def write(root: Path) -> Path:
    """Record the digest of every protected file in ``<root>/katas/manifest.json``; its path."""
    files = {path.relative_to(root).as_posix(): digest(path) for path in protected_files(root)}
    path = root / MANIFEST_FILE
    path.write_text(json.dumps({"schema": SCHEMA, "version": VERSION, "files": files}, indent=1) + "\n", "utf-8")
    return path


@dataclass
class TamperCheck:
    """What differs from the manifest. ``manifest`` is None when there was none to check against."""

    manifest: str | None
    changed: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    unexpected: list[str] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return self.manifest is not None and not (self.changed or self.missing or self.unexpected)

    def problems(self) -> list[str]:
        """Each difference, as a sentence that names the file."""
        if self.manifest is None:
            return [f"there is no manifest ({MANIFEST_FILE.as_posix()}), so the tests cannot be checked for changes"]
        return (
            [f"{path} differs from the release (manifest {self.manifest})" for path in self.changed]
            + [f"{path} is missing" for path in self.missing]
            + [f"{path} was not in the release, and pytest reads it" for path in self.unexpected]
        )


def check(root: Path, manifest: Path | None = None) -> TamperCheck:
    """Compare the files under ``root`` with ``manifest`` (default: the release's own ``katas/manifest.json``)."""
    manifest = manifest or root / MANIFEST_FILE
    try:
        document = json.loads(manifest.read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        return TamperCheck(manifest=None)
    if document.get("schema") != SCHEMA or document.get("version") != VERSION:
        return TamperCheck(manifest=None)
    result = TamperCheck(manifest=_shown(manifest, root))
    recorded: dict[str, str] = document["files"]
    for name, expected in sorted(recorded.items()):
        path = root / name
        if not path.is_file():
            result.missing.append(name)
        elif digest(path) != expected:
            result.changed.append(name)
    read_by_pytest = [*root.iterdir(), *(path for path in (root / "katas").rglob("*") if not _hidden(path, root))]
    result.unexpected = sorted(
        name
        for name in (path.relative_to(root).as_posix() for path in read_by_pytest if path.is_file())
        if name not in recorded and any(fnmatch(Path(name).name, pattern) for pattern in PYTEST_READS)
    )
    return result


def _hidden(path: Path, root: Path) -> bool:
    """Whether ``path`` lies in a cache or hidden folder (``__pycache__``, ``.ipynb_checkpoints``)."""
    return any(part.startswith((".", "__pycache__")) for part in path.relative_to(root).parent.parts)


def _shown(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return str(path)
