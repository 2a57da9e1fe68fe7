"""The curriculum: the ordered katas that ``katas/curriculum.toml`` lists, in the folder a learner works in.

Every path is relative to a *root*: the folder that holds ``katas/curriculum.toml``. That is a learner's
workspace (``katas init``: the katas, no reference solutions), a clone of this project (with ``reference/``
beside ``katas/``), or a class release; never where this package was installed from, so that an editable
install of one checkout still acts on the copy a learner stands in. The installed package carries the
curriculum too (:data:`INSTALLED_ROOT`), and its reference solutions (:data:`PACKAGED_REFERENCE`).
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from katas.core.layout import root_of

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

CURRICULUM_FILE = Path("katas", "curriculum.toml")
WORKSPACE_FILE = Path("katas", "workspace.json")  # what ``katas init`` and ``katas update`` wrote: see workspace.py
# The root of the installed curriculum: a checkout (editable install), or site-packages (the wheel's katas/ holds it)
INSTALLED_ROOT = Path(__file__).resolve().parents[2]
# The installed reference solutions: reference/ beside katas/ in a checkout, katas/reference/ in the wheel (setup.py)
PACKAGED_REFERENCE = next(
    (folder for folder in (INSTALLED_ROOT / "reference", INSTALLED_ROOT / "katas" / "reference") if folder.is_dir()),
    INSTALLED_ROOT / "katas" / "reference",
)

_TASK_HEADING = re.compile(r"^## Task (\d+)\s*[:.-]?\s*(.*)$", re.MULTILINE)
_HINT_ITEM = re.compile(r"^\d+\.\s+", re.MULTILINE)
POINTS_PER_TASK = 1
# The katas that katas.learner.pictures draws, by topic (a kata keeps its pictures when renumbered): known here, where
# the notebooks' writer and a release learn it without importing torch and matplotlib
PICTURE_TOPICS = frozenset(
    {
        "autograd",
        "vjp",
        "training_loop",
        "custom_autograd",
        "normalization",
        "convolution",
        "attention",
        "transformer",
        "mnist",
    }
)
AFTER_PASS, NEVER = "after-pass", "never"  # the solutions policies


class NoWorkspace(LookupError):
    """Neither the current folder nor any above it holds katas, and the package is no checkout to fall back on."""


def katas_at_or_above(folder: Path) -> Path | None:
    """The root (workspace, clone or release) at or above ``folder``, or None."""
    folder = folder.resolve()
    return next((above for above in (folder, *folder.parents) if (above / CURRICULUM_FILE).is_file()), None)


def find_root(start: Path | None = None) -> Path:
    """The workspace (or clone, or release) at or above ``start`` (default: the current folder); else the
    checkout this package is installed from, in an editable install."""
    here = (start or Path.cwd()).resolve()
    found = katas_at_or_above(here)
    if found is not None:
        return found
    if (INSTALLED_ROOT / "reference").is_dir():  # a contributor's checkout
        return INSTALLED_ROOT
    raise NoWorkspace(
        f"there are no katas in {here} or above it: `katas init` writes your own workspace (a folder torch-katas/), "
        "then `cd torch-katas`"
    )


def reference_folder(root: Path) -> Path:
    """Where the reference solutions of the katas at ``root`` are: its own ``reference/`` (a clone of this
    project), the installed package's (a learner's workspace), or nowhere (a class release: the path is missing)."""
    own = root / "reference"
    if own.is_dir() or not (root / WORKSPACE_FILE).is_file():
        return own
    return PACKAGED_REFERENCE


@dataclass(frozen=True)
class Kata:
    """One kata: a folder of lesson, stub, tests and hints, and its reference solution.

    A curriculum entry needs only ``folder`` and ``title``; ``module`` defaults to the folder's topic
    (``03_autograd`` → ``autograd.py``), ``hints`` to ``hints.md``, and ``points`` (what a task is worth in a
    grade: ``{ 5 = 3 }``, Task 5 is worth 3; ``2``, every task is worth 2) to POINTS_PER_TASK for every task.
    """

    root: Path
    folder: str
    title: str
    module: str = ""
    hints: str = "hints.md"
    points: int | dict[str, int] = field(default_factory=dict, hash=False, compare=False)

    def __post_init__(self) -> None:
        if not self.module:
            object.__setattr__(self, "module", f"{self.topic}.py")

    @property
    def number(self) -> int:
        return int(self.folder.split("_", 1)[0])

    @property
    def topic(self) -> str:
        return self.folder.split("_", 1)[1]

    @property
    def path(self) -> Path:
        return self.root / "katas" / self.folder

    @property
    def stub_path(self) -> Path:
        return self.path / self.module

    @property
    def reference_path(self) -> Path:
        return reference_folder(self.root) / self.folder / self.module

    @property
    def lesson_path(self) -> Path:
        return self.path / "README.md"

    @property
    def hints_path(self) -> Path:
        return self.path / self.hints

    @property
    def notebook_path(self) -> Path:
        return self.path / f"{self.topic}.ipynb"

    @property
    def has_pictures(self) -> bool:
        return self.topic in PICTURE_TOPICS

    def shown(self, path: Path) -> str:
        """``path`` as a learner types it: relative to the repository root."""
        try:
            return path.relative_to(self.root).as_posix()
        except ValueError:
            return str(path)

    def task_titles(self) -> dict[int, str]:
        """The lesson's tasks, from its ``## Task N: title`` headings."""
        return _task_titles(self.lesson_path)

    def task_points(self) -> dict[int, int]:
        """What each task of the lesson is worth in a grade."""
        tasks = self.task_titles()
        if isinstance(self.points, int):  # ``points = 2``: every task
            return dict.fromkeys(tasks, self.points)
        unknown = sorted(set(self.points) - {str(task) for task in tasks})
        if unknown:
            raise LookupError(f"{CURRICULUM_FILE}: {self.folder} gives points to tasks its lesson lacks: {unknown}")
        return {task: self.points.get(str(task), POINTS_PER_TASK) for task in tasks}

    def hints_by_task(self) -> dict[int, list[str]]:
        """The hints for each task, in the order they should be revealed."""
        text = self.hints_path.read_text(encoding="utf-8")
        sections = _TASK_HEADING.split(text)[1:]  # [number, title, body, number, title, body, ...]
        hints = {}
        for number, _title, body in zip(sections[::3], sections[1::3], sections[2::3]):
            items = _HINT_ITEM.split(body)[1:]
            hints[int(number)] = [_unindented(item) for item in items]
        return hints


