"""A class gradebook: the grade JSON files of a class (``katas grade --json``), one row per learner, as CSV.

The rules, as ``katas gradebook`` applies them:

- Files. Each argument is a grade file, or a folder: every ``*.json`` under it, at any depth, outside hidden
  folders (``<learner>.json`` and ``<learner>/grade.json`` both work). A file named twice counts once. Every file
  read must be a grade (``"schema": "torch-katas/grade"``, version 1 or 2): anything else is refused, naming each
  such file and why, and nothing is written. To leave other JSON files of a folder out, name the grades themselves
  (``grades/*/grade.json``).
- Learners. A learner's name is the file's stem (``alice.json``: alice), or its folder's name when the file is
  called ``grade.json`` (``alice/grade.json``: alice). Two files naming the same learner (compared regardless of
  case, as GitHub compares user names) are refused. Rows are in the order of the names.
- Katas. A column per kata, in curriculum order (the grades' own order; folder names break ties), headed with the
  kata's points, e.g. ``07_losses (6)``. A kata a learner's grade lacks (``katas grade 00 03``) is an empty cell,
  not a zero. A kata whose points differ between grades (a task that needs a GPU is not graded without one) is
  headed with the largest; :meth:`Gradebook.warnings` names the learners whose grade counts fewer.
- Then ``total`` and ``max`` (the grade's own points and maximum), ``valid`` (yes/no), ``problems`` (the grade's,
  then each kata's own from version 2, ``<kata>: <problem>``, and a note when the folder graded had changes not
  committed; joined by "; "), ``commit`` and ``commit date`` (version 2, as git gave it; empty for version 1 or a
  grade of a folder that was no git repository).
- Late. With a due date (:func:`parse_due`): ``late`` is yes when the commit's date is after it, no when not, and
  unknown without a commit date. A due date without a time means the end of that day in UTC; a date-time without
  an offset is UTC too (``2026-12-07T23:59:59+01:00`` gives one in another zone).
- CSV. UTF-8 with a byte-order mark (so that Excel reads it as UTF-8), a header row, CRLF line ends (RFC 4180); a
  text cell that a spreadsheet would take for a formula (=, +, -, @) starts with an apostrophe.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timezone
from functools import cached_property
from pathlib import Path

from katas.classroom.grade import SCHEMA

VERSIONS = (1, 2)  # the grade versions a gradebook reads
GRADE_FILE = "grade.json"  # a file of this name is named after its folder
CSV_ENCODING = "utf-8-sig"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")  # OWASP, "CSV Injection"
YES, NO, UNKNOWN = "yes", "no", "unknown"
JSON_KINDS = {int: "a whole number", str: "a string", bool: "true or false", list: "a list", dict: "an object"}


class GradebookRefused(Exception):
    """The grades cannot make a gradebook: each reason, one per line."""


class NotAGrade(ValueError):
    """A file that is not a grade JSON this katas reads."""


@dataclass
class LearnerGrade:
    """What a gradebook takes from one learner's grade file."""

    learner: str
    path: Path
    katas: dict[str, tuple[int, int]]  # kata folder: (points, max_points), in the grade's order
    points: int
    max_points: int
    valid: bool
    problems: list[str] = field(default_factory=list)
    commit: str | None = None
    commit_date: str | None = None  # as git gave it (%cI)

    def late(self, due: datetime) -> str:
        """yes, no or unknown: whether the graded commit is dated after ``due``."""
        if self.commit_date is None:
            return UNKNOWN
        return YES if _commit_date(self.commit_date) > due else NO


