"""Every git call of the harness: reading a learner's history, and the commits that ``katas init``,
``katas update`` and ``katas release`` make."""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from pathlib import Path

# Who commits when git does not know the person yet (a fresh machine, a CI runner)
IDENTITY = ["-c", "user.name=torch-katas", "-c", "user.email=torch-katas@users.noreply.github.com"]


class GitError(RuntimeError):
    """git is not installed, ``root`` is not a repository, or a git command failed (its message)."""


def git(root: Path, *args: str) -> str:
    """The output of ``git ARGS`` run in ``root``; GitError when git is missing or the command fails."""
    try:
        completed = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True)
    except FileNotFoundError:
        raise GitError("git is not installed") from None
    if completed.returncode != 0:
        raise GitError(completed.stderr.strip() or f"git {' '.join(args)} failed")
    return completed.stdout


def answer(root: Path, *args: str) -> str | None:
    """The stripped output of ``git ARGS`` in ``root``, or None when git cannot answer."""
    try:
        return git(root, *args).strip()
    except GitError:
        return None


def is_repository(root: Path) -> bool:
    return answer(root, "rev-parse", "--is-inside-work-tree") == "true"


def new_repository(root: Path, message: str) -> None:
    """``root`` as a new git repository whose one commit holds all its files."""
    git(root, "-c", "init.defaultBranch=main", "init", "-q")
    git(root, "add", "-A")
    _commit(root, message)


def commit(root: Path, paths: Sequence[str], message: str) -> None:
    """Commit these paths (relative to ``root``) as they are now, and nothing else the learner has staged."""
    git(root, "add", "--", *paths)
    _commit(root, message, "--", *paths)


def _commit(root: Path, message: str, *paths: str) -> None:
    identity = [] if answer(root, "var", "GIT_COMMITTER_IDENT") else IDENTITY  # git knows who the person is
    git(root, *identity, "commit", "-q", "-m", message, *paths)
