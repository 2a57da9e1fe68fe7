"""A class release: the katas a learner needs, without a single reference solution, as a fresh git repository.

``katas release DIR`` writes the katas the curriculum lists as ``katas init`` writes them into a learner's
workspace (:mod:`katas.core.workspace`: each kata's folder, whole), and copies the rest of ``katas/`` (the harness,
the shared test helpers, the datasets: a class installs its release, not a published package), the root's
``pyproject.toml``, ``LICENSE`` and ``.gitignore``, and the README without its parts for the project's developers
and with a section for learners of a class. It writes the grader's pins (``constraints.txt``, see
:mod:`katas.classroom.constraints`), the workflow that grades each push on GitHub Actions (unless a platform grades
the pushes instead) and the tamper-check manifest, and commits it all as the one commit of a new repository (its
first commit is where ``katas reset`` finds the untouched stubs). Left out on purpose: ``reference/``, the
project's own ``tests/`` (they test the reference), ``tools/`` (developers' benchmarks), ``.ci/`` and the project's
CI workflow, kata folders the curriculum does not list, caches and hidden files.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from katas.authoring import notebooks
from katas.classroom import manifest
from katas.classroom.constraints import CONSTRAINTS_FILE, installed_pins
from katas.classroom.graded import UnpairedMarker, graded_curriculum, graded_lesson
from katas.classroom.platforms.workflow import workflow
from katas.core.curriculum import CURRICULUM_FILE, NEVER, Kata, load_curriculum, solutions_policy
from katas.core.git import GitError, new_repository
from katas.core.layout import is_kata_folder
from katas.core.stubs import is_untouched_stub
from katas.core.workspace import curriculum_files, files_in, write_files

ROOT_FILES = ("pyproject.toml", "LICENSE", ".gitignore")
SKIPPED = shutil.ignore_patterns(".*", "__pycache__", "*.pyc", "*.egg-info")  # caches, checkpoints, editor files
DEVELOPERS_ONLY = re.compile(r"<!-- not in a class release -->.*?<!-- end -->\n?", re.DOTALL)  # README regions

LEARNERS_SECTION = """\
## For learners of a class

Your teacher made this repository for your class: {contents}. Work in your copy of it, with the versions your
class grades with (add `pip install torch torchvision --index-url https://download.pytorch.org/whl/cpu &&` before
the last `pip install` on a machine without an NVIDIA GPU or a Mac):

```bash
python3 -m venv .venv && . .venv/bin/activate && pip install -e . --constraint constraints.txt && katas
```

The rest of this README shows how to work through a kata. Your teacher grades what you push or submit:

- A task earns its points when all of its tests pass. `katas grade` shows your grade before you push.
- Edit the stubs only. The tests and the harness are recorded in `katas/manifest.json`, and a grade with a
  changed test file is not valid (`katas grade` names the file).
- {solutions}
- `katas reset 03` restores a stub as it was in this repository's first commit (your file is kept).
- {colab}