@dataclass
class Gradebook:
    """A class's grades, a row per learner, ready for CSV and the console."""

    grades: list[LearnerGrade]
    due: datetime | None = None

    @cached_property
    def katas(self) -> list[str]:
        return curriculum_order([list(grade.katas) for grade in self.grades])

    @cached_property
    def maxima(self) -> dict[str, int]:
        """Each kata's points: the most any grade gives it."""
        return {kata: max(grade.katas[kata][1] for grade in self.grades if kata in grade.katas) for kata in self.katas}

    def header(self) -> list[str]:
        late = ["late"] if self.due else []
        kata_columns = [f"{kata} ({points})" for kata, points in self.maxima.items()]
        return ["learner", *kata_columns, "total", "max", "valid", "problems", "commit", "commit date", *late]

    def rows(self) -> list[list[str | int]]:
        """A row per learner, in the header's columns; a kata the grade lacks is an empty cell."""
        return [
            [
                grade.learner,
                *(grade.katas[kata][0] if kata in grade.katas else "" for kata in self.katas),
                grade.points,
                grade.max_points,
                YES if grade.valid else NO,
                "; ".join(grade.problems),
                grade.commit or "",
                grade.commit_date or "",
                *([grade.late(self.due)] if self.due else []),
            ]
            for grade in self.grades
        ]

    def to_csv(self) -> str:
        """The gradebook as CSV text (write it with :data:`CSV_ENCODING` and ``newline=""``)."""
        text = io.StringIO()
        writer = csv.writer(text)
        writer.writerow([_safe_cell(cell) for cell in self.header()])
        writer.writerows([[_safe_cell(cell) for cell in row] for row in self.rows()])
        return text.getvalue()

    def warnings(self) -> list[str]:
        """Each kata whose points differ between grades, with the learners whose grade counts fewer."""
        found = []
        for kata, most in self.maxima.items():
            fewer = [
                f"{grade.learner} ({grade.katas[kata][1]})"
                for grade in self.grades
                if grade.katas.get(kata, (0, most))[1] < most
            ]
            if fewer:
                found.append(
                    f"{kata} is worth {most} points, but fewer in the grades of {', '.join(fewer)}: a task that needs "
                    "a GPU was not graded there, or another curriculum graded it"
                )
        return found


def read_gradebook(arguments: Sequence[Path], due: datetime | None = None) -> Gradebook:
    """The gradebook of the grade files and folders named by ``arguments``; :class:`GradebookRefused` if one is not
    a grade, a folder holds none, or two name the same learner."""
    return Gradebook(read_grades(grade_files(arguments)), due)


def grade_files(arguments: Sequence[Path]) -> list[Path]:
    """Every grade file the arguments name: a file as it is, a folder's ``*.json`` at any depth, each file once."""
    files, problems = [], []
    for argument in arguments:
        if argument.is_dir():
            found = sorted(path for path in argument.rglob("*.json") if path.is_file() and not _hidden(path, argument))
            files += found
            if not found:
                problems.append(f"{argument}: a folder with no .json file in it")
        elif argument.is_file():
            files.append(argument)
        else:
            problems.append(f"{argument}: no such file or folder")
    if problems:
        raise GradebookRefused(_refusal(problems))
    return list({path.resolve(): path for path in files}.values())


def read_grades(paths: Iterable[Path]) -> list[LearnerGrade]:
    """The grades in ``paths``, ordered by learner; :class:`GradebookRefused` naming every file that is not a
    grade, and every learner two files name."""
    grades, problems = [], []
    for path in paths:
        try:
            grades.append(read_grade(path))
        except NotAGrade as error:
            problems.append(f"{path}: {error}")
    if problems:
        problems.append("(to leave other JSON files of a folder out, name the grade files: grades/*/grade.json)")
    by_learner: dict[str, list[Path]] = {}
    for grade in grades:
        by_learner.setdefault(grade.learner.casefold(), []).append(grade.path)
    for same in by_learner.values():
        if len(same) > 1:
            problems.append(f"one learner, {len(same)} grades: {', '.join(map(str, same))} (keep one of them)")
    if problems:
        raise GradebookRefused(_refusal(problems))
    return sorted(grades, key=lambda grade: grade.learner.casefold())


def learner_name(path: Path) -> str:
    """``alice.json`` and ``alice/grade.json``: alice."""
    return path.resolve().parent.name if path.name == GRADE_FILE else path.stem


def read_grade(path: Path) -> LearnerGrade:
    """One learner's grade file; :class:`NotAGrade` saying why it is not one."""
    try:
        document = json.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, ValueError) as error:
        raise NotAGrade(f"not JSON ({error})") from error
    return learner_grade(learner_name(path), path, document)


