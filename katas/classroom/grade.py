"""A grade: the points each task of each kata earned in one run, from the collector's verdicts and the curriculum.

Each task's status is its outcome in :mod:`katas.core.outcomes`, the model the learner's verdict derives from too.
A task earns its points (``points`` in ``katas/curriculum.toml``, 1 unless stated) when every test of it that
counts passes. A test skipped for want of a GPU does not count: a task whose every test needs a GPU is not graded
on a machine without one (it earns nothing and costs nothing). A test skipped because its dataset is missing is
not a pass: its task earns nothing, and says so. A test file that cannot even be collected fails every task of
its kata. A teacher's held-out tests (``katas grade --extra-tests``) count for their task like its own tests, and
are kept apart: a learner is never shown one. A kata whose own grading process could not be trusted or did not
finish (see :mod:`katas.classroom.grading`) earns nothing, and says why. A grade is valid when the tamper check found
nothing (see :mod:`katas.classroom.manifest`); an invalid grade keeps the points the run earned, with the problems
that make them untrustworthy.

Schema (``"schema": "torch-katas/grade"``, ``"version": 2``)::

    {
      "schema": "torch-katas/grade", "version": 2,
      "valid": true,                   # false: see "problems"
      "problems": [],                  # e.g. "katas/00_tensors/test_tensors.py differs from the release (...)"
      "points": 13, "max_points": 99,  # over the katas graded; a task that needs a GPU absent here is in neither
      "graded": {                      # what was graded, when, with what (null where git does not say)
        "commit": "<sha of HEAD>", "commit_date": "2026-12-07T18:00:00+01:00", "uncommitted_changes": false,
        "graded_at": "2026-12-07T17:05:00+00:00", "python": "3.11.7", "torch": "2.9.1"
      },
      "katas": [
        {
          "kata": "00_tensors", "title": "...", "points": 8, "max_points": 8,
          "problem": null,             # else what stopped its grading: it exited, hung, or reached into the grader
          "tasks": [
            {
              "task": 1, "title": "Creating tensors",
              "status": "earned",      # "earned", "not earned", "data missing" or "needs a GPU" (not graded here)
              "points": 1, "max_points": 1,
              "passed": 5, "failed": 0, "skipped": 0,   # the kata's own tests; skipped: those that needed a GPU
              "first_failure": null,   # else its first failing test of its own, as in the results document
              "hidden": []             # the verdicts of the teacher's held-out tests of this task, as in "run"
            }
          ]
        }
      ],
      "tamper_check": {"manifest": "katas/manifest.json", "changed": [], "missing": [], "unexpected": []},
      "run": {"exit_status": 0, "tests": [...]}   # the collector's verdicts, whole (katas.core.results)
    }
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field

from katas.classroom.manifest import TamperCheck
from katas.core.curriculum import Kata
from katas.core.outcomes import TaskOutcome, TaskStatus, task_outcomes
from katas.core.results import Named, RunResults, TestResult

SCHEMA, VERSION = "torch-katas/grade", 2


class GradeStatus(Named):
    """A task's grade, from its :class:`~katas.core.outcomes.TaskStatus`."""

    EARNED = "earned"
    NOT_EARNED = "not earned"
    DATA_MISSING = "data missing"
    NEEDS_GPU = "needs a GPU"  # not graded here


EARNED, NOT_EARNED, DATA_MISSING, NEEDS_GPU = (
    GradeStatus.EARNED,
    GradeStatus.NOT_EARNED,
    GradeStatus.DATA_MISSING,
    GradeStatus.NEEDS_GPU,
)
GRADED = {
    TaskStatus.PASSED: EARNED,
    TaskStatus.FAILING: NOT_EARNED,
    TaskStatus.UNTESTED: NOT_EARNED,  # a task no test checked earns nothing
    TaskStatus.DATA_MISSING: DATA_MISSING,
    TaskStatus.NEEDS_GPU: NEEDS_GPU,
}


