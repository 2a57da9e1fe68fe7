"""The learner's progress, derived from test results and kept in ``<root>/.katas/state.json`` (git-ignored)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from enum import Enum
from pathlib import Path

from katas.core.curriculum import Kata, load_curriculum
from katas.core.results import KataResult
from katas.core.stubs import file_digest, is_untouched_stub
from katas.runtime.runner import ProgressCallback, Run, WarmRunner


class Status(str, Enum):
    """Where the learner stands with a kata."""

    NOT_STARTED = "not started"  # the untouched stub
    PASSED = "passed"  # the last run, on this very file, was all green
    FAILING = "failing"  # the last run, on this very file, failed
    CHANGED = "changed"  # the file changed since its last run (or was never run): no verdict on it yet


PASSED, FAILING, NOT_STARTED, CHANGED = Status.PASSED, Status.FAILING, Status.NOT_STARTED, Status.CHANGED


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

    def record(self, kata: Kata, result: KataResult, digest: str | None) -> None:
        entry = self._entry(kata)
        entry["result"], entry["digest"] = result.to_dict(), digest

    def result(self, kata: Kata) -> KataResult | None:
        data = self._katas.get(kata.folder, {}).get("result")
        try:
            return KataResult.from_dict(data) if data else None
        except (KeyError, TypeError):  # written by an older version: as if never run
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
) -> State:
    """Run ``katas``; record each one's result against the digest its file had when the run began; the new state."""
    return record(Run(katas, on_progress, warm))


def record(run: Run) -> State:
    """Wait for ``run`` to finish, record its results in the learner's state, and return the state."""
    found = run.results()
    state = State.load(run.katas[0].root)
    for kata in run.katas:
        state.record(kata, found.kata_result(kata.folder), run.digests[kata.folder])
    if len(run.katas) == 1:
        state.last_kata = run.katas[0].folder
    state.save()
    return state
