"""One model of what a run's verdicts say: a group of tests (a task's, or a whole kata's) passes, fails, lacks its
data, or needs a GPU absent here. The learner's verdict (:class:`KataResult`) and the teacher's grade
(:mod:`katas.classroom.grade`) both derive from it, with two differences, both deliberate:

- the learner's verdict is the kata's tests as one group, so a test of no task counts for it; the grade is each task
  of the lesson on its own (a task no test checks earns nothing, a test of no task that passes earns nothing);
- a kata whose every test needs a GPU does not pass on a machine without one (a kata never passes untested), while
  the grade leaves such a task out (it earns nothing and costs nothing).

A test counts unless it skipped for want of a GPU. A test of no task that did not pass (a test file that could not
be collected) fails every task of its kata.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from katas.core.results import Named, TestResult


class TaskStatus(Named):
    """What a group of tests says, in this order of precedence."""

    NEEDS_GPU = "needs a GPU"  # every test skipped for want of a GPU: no verdict on this machine
    FAILING = "failing"  # a test that counts failed, errored, or skipped for another reason than a GPU or data
    DATA_MISSING = "data missing"  # nothing failed, but a test could not run: its dataset is missing (not a pass)
    UNTESTED = "untested"  # no test checked it
    PASSED = "passed"  # every test that counts passed


@dataclass
class TaskOutcome:
    """A group of tests, in the lesson's order: a task's (``task``), or a whole kata's (``task`` None); ``broken``:
    the tests of its kata that did not pass and belong to no task, which fail it too."""

    task: int | None
    tests: list[TestResult]
    broken: list[TestResult] = field(default_factory=list)

    @property
    def counted(self) -> list[TestResult]:
        return [test for test in self.tests if test.counts]

    @property
    def passed(self) -> int:
        return sum(test.passed for test in self.counted)

    @property
    def failed(self) -> int:
        """Its tests that count and did not pass (a missing dataset included)."""
        return len(self.counted) - self.passed

    @property
    def skipped(self) -> int:
        """Its tests skipped for want of a GPU."""
        return len(self.tests) - len(self.counted)

    @property
    def failures(self) -> list[TestResult]:
        """What failed it, broken tests first; not the tests whose dataset is missing."""
        return [*self.broken, *(test for test in self.counted if not test.passed and not test.missing_data)]

    @property
    def status(self) -> TaskStatus:
        if self.tests and not self.counted:
            return TaskStatus.NEEDS_GPU
        if self.failures:
            return TaskStatus.FAILING
        if any(test.missing_data for test in self.tests):
            return TaskStatus.DATA_MISSING
        return TaskStatus.PASSED if self.counted else TaskStatus.UNTESTED

    @property
    def first_failure(self) -> TestResult | None:
        """The first test that failed it, else the first whose dataset is missing."""
        return next(iter(self.failures), None) or next((test for test in self.tests if test.missing_data), None)


def task_outcomes(tests: Sequence[TestResult], tasks: Iterable[int] | None = None) -> dict[int, TaskOutcome]:
    """The outcome of each of ``tasks`` (tested or not), or of each task a test names, in order, from ``tests``, the
    verdicts of one kata's tests."""
    broken = [test for test in tests if test.task is None and test.counts and not test.passed]
    numbers = dict.fromkeys(test.task for test in tests if test.task is not None) if tasks is None else tasks
    return {task: TaskOutcome(task, [test for test in tests if test.task == task], broken) for task in numbers}


@dataclass
class KataResult:
    """The learner's verdict on one kata: counts, per-task counts and the first failure, from the kata's tests as one
    :class:`TaskOutcome`; it passes when that outcome does."""

    passed: int = 0
    failed: int = 0
    skipped: int = 0  # for want of a GPU
    tasks: dict[int, list[int]] = field(default_factory=dict)  # task -> [passed, total], of the tasks tested here
    first_failure: TestResult | None = None
    notes: dict[str, object] = field(default_factory=dict)  # the properties its tests recorded
    status: TaskStatus = TaskStatus.UNTESTED

    @property
    def total(self) -> int:
        return self.passed + self.failed

    @property
    def all_passed(self) -> bool:
        return self.status == TaskStatus.PASSED

    @classmethod
    def of(cls, tests: Sequence[TestResult]) -> KataResult:
        whole = TaskOutcome(None, list(tests))
        tasks = {
            task: [outcome.passed, outcome.passed + outcome.failed] for task, outcome in task_outcomes(tests).items()
        }
        return cls(
            passed=whole.passed,
            failed=whole.failed,
            skipped=whole.skipped,
            tasks={task: counts for task, counts in tasks.items() if counts[1]},
            first_failure=whole.first_failure,
            notes={name: value for test in tests for name, value in test.properties.items()},
            status=whole.status,
        )
