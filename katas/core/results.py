"""The results of a pytest run over katas: one JSON document, the only source of verdicts.

The plugin's collector (:mod:`katas.runtime.plugin.collector`) writes it when pytest runs with
``--katas-results=PATH``; the ``katas`` command, the contract checks and anything later (notebooks,
grading) read it with :func:`load`. This module imports neither pytest nor torch.

Schema (``"schema": "torch-katas/results"``, ``"version": 1``)::

    {
      "schema": "torch-katas/results",
      "version": 1,
      "reference": false,              # true when the run tested reference/ instead of the learner's code
      "exit_status": 1,                # pytest's exit status
      "tests": [                       # every test that ran, in the order pytest collected them (the lesson's)
        {
          "id": "katas/03_autograd/test_autograd.py::test_gets_grad[leaf]",   # pytest's node id
          "kata": "03_autograd",       # the kata folder, or null for a test outside the katas
          "task": 2,                   # the lesson's task (@pytest.mark.task), or null
          "outcome": "failed",         # "passed", "failed" (the test), "error" (setup or teardown) or "skipped"
          "skip_kind": null,           # for a skip: "gpu" (no GPU here), "data" (dataset missing) or "other"
          "message": "...",            # a failure's whole message, or a skip's reason; "" when passed
          "location": "katas/03_autograd/autograd.py:42",  # where it failed: the learner's line if any, else the test's
          "output": "",                # what a failing test printed (stdout, then stderr), whole
          "properties": {},            # what the test recorded with pytest's record_property, e.g. an accuracy
          "duration": 0.0012           # seconds, setup + call + teardown
        }
      ]
    }
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

SCHEMA, VERSION = "torch-katas/results", 1
PASSED, FAILED, ERROR, SKIPPED = "passed", "failed", "error", "skipped"
GPU, DATA, OTHER = "gpu", "data", "other"


@dataclass
class TestResult:
    """One test's verdict, as the collector recorded it."""

    __test__ = False  # not a pytest test class

    id: str
    kata: str | None
    task: int | None
    outcome: str
    skip_kind: str | None = None
    message: str = ""
    location: str = ""
    output: str = ""
    properties: dict[str, object] = field(default_factory=dict)
    duration: float = 0.0

    @property
    def name(self) -> str:
        """The test's name with its parameters: ``test_gets_grad[leaf]``."""
        return self.id.rpartition("::")[2]

    @property
    def counts(self) -> bool:
        """Whether the test counts towards a kata's verdict: everything but a GPU test on a machine without one."""
        return not (self.outcome == SKIPPED and self.skip_kind == GPU)

    @property
    def passed(self) -> bool:
        return self.outcome == PASSED


@dataclass
class KataResult:
    """One kata's verdict: counts, per-task counts and the first failure. A test skipped for want of a GPU counts
    neither way; any other skip (the dataset missing) counts as not passed, so a kata never passes untested."""

    passed: int = 0
    failed: int = 0
    skipped: int = 0
    tasks: dict[int, list[int]] = field(default_factory=dict)  # task -> [passed, total]
    first_failure: TestResult | None = None
    notes: dict[str, object] = field(default_factory=dict)  # the properties its tests recorded

    @property
    def total(self) -> int:
        return self.passed + self.failed

    @property
    def all_passed(self) -> bool:
        return self.failed == 0 and self.passed > 0

    @classmethod
    def of(cls, tests: list[TestResult]) -> KataResult:
        result = cls()
        for test in tests:
            result.notes.update(test.properties)
            if not test.counts:
                result.skipped += 1
                continue
            counts = result.tasks.setdefault(test.task, [0, 0]) if test.task is not None else [0, 0]
            counts[1] += 1
            if test.passed:
                result.passed += 1
                counts[0] += 1
                continue
            result.failed += 1
            if result.first_failure is None:
                result.first_failure = test
        return result

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> KataResult:
        failure = data.get("first_failure")
        return cls(
            passed=data["passed"],
            failed=data["failed"],
            skipped=data["skipped"],
            tasks={int(task): counts for task, counts in data["tasks"].items()},
            first_failure=TestResult(**failure) if failure else None,
            notes=data.get("notes", {}),
        )


@dataclass
class RunResults:
    """A whole run: whether it tested the reference, pytest's exit status, and every test's verdict."""

    reference: bool
    exit_status: int
    tests: list[TestResult]

    def of_kata(self, folder: str) -> list[TestResult]:
        return [test for test in self.tests if test.kata == folder]

    def kata_result(self, folder: str) -> KataResult:
        return KataResult.of(self.of_kata(folder))

    def to_json(self) -> str:
        tests = [asdict(test) for test in self.tests]
        document = {"schema": SCHEMA, "version": VERSION, "reference": self.reference, "exit_status": self.exit_status}
        return json.dumps(document | {"tests": tests}, indent=1)


class UnreadableResults(ValueError):
    """The file is not a results document this version understands."""


def load(path: Path) -> RunResults:
    """The results document at ``path``."""
    document = json.loads(path.read_text(encoding="utf-8"))
    if document.get("schema") != SCHEMA or document.get("version") != VERSION:
        raise UnreadableResults(f"{path} is not a {SCHEMA} document of version {VERSION}")
    tests = [TestResult(**test) for test in document["tests"]]
    return RunResults(reference=document["reference"], exit_status=document["exit_status"], tests=tests)


NO_TESTS_COLLECTED = 5  # pytest's exit status when it ran nothing: a share of a run may have no test


def merged(shares: Sequence[RunResults]) -> RunResults:
    """One run's results from those of its shares, where share I ran the tests at positions I, I+N, ... of the
    collection (``--katas-share``, :mod:`katas.runtime.plugin.shares`): back in the collection's order.

    What every share reports (a test file that cannot be collected) is kept once, after the tests.
    """
    seen: set[str] = set()
    columns = []
    for share in shares:
        columns.append([test for test in share.tests if test.id not in seen])
        seen.update(test.id for test in share.tests)
    tests = [test for row in itertools.zip_longest(*columns) for test in row if test is not None]
    statuses = [share.exit_status for share in shares]
    exit_status = max((status for status in statuses if status != NO_TESTS_COLLECTED), default=NO_TESTS_COLLECTED)
    return RunResults(reference=shares[0].reference, exit_status=exit_status, tests=tests)


def write(path: Path, results: RunResults) -> None:
    """Write ``results`` to ``path`` atomically (a reader never sees half a document)."""
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(results.to_json(), encoding="utf-8")
    temporary.replace(path)