def _unindented(item: str) -> str:
    """A numbered hint's text without the indentation that continues a Markdown list item on its next lines."""
    first, _, rest = item.strip().partition("\n")
    return "\n".join([first, *(line.strip() for line in rest.splitlines())]) if rest else first


@cache  # read once per process: every failing test of a run asks for its task's title
def _task_titles(lesson: Path) -> dict[int, str]:
    text = lesson.read_text(encoding="utf-8")
    return {int(number): title.strip() for number, title in _TASK_HEADING.findall(text)}


@cache
def _read(root: Path) -> dict:
    with (root / CURRICULUM_FILE).open("rb") as file:
        return tomllib.load(file)


@cache
def load_curriculum(root: Path = INSTALLED_ROOT) -> tuple[Kata, ...]:
    """Every kata of the repository at ``root``, in curriculum order."""
    return tuple(Kata(root=root, **entry) for entry in _read(root)["kata"])


def forget_read_files() -> None:
    """Read the curriculum and the lessons afresh from now on (they were just rewritten: ``katas new``)."""
    for cached in (_read, _task_titles, load_curriculum):
        cached.cache_clear()


def solutions_policy(root: Path = INSTALLED_ROOT) -> str:
    """When ``katas solution`` shows a kata's solution: ``after-pass`` (the default) or ``never``."""
    policy = _read(root).get("solutions", AFTER_PASS)
    if policy not in (AFTER_PASS, NEVER):
        raise LookupError(f"{CURRICULUM_FILE}: solutions = {policy!r}; it should be {AFTER_PASS!r} or {NEVER!r}")
    return policy


def hints_given(root: Path = INSTALLED_ROOT) -> bool:
    """Whether ``katas hint`` has hints to show: ``hints = false`` (a graded class release, whose katas hold no
    hints files) says it has none; the default is true."""
    given = _read(root).get("hints", True)
    if not isinstance(given, bool):
        raise LookupError(f"{CURRICULUM_FILE}: hints = {given!r}; it should be true or false")
    return given


def kata_containing(path: str | Path) -> Kata:
    """The kata whose folder (``<root>/katas/<folder>/`` or ``<root>/reference/<folder>/``) holds ``path``."""
    path = Path(path).resolve()
    folder, root = path.parent.name, root_of(path)
    for kata in load_curriculum(root):
        if kata.folder == folder:
            return kata
    raise LookupError(f"{path} is not inside a kata folder listed in {root / CURRICULUM_FILE}")


def find_kata(name: str, root: Path = INSTALLED_ROOT) -> Kata:
    """The kata a learner means by ``name``: ``3``, ``03``, ``03_autograd`` or ``autograd``."""
    for kata in load_curriculum(root):
        if name in (kata.folder, kata.topic) or (name.isdigit() and int(name) == kata.number):
            return kata
    raise LookupError(f"there is no kata called {name!r}; `katas list` shows them all")
