"""The learner's progress, derived from test results and kept in ``<root>/.katas/state.json`` (git-ignored)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from katas._harness.curriculum import Kata, load_curriculum
from katas._harness.results import KataResult
from katas._harness.stubs import is_untouched_stub

PASSED, FAILING, NOT_STARTED = "passed", "failing", "not started"


def state_dir(root: Path) -> Path:
    return root / ".katas"


def state_file(root: Path) -> Path:
    return state_dir(root) / "state.json"


def backup_dir(root: Path) -> Path:
    return state_dir(root) / "backups"


def file_digest(path: Path) -> str | None:
    """The sha256 of ``path``'s bytes, or None when it is missing."""
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else None


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
        return next((kata for kata in load_curriculum(self.root) if self.status(kata) != PASSED), None)