"""
CONTENTS = {
    False: "every kata's lesson, stub, tests and hints, without the solutions",
    True: "every kata's lesson, stub and tests. This is graded work: there are no hints, and the lessons state "
    "each task without working it out; where this README mentions hints, they are not part of this class",
}
SOLUTIONS = {
    "after-pass": "The solutions are with your teacher, not in this repository: ask once a kata passes.",
    NEVER: "The solutions are not handed out in this class: the tests and the hints are your guide.",
    "graded": "The solutions are not handed out in this class: the lessons and the tests are your guide.",
}
COLAB = (
    "On Colab, a kata's notebook clones {repository} in its first cell; working in a copy of your own, put its "
    "git URL there instead."
)
COLAB_ASKS = "On Colab, put the git URL of your class repository in the first cell of a kata's notebook."
GRADED_NOTEBOOK_HELP = (
    "Hints and solutions are not part of this class: the lesson above states each task, and a failing check says "
    "what it expected and what your code gave."
)


class ReleaseRefused(RuntimeError):
    """The release cannot be made as things are (a stub has been edited, the folder is not empty)."""


def write_release(
    root: Path, target: Path, graded: bool = False, repository: str | None = None, grade_workflow: bool = True
) -> list[Path]:
    """Write the class release of the repository at ``root`` into ``target`` (new or empty); the files it holds.

    ``graded``: no hints files, lessons without their marked solutions (katas/classroom/graded.py), and a curriculum
    with ``solutions = "never"`` and ``hints = false``. ``repository``: the git URL of the class's repository, which
    the notebooks clone on Colab (without it, they ask the learner for it). ``grade_workflow``: with the workflow that
    grades each push on GitHub Actions."""
    katas = load_curriculum(root)
    pins = installed_pins(root)
    edited = [kata.shown(kata.stub_path) for kata in katas if not _untouched(kata.stub_path)]
    if edited:
        raise ReleaseRefused(f"these stubs are not untouched, so they cannot go to a class: {', '.join(edited)}")
    if target.exists() and any(target.iterdir()):
        raise ReleaseRefused(f"{target} is not empty: release into a new folder")
    lessons = {kata.folder: _graded_lesson_of(kata) for kata in katas} if graded else {}
    write_files(target, curriculum_files(root))  # the katas, as `katas init` writes them into a workspace
    for source in sorted((root / "katas").iterdir()):  # and the harness, which a workspace has from its package
        if not (is_kata_folder(source.name) or source.name == CURRICULUM_FILE.name or SKIPPED(root, [source.name])):
            _copy(source, target / "katas" / source.name)
    for name in ROOT_FILES:
        _copy(root / name, target / name)
    if graded:
        _make_graded(target, lessons)
    policy = "graded" if graded else solutions_policy(root)
    readme = learners_readme((root / "README.md").read_text(encoding="utf-8"), policy, repository)
    (target / "README.md").write_text(readme, encoding="utf-8")
    help_text, help_cells = (
        (GRADED_NOTEBOOK_HELP, ()) if graded else (f"{notebooks.HINT_HELP} {SOLUTIONS[policy]}", ("hint",))
    )
    for kata in load_curriculum(target):
        text = notebooks.notebook_text(kata, repository=repository, help_text=help_text, help_cells=help_cells)
        kata.notebook_path.write_text(text, encoding="utf-8", newline="\n")
    (target / CONSTRAINTS_FILE).write_text(pins.text(), encoding="utf-8")
    if grade_workflow:
        (target / manifest.GRADE_WORKFLOW).parent.mkdir(parents=True)
        (target / manifest.GRADE_WORKFLOW).write_text(workflow(pins), encoding="utf-8")
    manifest.write(target)
    _commit(target)
    return files_in(target)


def learners_readme(readme: str, policy: str, repository: str | None = None) -> str:
    """The README without its developers' parts, with the learners' section before its first ``##`` section;
    ``policy`` is the solutions policy, or ``graded``."""
    readme = DEVELOPERS_ONLY.sub("", readme)
    start = readme.index("\n## ") + 1
    section = LEARNERS_SECTION.format(
        contents=CONTENTS[policy == "graded"],
        solutions=SOLUTIONS[policy],
        colab=COLAB.format(repository=repository) if repository else COLAB_ASKS,
    )
    return readme[:start] + section + readme[start:]


def _graded_lesson_of(kata: Kata) -> str:
    """The lesson of ``kata`` without its marked solutions."""
    try:
        return graded_lesson(kata.lesson_path.read_text(encoding="utf-8"))
    except UnpairedMarker as error:
        raise ReleaseRefused(f"{kata.shown(kata.lesson_path)}: {error}") from None


def _make_graded(target: Path, lessons: dict[str, str]) -> None:
    """The katas copied to ``target`` made graded: ``lessons`` (by folder) in place of theirs, no hints files, and a
    curriculum that shows neither hints nor solutions."""
    curriculum = target / CURRICULUM_FILE
    curriculum.write_text(graded_curriculum(curriculum.read_text(encoding="utf-8")), encoding="utf-8")
    for kata in load_curriculum(target):
        kata.hints_path.unlink(missing_ok=True)
        kata.lesson_path.write_text(lessons[kata.folder], encoding="utf-8")


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
    try:
        new_repository(target, "torch-katas for a class: lessons, stubs, tests and hints")
    except GitError as error:
        raise ReleaseRefused(f"git could not commit the release in {target}: {error}") from None
