"""The curriculum: the ordered katas listed in ``katas/curriculum.toml``."""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from functools import cache
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

KATAS_DIR = Path(__file__).resolve().parent.parent
REPO_ROOT = KATAS_DIR.parent
REFERENCE_DIR = REPO_ROOT / "reference"
CURRICULUM_FILE = KATAS_DIR / "curriculum.toml"

_TASK_HEADING = re.compile(r"^## Task (\d+)\s*[:.-]?\s*(.*)$", re.MULTILINE)
_HINT_ITEM = re.compile(r"^\d+\.\s+", re.MULTILINE)


@dataclass(frozen=True)
class Kata:
    """One kata: a folder of lesson, stub, tests and hints, and its reference solution."""

    folder: str
    title: str
    module: str
    hints: str

    @property
    def number(self) -> int:
        return int(self.folder.split("_", 1)[0])

    @property
    def path(self) -> Path:
        return KATAS_DIR / self.folder

    @property
    def stub_path(self) -> Path:
        return self.path / self.module

    @property
    def reference_path(self) -> Path:
        return REFERENCE_DIR / self.folder / self.module

    @property
    def lesson_path(self) -> Path:
        return self.path / "README.md"

    @property
    def hints_path(self) -> Path:
        return self.path / self.hints

    def task_titles(self) -> dict[int, str]:
        """The lesson's tasks, from its ``## Task N: title`` headings."""
        return _task_titles(self.lesson_path)

    def hints_by_task(self) -> dict[int, list[str]]:
        """The hints for each task, in the order they should be revealed."""
        text = self.hints_path.read_text(encoding="utf-8")
        sections = _TASK_HEADING.split(text)[1:]  # [number, title, body, number, title, body, ...]
        hints = {}
        for number, _title, body in zip(sections[::3], sections[1::3], sections[2::3]):
            items = _HINT_ITEM.split(body)[1:]
            hints[int(number)] = [item.strip() for item in items]
        return hints


@cache  # read once per process: every failing test of a run asks for its task's title
def _task_titles(lesson: Path) -> dict[int, str]:
    text = lesson.read_text(encoding="utf-8")
    return {int(number): title.strip() for number, title in _TASK_HEADING.findall(text)}


@cache
def load_curriculum() -> tuple[Kata, ...]:
    """Every kata, in curriculum order."""
    with CURRICULUM_FILE.open("rb") as file:
        entries = tomllib.load(file)["kata"]
    return tuple(Kata(**entry) for entry in entries)


def kata_containing(path: str | Path) -> Kata:
    """The kata whose folder (under ``katas/`` or ``reference/``) holds ``path``."""
    folder = Path(path).resolve().parent.name
    for kata in load_curriculum():
        if kata.folder == folder:
            return kata
    raise LookupError(f"{path} is not inside a kata folder listed in {CURRICULUM_FILE.name}")


def find_kata(name: str) -> Kata:
    """The kata a learner means by ``name``: ``3``, ``03``, ``03_autograd`` or ``autograd``."""
    for kata in load_curriculum():
        topic = kata.folder.split("_", 1)[1]
        if name in (kata.folder, topic) or (name.isdigit() and int(name) == kata.number):
            return kata
    raise LookupError(f"there is no kata called {name!r}; `katas list` shows them all")
