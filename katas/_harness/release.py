"""A class release: the katas a learner needs, without a single reference solution, as a fresh git repository.

``katas release DIR`` copies what the curriculum lists (each kata's folder, whole: lesson, stub, tests, hints and
whatever else a kata holds) and the rest of ``katas/`` (the harness, the shared test helpers, the datasets), the
root's ``conftest.py``, ``pyproject.toml``, ``LICENSE`` and ``.gitignore``, and the README without its parts for
the project's developers and with a section for learners of a class. It writes the grader's pins
(``constraints.txt``, see :mod:`katas._harness.constraints`), the workflow that grades each push on GitHub Actions
(unless a platform grades the pushes instead) and the tamper-check manifest, and commits it all as the one commit
of a new repository (its first commit is where ``katas reset`` finds the untouched stubs). Left out on purpose:
``reference/``, the project's own ``tests/`` (they test the reference), ``tools/`` (developers' benchmarks),
``.ci/`` and the project's CI workflow, kata folders the curriculum does not list, caches and hidden files.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

from katas._harness import manifest
from katas._harness.constraints import CONSTRAINTS_FILE, installed_pins
from katas._harness.curriculum import NEVER, load_curriculum, solutions_policy
from katas._harness.platforms.workflow import workflow
from katas._harness.stubs import is_untouched_stub

ROOT_FILES = ("conftest.py", "pyproject.toml", "LICENSE", ".gitignore")
SKIPPED = shutil.ignore_patterns(".*", "__pycache__", "*.pyc", "*.egg-info")  # caches, checkpoints, editor files
KATA_FOLDER = re.compile(r"\d\d_\w+")
DEVELOPERS_ONLY = re.compile(r"<!-- not in a class release -->.*?<!-- end -->\n?", re.DOTALL)  # README regions

LEARNERS_SECTION = """\
## For learners of a class

Your teacher made this repository for your class: every kata's lesson, stub, tests and hints, without the
solutions. Work through the katas as the rest of this README shows, with the versions your class grades
with: `pip install -e . --constraint constraints.txt`. Your teacher grades what you push or submit:

- A task earns its points when all of its tests pass. `katas grade` shows your grade before you push.
- Edit the stubs only. The tests and the harness are recorded in `katas/manifest.json`, and a grade with a
  changed test file is not valid (`katas grade` names the file).
- {solutions}
- `katas reset 03` restores a stub as it was in this repository's first commit (your file is kept).

"""
SOLUTIONS = {
    "after-pass": "The solutions are with your teacher, not in this repository: ask once a kata passes.",
    NEVER: "The solutions are not handed out in this class: the tests and the hints are your guide.",
}


class ReleaseRefused(RuntimeError):
    """The release cannot be made as things are (a stub has been edited, the folder is not empty)."""


def write_release(root: Path, target: Path, grade_workflow: bool = True) -> list[Path]:
    """Write the class release of the repository at ``root`` into ``target`` (new or empty); the files it holds.
    ``grade_workflow``: with the workflow that grades each push on GitHub Actions."""
    katas = load_curriculum(root)
    pins = installed_pins(root)
    edited = [kata.shown(kata.stub_path) for kata in katas if not _untouched(kata.stub_path)]
    if edited:
        raise ReleaseRefused(f"these stubs are not untouched, so they cannot go to a class: {', '.join(edited)}")
    if target.exists() and any(target.iterdir()):
        raise ReleaseRefused(f"{target} is not empty: release into a new folder")
    listed = {kata.folder for kata in katas}
    for source in sorted((root / "katas").iterdir()):
        unlisted_kata = KATA_FOLDER.fullmatch(source.name) and source.name not in listed
        if unlisted_kata or SKIPPED(source.parent, [source.name]):
            continue
        _copy(source, target / "katas" / source.name)
    for name in ROOT_FILES:
        _copy(root / name, target / name)
    readme = learners_readme((root / "README.md").read_text(encoding="utf-8"), solutions_policy(root))
    (target / "README.md").write_text(readme, encoding="utf-8")
    (target / CONSTRAINTS_FILE).write_text(pins.text(), encoding="utf-8")
    if grade_workflow:
        (target / manifest.GRADE_WORKFLOW).parent.mkdir(parents=True)
        (target / manifest.GRADE_WORKFLOW).write_text(workflow(pins), encoding="utf-8")
    manifest.write(target)
    _commit(target)
    return sorted(path.relative_to(target) for path in target.rglob("*") if path.is_file() and ".git" not in path.parts)


def learners_readme(readme: str, policy: str) -> str:
    """The README without its developers' parts, with the learners' section before its first ``##`` section."""
    readme = DEVELOPERS_ONLY.sub("", readme)
    start = readme.index("\n## ") + 1
    return readme[:start] + LEARNERS_SECTION.format(solutions=SOLUTIONS[policy]) + readme[start:]


def _untouched(stub: Path) -> bool:
    return stub.is_file() and is_untouched_stub(stub.read_text(encoding="utf-8"))


def _copy(source: Path, destination: Path) -> None:
    destination.parent.mkdir(parents=True, exist_ok=True)
    if source.is_dir():
        shutil.copytree(source, destination, ignore=SKIPPED)
    else:
        shutil.copy2(source, destination)


def _commit(target: Path) -> None:
    """``target`` as a new git repository with one commit (the teacher's git identity, else a generic one)."""

    def git(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(["git", *args], cwd=target, capture_output=True, text=True)

    git("-c", "init.defaultBranch=main", "init", "-q")
    git("add", "-A")
    identity = ["-c", "user.name=torch-katas", "-c", "user.email=torch-katas@users.noreply.github.com"]
    if git("var", "GIT_COMMITTER_IDENT").returncode == 0:  # git knows who the teacher is
        identity = []
    committed = git(*identity, "commit", "-q", "-m", "torch-katas for a class: lessons, stubs, tests and hints")
    if committed.returncode != 0:
        raise ReleaseRefused(f"git could not commit the release in {target}: {committed.stderr.strip()}")
