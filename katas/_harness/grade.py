"""A grade: the points each task of each kata earned in one run, from the collector's verdicts and the curriculum.

A task earns its points (``points`` in ``katas/curriculum.toml``, 1 unless stated) when every test of it that
counts passes. A test skipped for want of a GPU does not count: a task whose every test needs a GPU is not graded
on a machine without one (it earns nothing and costs nothing). A test skipped because its dataset is missing is
not a pass: its task earns nothing, and says so. A test file that cannot even be collected fails every task of
its kata. A grade is valid when the tamper check found nothing (see :mod:`katas._harness.manifest`) and pytest
ran to the end; an invalid grade keeps the points the run earned, with the problems that make them untrustworthy.

Schema (``"schema": "torch-katas/grade"``, ``"version": 1``)::

    {
      "schema": "torch-katas/grade", "version": 1,
      "valid": true,                   # false: see "problems"
      "problems": [],                  # e.g. "katas/00_tensors/test_tensors.py differs from the release (...)"
      "points": 13, "max_points": 99,  # over the katas graded; a task that needs a GPU absent here is in neither
      "katas": [
        {
          "kata": "00_tensors", "title": "...", "points": 8, "max_points": 8,
          "tasks": [
            {
              "task": 1, "title": "Creating tensors",
              "status": "earned",      # "earned", "not earned", "data missing" or "needs a GPU" (not graded here)
              "points": 1, "max_points": 1,
              "passed": 5, "failed": 0, "skipped": 0,   # skipped: the tests that needed a GPU
              "first_failure": null    # else the first failing test, as in the results document
            }
          ]
        }
      ],
      "tamper_check": {"manifest": "katas/manifest.json", "changed": [], "missing": [], "unexpected": []},
      "run": {"exit_status": 0, "tests": [...]}   # the collector's verdicts, whole (katas._harness.results)
    }
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field

from katas._harness.curriculum import Kata
from katas._harness.manifest import TamperCheck
from katas._harness.results import DATA, SKIPPED, RunResults, TestResult

SCHEMA, VERSION = "torch-katas/grade", 1
EARNED, NOT_EARNED, DATA_MISSING, NEEDS_GPU = "earned", "not earned", "data missing", "needs a GPU"
COMPLETE_RUN = (0, 1)  # pytest's exit statuses when every test ran: all passed, some failed


@dataclass
class TaskGrade:
    task: int
    title: str
    status: str
    points: int
    max_points: int
    passed: int = 0
    failed: int = 0
    skipped: int = 0
    first_failure: TestResult | None = None
    hidden: list[TestResult] = field(default_factory=list)  # the teacher's held-out tests of this task


@dataclass
class KataGrade:
    kata: str
    title: str
    tasks: list[TaskGrade] = field(default_factory=list)
    problem: str | None = None  # what stopped the kata's own grading process: it then earns nothing

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

    @property
    def problems(self) -> list[str]:
        problems = self.tamper_check.problems()
        if self.run.exit_status not in COMPLETE_RUN:
            problems.append(f"pytest ended with exit status {self.run.exit_status}, before every test had run")
        return problems

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
            "katas": [
                {
                    "kata": kata.kata,
                    "title": kata.title,
                    "points": kata.points,
                    "max_points": kata.max_points,
                    "tasks": [asdict(task) for task in kata.tasks],
                }
                for kata in self.katas
            ],
            "tamper_check": asdict(self.tamper_check),
            "run": {"exit_status": self.run.exit_status, "tests": [asdict(test) for test in self.run.tests]},
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=1)


def grade_katas(katas: Sequence[Kata], run: RunResults, tamper_check: TamperCheck) -> Grade:
    """The grade of ``katas`` from one ``run`` of their tests."""
    return Grade([grade_kata(kata, run.of_kata(kata.folder)) for kata in katas], tamper_check, run)


def grade_kata(kata: Kata, tests: list[TestResult]) -> KataGrade:
    """Each task of ``kata`` with the points ``tests`` (its verdicts) earned it."""
    titles = kata.task_titles()
    broken = [test for test in tests if test.task is None and not test.passed]  # a test file that did not collect
    return KataGrade(
        kata.folder,
        kata.title,
        [
            grade_task(task, titles[task], points, [test for test in tests if test.task == task], broken)
            for task, points in kata.task_points().items()
        ],
    )


def grade_task(task: int, title: str, points: int, tests: list[TestResult], broken: list[TestResult]) -> TaskGrade:
    counted = [test for test in tests if test.counts]
    no_data = [test for test in counted if test.outcome == SKIPPED and test.skip_kind == DATA]
    failures = broken + [test for test in counted if not test.passed and test not in no_data]
    graded = TaskGrade(task, title, NOT_EARNED, 0, points, skipped=len(tests) - len(counted))
    graded.passed = sum(test.passed for test in counted)
    graded.failed = len(counted) - graded.passed
    if tests and not counted:
        graded.status, graded.max_points = NEEDS_GPU, 0
    elif failures or no_data:
        graded.status, graded.first_failure = (NOT_EARNED, failures[0]) if failures else (DATA_MISSING, no_data[0])
    elif counted:
        graded.status, graded.points = EARNED, points
    return graded
