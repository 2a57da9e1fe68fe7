"""The learner's progress, derived from test results and kept in ``<root>/.katas/state.json`` (git-ignored).

Per kata, state.json keeps what the commands read back: the digest of the file the last run judged and
:class:`Recorded` (its verdict, its counts and its first failure's test and task), the hints shown, and what a
notebook last wrote. The verdict whole (messages, output, per-task counts) is shown once, by the command that ran it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from katas.core.curriculum import Kata, load_curriculum
from katas.core.layout import file_digest
from katas.core.outcomes import KataResult
from katas.core.results import Named, TestResult
from katas.core.stubs import is_untouched_stub
from katas.runtime.runner import ProgressCallback, Run, WarmRunner


class Status(Named):
    """Where the learner stands with a kata."""

    NOT_STARTED = "not started"  # the untouched stub
    PASSED = "passed"  # the last run, on this very file, was all green
    FAILING = "failing"  # the last run, on this very file, failed
    CHANGED = "changed"  # the file changed since its last run (or was never run): no verdict on it yet


PASSED, FAILING, NOT_STARTED, CHANGED = Status.PASSED, Status.FAILING, Status.NOT_STARTED, Status.CHANGED


@dataclass(frozen=True)
class Recorded:
    """What state.json keeps of a kata's last run: whether it passed (the status), its counts (the progress table),
    and its first failure's id, task and outcome (``katas hint`` gives hints for that task)."""

    all_passed: bool
    passed: int
    failed: int
    first_failure: TestResult | None = None

    @property
    def total(self) -> int:
        return self.passed + self.failed

    @classmethod
    def of(cls, verdict: KataResult) -> Recorded:
        failure = verdict.first_failure
        kept = TestResult(failure.id, failure.kata, failure.task, failure.outcome) if failure else None
        return cls(verdict.all_passed, verdict.passed, verdict.failed, kept)

    def to_dict(self) -> dict:
        failure = self.first_failure
        kept = {"id": failure.id, "task": failure.task, "outcome": failure.outcome} if failure else None
        return {"all_passed": self.all_passed, "passed": self.passed, "failed": self.failed, "first_failure": kept}

    @classmethod
    def from_dict(cls, data: dict, kata: str) -> Recorded:
        failure = data["first_failure"]
        kept = TestResult(failure["id"], kata, failure["task"], failure["outcome"]) if failure else None
        return cls(bool(data["all_passed"]), int(data["passed"]), int(data["failed"]), kept)

    @classmethod
    def from_old(cls, data: dict, kata: str) -> Recorded:
        """From a whole verdict, as state.json kept it before (``"result"``), with the rule that version passed it by."""
        return cls.from_dict(data | {"all_passed": data["failed"] == 0 and data["passed"] > 0}, kata)


def state_dir(root: Path) -> Path:
    return root / ".katas"


def state_file(root: Path) -> Path:
    return state_dir(root) / "state.json"


def backup_dir(root: Path) -> Path:
    return state_dir(root) / "backups"


class State:
    """Per kata: the last run's result, the digest of the learner's file at that run, and the hints shown."""

    def __init__(self, root: Path, data: dict | None = None) -> None:
        self.root = root
        self._katas: dict[str, dict] = (data or {}).get("katas", {})
        self.last_kata: str | None = (data or {}).get("last")  # the kata the learner ran last

    @property
    def path(self) -> Path:
        return state_file(self.root)

    @classmethod
    def load(cls, root: Path) -> State:
        try:
            return cls(root, json.loads(state_file(root).read_text(encoding="utf-8")))
        except (FileNotFoundError, ValueError):
            return cls(root)

    def save(self) -> None:
        self.path.parent.mkdir(exist_ok=True)
        temporary = self.path.with_suffix(".tmp")
        temporary.write_text(json.dumps({"last": self.last_kata, "katas": self._katas}, indent=2), encoding="utf-8")
        temporary.replace(self.path)

    def _entry(self, kata: Kata) -> dict:
        return self._katas.setdefault(kata.folder, {})

    def record(self, kata: Kata, verdict: KataResult, digest: str | None) -> None:
        entry = self._entry(kata)
        entry.pop("result", None)  # as an older version kept it
        entry["last_run"], entry["digest"] = Recorded.of(verdict).to_dict(), digest

    def forget_run(self, kata: Kata) -> None:
        """Drop the kata's last verdict: its tests changed, so it holds for no file any more (status CHANGED)."""
        for key in ("last_run", "result", "digest"):
            self._katas.get(kata.folder, {}).pop(key, None)

    def result(self, kata: Kata) -> Recorded | None:
        """What is kept of the kata's last run (None: never run)."""
        entry = self._katas.get(kata.folder, {})
        try:
            if "last_run" in entry:
                return Recorded.from_dict(entry["last_run"], kata.folder)
            return Recorded.from_old(entry["result"], kata.folder) if entry.get("result") else None
        except (KeyError, TypeError, ValueError):  # not what this version writes: as if never run
            return None

    def hints_shown(self, kata: Kata, task: int) -> int:
        return self._katas.get(kata.folder, {}).get("hints_shown", {}).get(str(task), 0)

    def show_hint(self, kata: Kata, task: int) -> None:
        """Count one more hint of ``task`` as shown, on the kata's file as it is now."""
        shown = self._entry(kata).setdefault("hints_shown", {})
        shown[str(task)] = shown.get(str(task), 0) + 1
        self._entry(kata).setdefault("hint_digests", {})[str(task)] = file_digest(kata.stub_path)

    def status(self, kata: Kata) -> Status:
        """See :class:`Status`."""
        path = kata.stub_path
        if path.is_file() and is_untouched_stub(path.read_text(encoding="utf-8")):
            return NOT_STARTED
        result = self.result(kata)
        if result is None or self._katas.get(kata.folder, {}).get("digest") != file_digest(path):
            return CHANGED
        return PASSED if result.all_passed else FAILING

    def notebook_wrote(self, kata: Kata) -> str | None:
        """The digest of what a notebook's check cell last wrote into the kata's file (None: never)."""
        return self._katas.get(kata.folder, {}).get("notebook_wrote")

    def record_notebook_write(self, kata: Kata, digest: str | None) -> None:
        self._entry(kata)["notebook_wrote"] = digest

    def hint_shown_for(self, kata: Kata, task: int) -> str | None:
        """The digest of the kata's file when the latest hint of ``task`` was shown (None: no hint yet)."""
        return self._katas.get(kata.folder, {}).get("hint_digests", {}).get(str(task))

    def next_kata(self) -> Kata | None:
        """The first kata in curriculum order that is not passed (None when all are)."""
        return next((kata for kata in load_curriculum(self.root) if self.status(kata) != PASSED), None)


def run_and_record(
    katas: Sequence[Kata], on_progress: ProgressCallback | None = None, warm: WarmRunner | None = None
) -> tuple[State, dict[str, KataResult]]:
    """Run ``katas``; record each one's verdict against the digest its file had when the run began (see
    :func:`record`)."""
    return record(Run(katas, on_progress, warm))


def record(run: Run) -> tuple[State, dict[str, KataResult]]:
    """Wait for ``run`` to finish, record its verdicts in the learner's state; the new state, and each kata's
    verdict, by folder."""
    found = run.results()
    state = State.load(run.katas[0].root)
    verdicts = {kata.folder: KataResult.of(found.of_kata(kata.folder)) for kata in run.katas}
    for kata in run.katas:
        state.record(kata, verdicts[kata.folder], run.digests[kata.folder])
    if len(run.katas) == 1:
        state.last_kata = run.katas[0].folder
    state.save()
    return state, verdicts
