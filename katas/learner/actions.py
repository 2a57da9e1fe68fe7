"""The learner's actions as functions that return what happened: the next hint, a solution or why not, a backup,
an update of their workspace.

The ``katas`` command and the notebook are two front ends over these; each words the outcome for its medium.
"""

from __future__ import annotations

import itertools
import shutil
import time
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

from katas.core import workspace
from katas.core.curriculum import NEVER, Kata, hints_given, load_curriculum, solutions_policy
from katas.core.layout import file_digest
from katas.core.stubs import StubUnavailable, is_untouched_stub, original_stub
from katas.learner.state import PASSED, State, backup_dir


class HintKind(Enum):
    NOT_GIVEN = "hints are not part of this class (a graded release)"
    PASSES = "the kata passes: no hint needed"
    NEW = "a hint not shown before"
    AGAIN = "the latest hint again: the file has not changed since it was shown"
    TASK_DONE = "every hint of the task has been shown"
    ALL_DONE = "every hint of the kata has been shown"


@dataclass(frozen=True)
class Hint:
    kind: HintKind
    task: int | None = None
    title: str = ""
    number: int = 0  # which hint of the task, from 1
    total: int = 0  # how many hints the task has
    text: str = ""


def next_hint(state: State, kata: Kata, once_per_change: bool = False) -> Hint:
    """The next hint for the task of the kata's first failure (else the first task with hints left), counted as shown
    in ``state`` (the caller saves it). With ``once_per_change``, a task's next hint waits until the learner's file
    has changed since its last hint was shown: the latest one comes again (a notebook run top to bottom twice
    must not use up the hints)."""
    if not hints_given(kata.root):
        return Hint(HintKind.NOT_GIVEN)
    if state.status(kata) == PASSED:
        return Hint(HintKind.PASSES)
    hints, titles = kata.hints_by_task(), kata.task_titles()
    result = state.result(kata)
    task = result.first_failure.task if result and result.first_failure else None
    if task not in hints:
        task = next((task for task in sorted(hints) if state.hints_shown(kata, task) < len(hints[task])), None)
        if task is None:
            return Hint(HintKind.ALL_DONE)
    seen, total, title = state.hints_shown(kata, task), len(hints[task]), titles.get(task, "")
    unchanged = seen and state.hint_shown_for(kata, task) == file_digest(kata.stub_path)
    if once_per_change and unchanged:
        return Hint(HintKind.AGAIN, task, title, seen, total, hints[task][seen - 1])
    if seen >= total:
        return Hint(HintKind.TASK_DONE, task, title, seen, total)
    state.show_hint(kata, task)
    return Hint(HintKind.NEW, task, title, seen + 1, total, hints[task][seen])


class Refusal(Enum):
    NEVER = "this course shows no solutions"
    NOT_HERE = "this copy of the katas holds no solutions (a class release)"
    NOT_PASSED = "the kata does not pass yet"


@dataclass(frozen=True)
class Solution:
    code: str = ""
    path: Path | None = None
    refusal: Refusal | None = None
    before_a_pass: bool = False  # shown although the kata does not pass (force)


def solution(state: State, kata: Kata, force: bool = False) -> Solution:
    """The reference solution of ``kata``, or why it stays hidden: the course's policy, a release without solutions,
    or a kata that does not pass yet (unless ``force``)."""
    if solutions_policy(kata.root) == NEVER:
        return Solution(refusal=Refusal.NEVER)
    if not kata.reference_path.is_file():
        return Solution(refusal=Refusal.NOT_HERE)
    passed = state.status(kata) == PASSED
    if not passed and not force:
        return Solution(refusal=Refusal.NOT_PASSED)
    return Solution(kata.reference_path.read_text(encoding="utf-8"), kata.reference_path, before_a_pass=not passed)


