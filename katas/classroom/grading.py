"""The runs behind ``katas grade``: each kata's tests in processes of their own, so that what a kata's code does
(end its process, hang, tamper with pytest) costs that kata alone and names what happened; the learner's files of
each kata checked first for ways into the grader (:mod:`katas.classroom.reach`); a teacher's held-out tests run
beside each kata's own; and what was graded, when and with what.
"""

from __future__ import annotations

import platform
import shutil
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path

from katas.classroom.reach import reaches_in_files
from katas.core import git
from katas.core.curriculum import Kata, find_kata, load_curriculum
from katas.core.results import RunResults, TestResult
from katas.runtime.runner import POLL_SECONDS, ProgressCallback, Run, RunFailed, WarmRunner

# A kata's whole run may take this long: each test has its own time limit (pytest-timeout), so only code that
# escapes it (a hang in native code, the alarm signal blocked) meets this one. The capstone trains for minutes.
KATA_TIME_LIMIT = 30 * 60
COMPLETE = (0, 1)  # pytest's exit statuses when every test ran: all passed, some failed
COPIED = ("katas", "pyproject.toml")  # what a grade with held-out tests needs of the repository
TEST_FILES = ("test_*.py", "*_test.py", "conftest.py")


class HeldOutTestsRefused(ValueError):
    """The held-out tests' folder does not fit the katas (an unknown kata, a file named like the kata's own)."""


@dataclass
class GradingRun:
    """The verdicts of every kata graded, what stopped a kata's grading (by kata), and the held-out tests' ids."""

    results: RunResults
    problems: dict[str, str] = field(default_factory=dict)
    hidden: set[str] = field(default_factory=set)


def run_for_grading(
    katas: Sequence[Kata], extra_tests: Path | None = None, on_progress: ProgressCallback | None = None
) -> GradingRun:
    """Run the tests of each of ``katas`` on the learner's code, one kata at a time in processes of its own, with
    the held-out tests of ``extra_tests`` (a folder of kata folders) beside each kata's own."""
    tests: list[TestResult] = []
    problems: dict[str, str] = {}
    statuses = []
    warm = WarmRunner()
    with beside_held_out_tests(katas, extra_tests) as (graded, hidden):
        for kata in graded:
            uses = reaches_in_files(learner_files(kata), kata.root)
            if uses:
                problems[kata.folder] = (
                    "its code reaches into the grader, which a solution never needs, so it was not run: "
                    + "; ".join(uses)
                )
                continue
            found, problem = _run_alone(kata, warm, on_progress)
            if problem:
                problems[kata.folder] = problem
            else:
                tests += found.tests
                statuses.append(found.exit_status)
    warm.close()
    held_out = {test.id for test in tests if test.id.split("::")[0] in hidden}
    return GradingRun(RunResults(False, max(statuses, default=0), tests), problems, held_out)


def _run_alone(kata: Kata, warm: WarmRunner, on_progress: ProgressCallback | None) -> tuple[RunResults | None, str]:
    """The verdicts of ``kata``'s tests, or what kept them from being trusted."""
    run = Run([kata], on_progress, warm)
    deadline = time.monotonic() + KATA_TIME_LIMIT
    while not run.done(POLL_SECONDS):
        if time.monotonic() > deadline:
            run.cancel()
            return None, f"its tests ran for more than {KATA_TIME_LIMIT // 60} minutes and were stopped"
    try:
        found = run.results()
    except RunFailed as failure:
        return None, f"its pytest process ended before writing its verdicts (did its code end the process?): {failure}"
    if found.exit_status not in COMPLETE:
        return None, f"pytest ended with exit status {found.exit_status}, before every test of it had run"
    if not found.of_kata(kata.folder):
        return None, "pytest ran none of its tests"
    return found, ""


def learner_files(kata: Kata) -> list[Path]:
    """The Python files of ``kata``'s folder that are the learner's: all but its tests and their configuration."""
    return sorted(
        path
        for path in kata.path.rglob("*.py")
        if not any(path.match(pattern) for pattern in TEST_FILES) and "__pycache__" not in path.parts
    )


@contextmanager
def beside_held_out_tests(katas: Sequence[Kata], extra_tests: Path | None) -> Iterator[tuple[list[Kata], set[str]]]:
    """``katas`` as they are, or, with ``extra_tests``, copies of them in a temporary copy of the repository with the
    held-out tests of ``extra_tests/<kata folder>/`` beside their own; and the held-out tests' files, as test ids
    start (``katas/07_losses/test_held_out.py``). The learner's repository is never changed."""
    if extra_tests is None:
        yield list(katas), set()
        return
    root = katas[0].root
    chosen = {kata.folder for kata in katas}
    if not extra_tests.is_dir():
        raise HeldOutTestsRefused(f"{extra_tests} is not a folder: give the folder that holds a folder per kata")
    folders = sorted(path for path in extra_tests.iterdir() if path.is_dir() and not path.name.startswith("."))
    known = {kata.folder for kata in load_curriculum(root)}
    unknown = [folder.name for folder in folders if folder.name not in known]
    if unknown or not folders:
        raise HeldOutTestsRefused(
            f"{extra_tests} should hold a folder per kata, named like the kata (07_losses/test_held_out.py); "
            + (f"these are not katas of the curriculum: {', '.join(unknown)}" if unknown else "it holds none")
        )
    with tempfile.TemporaryDirectory(prefix="katas-grade-") as folder:
        copy = Path(folder) / "graded"
        for name in COPIED:
            source = root / name
            if source.is_dir():
                shutil.copytree(source, copy / name, ignore=shutil.ignore_patterns("__pycache__", ".*"))
            elif source.is_file():
                copy.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, copy / name)
        hidden = set()
        for held_out in folders:
            if held_out.name not in chosen:
                continue
            for source in sorted(held_out.iterdir()):
                target = copy / "katas" / held_out.name / source.name
                if target.exists():
                    raise HeldOutTestsRefused(
                        f"{source} has the name of a file of the kata itself: give held-out tests names of their own, "
                        "e.g. test_held_out.py"
                    )
                (shutil.copytree if source.is_dir() else shutil.copy2)(source, target)
                if source.is_file() and source.match("test_*.py"):
                    hidden.add(f"katas/{held_out.name}/{source.name}")
        yield [find_kata(kata.folder, copy) for kata in katas], hidden


def provenance(root: Path) -> dict:
    """What is graded (the commit of ``root``, its date, whether files differ from it), when, and with what."""
    commit = git.answer(root, "rev-parse", "HEAD")
    return {
        "commit": commit,
        "commit_date": git.answer(root, "show", "-s", "--format=%cI", "HEAD") if commit else None,
        "uncommitted_changes": bool(git.answer(root, "status", "--porcelain", "--", "katas")) if commit else None,
        "graded_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "torch": _version("torch"),
    }


def _version(distribution: str) -> str | None:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return None
