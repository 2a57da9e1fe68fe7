"""A learner's workspace: the installed curriculum written into a folder of their own (``katas init``), and brought
up to date from a newer installed curriculum (``katas update``) without replacing a file the learner changed.

A workspace holds ``katas/`` (``curriculum.toml`` and each kata's folder: lesson, stub, tests, hints, notebook),
the settings plain pytest and ruff need (``pyproject.toml``), a ``.gitignore``, a README, and
``katas/workspace.json``: the torch-katas version that wrote it and the digest of every file as written, which is
how ``katas update`` tells a file the learner changed from one it may refresh. It is a git repository whose first
commit holds the untouched stubs (``katas reset`` restores from there). It never holds a reference solution: those
stay in the installed package (:data:`katas.core.curriculum.PACKAGED_REFERENCE`).
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

from katas.core import git
from katas.core.curriculum import (
    CURRICULUM_FILE,
    INSTALLED_ROOT,
    WORKSPACE_FILE,
    forget_read_files,
    katas_at_or_above,
    load_curriculum,
)
from katas.core.layout import digest

DEFAULT_FOLDER = Path("torch-katas")
TEMPLATE = Path(__file__).parent / "workspace_template"
TEMPLATE_FILES = {"README.md": "README.md", "pyproject.toml": "pyproject.toml", ".gitignore": "gitignore"}
SKIPPED = shutil.ignore_patterns(".*", "__pycache__", "*.pyc")  # caches, checkpoints, editor files
FIRST_COMMIT = "The katas from torch-katas {version}, every stub untouched"
SCHEMA = "torch-katas/workspace"


class WorkspaceRefused(RuntimeError):
    """A workspace cannot be written or updated as things are (the folder is not empty, it is no workspace)."""


def version() -> str:
    """The installed torch-katas version."""
    try:
        return metadata.version("torch-katas")
    except metadata.PackageNotFoundError:  # run from a checkout that was never installed
        return "unknown"


def curriculum_files(source: Path = INSTALLED_ROOT) -> dict[str, bytes]:
    """What the katas of the curriculum at ``source`` are made of, by path relative to a workspace's root:
    ``katas/curriculum.toml`` and every file of each listed kata's folder (not caches, not hidden files)."""
    files = {CURRICULUM_FILE.as_posix(): (source / CURRICULUM_FILE).read_bytes()}
    for kata in load_curriculum(source):
        for path in sorted(kata.path.rglob("*")):
            parts = path.relative_to(kata.path).parts
            if path.is_file() and not any(SKIPPED(str(path.parent), [part]) for part in parts):
                files["/".join(("katas", kata.folder, *parts))] = path.read_bytes()
    return files


def write_files(target: Path, files: dict[str, bytes]) -> None:
    for relative, content in files.items():
        path = target / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)


def init(target: Path = DEFAULT_FOLDER) -> list[str]:
    """Write a new workspace into ``target`` (a new or empty folder); the files it holds, relative to it."""
    if target.exists() and not target.is_dir():
        raise WorkspaceRefused(f"{target} is a file: name a new folder for your katas")
    around = katas_at_or_above(target.resolve().parent)
    if around is not None:
        raise WorkspaceRefused(f"{target} would be inside the katas at {around}: run `katas init` elsewhere")
    if target.is_dir() and any(target.iterdir()):
        inside = "a torch-katas workspace already" if (target / WORKSPACE_FILE).is_file() else "not empty"
        raise WorkspaceRefused(f"{target} is {inside}: nothing was written. Name a new folder: katas init DIR")
    if shutil.which("git") is None:
        raise WorkspaceRefused(
            "a workspace is a git repository (`katas reset` restores a stub from its first commit), and git is not "
            "installed: install it (git-scm.com, `sudo apt install git`, `brew install git`), then run this again"
        )
    katas, installed = curriculum_files(), version()
    target.mkdir(parents=True, exist_ok=True)
    write_files(target, katas)
    for name, template in TEMPLATE_FILES.items():
        text = (TEMPLATE / template).read_text(encoding="utf-8")
        (target / name).write_text(text.replace("{version}", installed), encoding="utf-8")
    _write_record(target, {path: digest(content) for path, content in katas.items()}, installed)
    try:
        git.new_repository(target, FIRST_COMMIT.format(version=installed))
    except git.GitError as error:
        raise WorkspaceRefused(
            f"the katas are in {target}, but git could not commit them ({error}): `katas reset` needs that first "
            f"commit. In {target}: git init && git add -A && git commit -m 'untouched stubs'"
        ) from None
    return [path.as_posix() for path in files_in(target)]


@dataclass
class Update:
    """What ``katas update`` did: by path relative to the workspace."""

    version: str
    new_katas: list[str] = field(default_factory=list)  # folders
    added: list[str] = field(default_factory=list)  # files that were not in the workspace
    refreshed: list[str] = field(default_factory=list)  # files replaced by their new version
    kept: list[str] = field(default_factory=list)  # files the learner changed, kept: the new one is beside, .new
    committed: bool = False  # whether git committed what was written


def update(root: Path, source: Path = INSTALLED_ROOT) -> Update:
    """Bring the workspace at ``root`` up to the curriculum at ``source`` (the installed one): add what is new,
    refresh what the learner has not changed, keep (and name) what they have, the new version beside it as
    ``<name>.new``."""
    if (root / "reference").is_dir() or not (root / WORKSPACE_FILE).is_file():
        raise WorkspaceRefused(
            f"{root} is not a workspace written by `katas init` (a clone of the project updates with `git pull`; "
            f"in a workspace, `git checkout -- {WORKSPACE_FILE.as_posix()}` restores its record)"
        )
    written = _read_record(root)
    before = {kata.folder for kata in load_curriculum(root)}
    done = Update(version())
    for relative, content in curriculum_files(source).items():
        path, new = root / relative, digest(content)
        now = digest(path.read_bytes()) if path.is_file() else None
        if now == new:
            written[relative] = new
            continue
        if now is not None and written.get(relative) == new:  # not changed since written: the learner's stands
            continue
        if now is None:
            done.added.append(relative)
        elif now == written.get(relative):
            done.refreshed.append(relative)
        else:  # the learner's: kept as it is, and as it was written; the new version beside it
            done.kept.append(relative)
            path.with_name(path.name + ".new").write_bytes(content)
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
        written[relative] = new
    _write_record(root, written, done.version)
    forget_read_files()
    done.new_katas = [kata.folder for kata in load_curriculum(root) if kata.folder not in before]
    changed = [*done.added, *done.refreshed]
    if changed and git.is_repository(root):
        git.commit(root, [*changed, WORKSPACE_FILE.as_posix()], f"katas update to torch-katas {done.version}")
        done.committed = True
    return done


def _write_record(root: Path, files: dict[str, str], installed: str) -> None:
    record = {"schema": SCHEMA, "version": 1, "torch-katas": installed, "files": dict(sorted(files.items()))}
    (root / WORKSPACE_FILE).write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")


def _read_record(root: Path) -> dict[str, str]:
    path = root / WORKSPACE_FILE
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
        return dict(record["files"])
    except (ValueError, KeyError, TypeError) as error:
        raise WorkspaceRefused(
            f"{path} is damaged ({error!r}): `git checkout -- {WORKSPACE_FILE.as_posix()}` restores it"
        ) from None


def files_in(folder: Path) -> list[Path]:
    """Every file of ``folder`` but git's, relative to it, sorted: what a workspace or a release holds."""
    found = (path.relative_to(folder) for path in folder.rglob("*") if path.is_file())
    return sorted(path for path in found if ".git" not in path.parts)