def free_backup_path(kata: Kata, suffix: str = "") -> Path:
    """``.katas/backups/<folder>/<stem>[suffix]-YYYYmmdd-HHMMSS.py``, numbered on when two fall in the same second."""
    stamp, stem = time.strftime("%Y%m%d-%H%M%S"), kata.stub_path.stem + suffix
    folder = backup_dir(kata.root) / kata.folder
    candidates = (folder / f"{stem}-{stamp}{f'-{n}' if n else ''}.py" for n in itertools.count())
    return next(path for path in candidates if not path.exists())


def keep_copy(kata: Kata) -> Path:
    """Copy the learner's file of ``kata`` into its backup folder (see :func:`free_backup_path`); the copy's path."""
    backup = free_backup_path(kata)
    backup.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(kata.stub_path, backup)
    return backup


def keep_text(kata: Kata, text: str, suffix: str) -> Path:
    """Keep ``text`` (a notebook cell, say) beside the kata's backups, named with ``suffix``; the copy's path."""
    backup = free_backup_path(kata, suffix)
    backup.parent.mkdir(parents=True, exist_ok=True)
    backup.write_text(text, encoding="utf-8")
    return backup


class CellSaved(Enum):
    SAME = "the file holds the cell already"
    WRITTEN = "the cell was written to the file"
    REFUSED = "the file holds work this notebook has not seen: nothing was written"


def save_cell(state: State, kata: Kata, code: str, overwrite: bool = False) -> tuple[CellSaved, Path | None]:
    """Write a notebook's check cell (the whole module) to the kata's file, and a copy of the file kept first, if any.

    A cell never replaces work it has not seen: a file that differs from the untouched stub and from what a notebook
    last wrote there (edited in an editor, or an older cell run again) is refused, unless ``overwrite``, which keeps
    a copy first. What the notebook wrote is recorded in ``state`` (the caller saves it).
    """
    path = kata.stub_path
    current = path.read_text(encoding="utf-8") if path.is_file() else None
    if current == code:
        state.record_notebook_write(kata, file_digest(path))
        return CellSaved.SAME, None
    seen = current is None or file_digest(path) == state.notebook_wrote(kata) or _is_the_original_stub(kata, current)
    if not seen and not overwrite:
        return CellSaved.REFUSED, None
    backup = None if seen else keep_copy(kata)
    path.write_text(code, encoding="utf-8")
    state.record_notebook_write(kata, file_digest(path))
    return CellSaved.WRITTEN, backup


def _is_the_original_stub(kata: Kata, text: str) -> bool:
    """Whether ``text`` is the kata's stub as it was handed out (from git: see :func:`original_stub`)."""
    if not is_untouched_stub(text):
        return False
    try:
        return text == original_stub(kata)
    except StubUnavailable:
        return False


def load_into_cell(state: State, kata: Kata, cell: str) -> tuple[str, Path | None]:
    """The kata's file, for a notebook's check cell to hold from now on, and a copy of the cell kept first (when it
    differs from the file). The notebook counts as having seen the file (see :func:`save_cell`)."""
    code = kata.stub_path.read_text(encoding="utf-8")
    backup = keep_text(kata, cell, "-cell") if cell.strip() and cell != code else None
    state.record_notebook_write(kata, file_digest(kata.stub_path))
    return code, backup


def update_workspace(state: State) -> tuple[workspace.Update, list[Kata]]:
    """``katas update`` in the learner's workspace: what it did, and the katas whose tests it changed, whose verdicts
    it takes back (their last runs judged other tests)."""
    done = workspace.update(state.root)
    changed = [*done.added, *done.refreshed]
    retested = [kata for kata in load_curriculum(state.root) if any(_is_test_file(kata, path) for path in changed)]
    for kata in retested:
        state.forget_run(kata)
    state.save()
    return done, retested


def _is_test_file(kata: Kata, path: str) -> bool:
    """Whether ``path`` (relative to the root) is one of ``kata``'s Python files other than its stub: its tests."""
    return path.startswith(f"katas/{kata.folder}/") and path.endswith(".py") and path != kata.shown(kata.stub_path)