def learner_grade(learner: str, path: Path, document: object) -> LearnerGrade:
    """What a gradebook needs of a grade ``document``; :class:`NotAGrade` if it is not one, of version 1 or 2."""
    if not isinstance(document, dict) or document.get("schema") != SCHEMA:
        raise NotAGrade(f'not a grade JSON (no "schema": "{SCHEMA}"; `katas grade --json FILE` writes one)')
    version = document.get("version")
    if version not in VERSIONS:
        raise NotAGrade(f"a grade of version {version!r}; this katas reads versions 1 and 2 (a newer katas wrote it?)")
    katas: dict[str, tuple[int, int]] = {}
    problems = [str(problem) for problem in _field(document, "problems", list)]
    for kata in _field(document, "katas", list):
        name = _field(kata, "kata", str)
        katas[name] = (_field(kata, "points", int), _field(kata, "max_points", int))
        if version >= 2 and kata.get("problem"):
            problems.append(f"{name}: {kata['problem']}")
    graded = _field(document, "graded", dict) if version >= 2 else {}
    commit, commit_date = graded.get("commit"), graded.get("commit_date")
    if commit is not None and not isinstance(commit, str):
        raise NotAGrade(f"a grade whose 'commit' is not a string ({json.dumps(commit)})")
    if commit_date is not None:
        _commit_date(commit_date)
    if graded.get("uncommitted_changes"):
        problems.append("graded with changes not committed: the points are not the commit's alone")
    return LearnerGrade(
        learner,
        path,
        katas,
        _field(document, "points", int),
        _field(document, "max_points", int),
        _field(document, "valid", bool),
        problems,
        commit,
        commit_date,
    )


def parse_due(text: str) -> datetime:
    """A due date given as ``2026-12-07`` (the end of that day, UTC) or an ISO date-time (UTC without an offset)."""
    try:
        day = date.fromisoformat(text)
    except ValueError:
        pass
    else:
        return datetime.combine(day, time.max, timezone.utc)
    try:
        due = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"{text!r} is no ISO date (2026-12-07) or date-time (2026-12-07T18:00+01:00)") from None
    return due if due.tzinfo else due.replace(tzinfo=timezone.utc)


def curriculum_order(sequences: Sequence[Sequence[str]]) -> list[str]:
    """Every kata of ``sequences`` once, each before the katas that follow it in any sequence; among katas free to
    come next, the first by folder name (NN_topic: curriculum order). A cycle (grades of two curricula whose katas
    were renumbered in between) is broken the same way."""
    after: dict[str, set[str]] = {}
    before_count: dict[str, int] = {}
    for sequence in sequences:
        for kata in sequence:
            after.setdefault(kata, set())
            before_count.setdefault(kata, 0)
        for first, then in zip(sequence, sequence[1:]):
            if then not in after[first]:
                after[first].add(then)
                before_count[then] += 1
    order: list[str] = []
    while before_count:
        kata = min([kata for kata, count in before_count.items() if count == 0] or before_count)
        order.append(kata)
        del before_count[kata]
        for then in after[kata]:
            if then in before_count:
                before_count[then] -= 1
    return order


def _refusal(problems: list[str]) -> str:
    lines = "\n".join(f"  {problem}" for problem in problems)
    return f"no gradebook written:\n{lines}"


def _field(mapping: object, key: str, kind: type) -> object:
    """``mapping[key]``, which must be of ``kind``; :class:`NotAGrade` naming the key if it is not."""
    value = mapping.get(key) if isinstance(mapping, dict) else None
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise NotAGrade(f"a grade whose {key!r} is not {JSON_KINDS[kind]} ({json.dumps(value)})")
    return value


def _commit_date(text: object) -> datetime:
    try:
        moment = datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise NotAGrade(f"a grade whose 'commit_date' is no ISO date-time with an offset ({json.dumps(text)})")
    return moment


def _safe_cell(cell: str | int) -> str | int:
    """A text cell a spreadsheet would read as a formula, behind an apostrophe."""
    return f"'{cell}" if isinstance(cell, str) and cell.startswith(FORMULA_STARTS) else cell


def _hidden(path: Path, folder: Path) -> bool:
    return any(part.startswith(".") for part in path.relative_to(folder).parts)
