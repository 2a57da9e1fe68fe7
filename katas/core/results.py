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

Its values of ``outcome`` and ``skip_kind`` are :class:`Outcome` and :class:`SkipKind`. What a run's verdicts say about
each task, for the learner and the teacher alike, is :mod:`katas.core.outcomes`; the progress feed that a run writes
beside this document is :mod:`katas.core.feed`.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from enum import Enum
from pathlib import Path

SCHEMA, VERSION = "torch-katas/results", 1


class Named(str, Enum):
    """A status that is its string: equal to it, and written as it (JSON, f-strings), so documents stay as they were."""

    def __str__(self) -> str:
        return self.value


class Outcome(Named):
    """How one test ended."""

    PASSED = "passed"
    FAILED = "failed"  # the test itself
    ERROR = "error"  # its setup or teardown, or its file could not be collected
    SKIPPED = "skipped"


class SkipKind(Named):
    """Why a test skipped."""

    GPU = "gpu"  # no GPU here: the test counts neither way
    DATA = "data"  # its dataset is missing: not a pass
    OTHER = "other"  # any other reason (the learner's pytest.skip): not a pass


PASSED, FAILED, ERROR, SKIPPED = Outcome.PASSED, Outcome.FAILED, Outcome.ERROR, Outcome.SKIPPED
GPU, DATA, OTHER = SkipKind.GPU, SkipKind.DATA, SkipKind.OTHER


@dataclass
class TestResult:
    """One test's verdict, as the collector recorded it."""

    __test__ = False  # not a pytest test class

    id: str
    kata: str | None
    task: int | None
    outcome: Outcome
    skip_kind: SkipKind | None = None
    message: str = ""
    location: str = ""
    output: str = ""
    properties: dict[str, object] = field(default_factory=dict)
    duration: float = 0.0

    def __post_init__(self) -> None:  # read from JSON, they are strings
        self.outcome = Outcome(self.outcome)
        self.skip_kind = None if self.skip_kind is None else SkipKind(self.skip_kind)

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

    @property
    def missing_data(self) -> bool:
        """Whether the test could not run because its dataset is missing."""
        return self.outcome == SKIPPED and self.skip_kind == DATA


@dataclass
class RunResults:
    """A whole run: whether it tested the reference, pytest's exit status, and every test's verdict."""

    reference: bool
    exit_status: int
    tests: list[TestResult]

    def of_kata(self, folder: str) -> list[TestResult]:
        return [test for test in self.tests if test.kata == folder]

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