@dataclass
class TaskGrade:
    task: int
    title: str
    status: GradeStatus
    points: int
    max_points: int
    passed: int = 0
    failed: int = 0
    skipped: int = 0
    first_failure: TestResult | None = None
    hidden: list[TestResult] = field(default_factory=list)


@dataclass
class KataGrade:
    kata: str
    title: str
    tasks: list[TaskGrade] = field(default_factory=list)
    problem: str | None = None

    @property
    def points(self) -> int:
        return sum(task.points for task in self.tasks)

    @property
    def max_points(self) -> int:
        return sum(task.max_points for task in self.tasks)


@dataclass
class Grade:
    katas: list[KataGrade]
    tamper_check: TamperCheck
    run: RunResults
    graded: dict = field(default_factory=dict)

    @property
    def problems(self) -> list[str]:
        return self.tamper_check.problems()

    @property
    def valid(self) -> bool:
        return not self.problems

    @property
    def points(self) -> int:
        return sum(kata.points for kata in self.katas)

    @property
    def max_points(self) -> int:
        return sum(kata.max_points for kata in self.katas)

    def to_dict(self) -> dict:
        return {
            "schema": SCHEMA,
            "version": VERSION,
            "valid": self.valid,
            "problems": self.problems,
            "points": self.points,
            "max_points": self.max_points,
            "graded": self.graded,
            "katas": [
                {
                    "kata": kata.kata,
                    "title": kata.title,
                    "points": kata.points,
                    "max_points": kata.max_points,
                    "problem": kata.problem,
                    "tasks": [asdict(task) for task in kata.tasks],
                }
                for kata in self.katas
            ],
            "tamper_check": asdict(self.tamper_check),
            "run": {"exit_status": self.run.exit_status, "tests": [asdict(test) for test in self.run.tests]},
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=1)


def grade_katas(
    katas: Sequence[Kata],
    run: RunResults,
    tamper_check: TamperCheck,
    graded: dict | None = None,
    problems: dict[str, str] | None = None,
    hidden: set[str] = frozenset(),
) -> Grade:
    """The grade of ``katas`` from ``run``, the verdicts of their tests; ``problems``: what stopped a kata's grading,
    by kata; ``hidden``: the ids of the teacher's held-out tests."""
    problems = problems or {}
    return Grade(
        [grade_kata(kata, run.of_kata(kata.folder), problems.get(kata.folder), hidden) for kata in katas],
        tamper_check,
        run,
        graded or {},
    )


def grade_kata(
    kata: Kata, tests: list[TestResult], problem: str | None = None, hidden: set[str] = frozenset()
) -> KataGrade:
    """Each task of ``kata`` with the points ``tests`` (its verdicts) earned it; nothing when ``problem`` says why."""
    titles, points = kata.task_titles(), kata.task_points()
    whole = task_outcomes(tests, points)  # held-out tests count like the task's own
    own = task_outcomes([test for test in tests if test.id not in hidden], points)
    graded = KataGrade(kata.folder, kata.title, problem=problem)
    for task, worth in points.items():
        held_out = [test for test in whole[task].tests if test.id in hidden]
        graded.tasks.append(grade_task(titles[task], worth, whole[task], own[task], held_out))
    if problem is not None:
        for task in graded.tasks:
            if task.status == EARNED:
                task.status, task.points = NOT_EARNED, 0
    return graded


def grade_task(
    title: str, points: int, outcome: TaskOutcome, own: TaskOutcome, hidden: list[TestResult] = ()
) -> TaskGrade:
    """A task's grade from its ``outcome``; its counts and first failure from ``own``, the same task without the
    ``hidden`` (held-out) tests, whose failures a learner is never shown."""
    status = GRADED[outcome.status]
    return TaskGrade(
        outcome.task,
        title,
        status,
        points if status == EARNED else 0,
        0 if status == NEEDS_GPU else points,
        own.passed,
        own.failed,
        own.skipped,
        own.first_failure if own.status == outcome.status else None,
        list(hidden),
    )
