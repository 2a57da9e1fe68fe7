"""The learner's progress, derived from test results and kept in ``.katas/state.json`` (git-ignored)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from katas._harness.curriculum import REPO_ROOT, Kata, load_curriculum
from katas._harness.stubs import is_untouched_stub

STATE_DIR = REPO_ROOT / ".katas"
STATE_FILE = STATE_DIR / "state.json"
BACKUP_DIR = STATE_DIR / "backups"

PASSED, FAILING, NOT_STARTED = "passed", "failing", "not started"


@dataclass
class Failure:
    """A failed (or errored) test: its name, its message, and the lesson's task it checks."""

    test: str
    message: str
    task: int | None


@dataclass
class KataResult:
    """One kata's outcome in a pytest run. GPU tests skipped for want of a GPU count neither way; any other
    skip (MNIST files missing) counts as a failure, so a kata never passes without its tests."""

    passed: int = 0
    failed: int = 0
    skipped: int = 0
    tasks: dict[int, list[int]] = field(default_factory=dict)  # task -> [passed, total]
    first_failure: Failure | None = None

    @property
    def total(self) -> int:
        return self.passed + self.failed

    @property
    def all_passed(self) -> bool:
        return self.failed == 0 and self.passed > 0

    @classmethod
    def from_dict(cls, data: dict) -> KataResult:
        failure = data.get("first_failure")
        return cls(
            passed=data["passed"],
            failed=data["failed"],
            skipped=data["skipped"],
            tasks={int(task): counts for task, counts in data["tasks"].items()},
            first_failure=Failure(**failure) if failure else None,
        )


def file_digest(path: Path) -> str | None:
    """The sha256 of ``path``'s bytes, or None when it is missing."""
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else None


class State:
    """Per kata: the last run's result, the digest of the learner's file at that run, and the hints shown."""

    def __init__(self, data: dict | None = None) -> None:
        self._katas: dict[str, dict] = (data or {}).get("katas", {})

    @classmethod
    def load(cls) -> State:
        try:
            return cls(json.loads(STATE_FILE.read_text(encoding="utf-8")))
        except (FileNotFoundError, ValueError):
            return cls()

    def save(self) -> None:
        STATE_DIR.mkdir(exist_ok=True)
        temporary = STATE_FILE.with_suffix(".tmp")
        temporary.write_text(json.dumps({"katas": self._katas}, indent=2), encoding="utf-8")
        temporary.replace(STATE_FILE)

    def _entry(self, kata: Kata) -> dict:
        return self._katas.setdefault(kata.folder, {})

    def record(self, kata: Kata, result: KataResult, digest: str | None) -> None:
        entry = self._entry(kata)
        entry["result"], entry["digest"] = asdict(result), digest

    def result(self, kata: Kata) -> KataResult | None:
        data = self._katas.get(kata.folder, {}).get("result")
        return KataResult.from_dict(data) if data else None

    def hints_shown(self, kata: Kata, task: int) -> int:
        return self._katas.get(kata.folder, {}).get("hints_shown", {}).get(str(task), 0)

    def show_hint(self, kata: Kata, task: int) -> None:
        shown = self._entry(kata).setdefault("hints_shown", {})
        shown[str(task)] = shown.get(str(task), 0) + 1

    def status(self, kata: Kata) -> str:
        """ "not started" (untouched stub), "passed" (last run all green on this very file), else "failing"."""
        path = kata.stub_path
        if path.is_file() and is_untouched_stub(path.read_text(encoding="utf-8")):
            return NOT_STARTED
        result, entry = self.result(kata), self._katas.get(kata.folder, {})
        if result and result.all_passed and entry.get("digest") == file_digest(path):
            return PASSED
        return FAILING

    def next_kata(self) -> Kata | None:
        """The first kata in curriculum order that is not passed (None when all are)."""
        return next((kata for kata in load_curriculum() if self.status(kata) != PASSED), None)
