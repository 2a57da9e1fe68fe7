"""The class gradebook (``katas gradebook``): grade files of versions 1 and 2 made up for the purpose, read as a
teacher's folder of them; and once on real grades of a real class release.

Version 1 documents are built from grade.py's own types (the curriculum's katas, graded by ``grade_kata``); version 2
documents add, by hand, exactly the fields of the grade JSON's version 2: "graded" (commit, commit_date, graded_at,
python, torch), each kata's "problem" and each task's "hidden".
"""

import csv
import json
import os
import shutil
import subprocess
import sys
from dataclasses import asdict
from datetime import datetime, timezone
from pathlib import Path

import pytest

from katas.classroom.grade import SCHEMA, KataGrade, grade_kata
from katas.classroom.gradebook import (
    CSV_ENCODING,
    GradebookRefused,
    curriculum_order,
    learner_name,
    parse_due,
    read_gradebook,
)
from katas.classroom.manifest import TamperCheck
from katas.core.curriculum import INSTALLED_ROOT, find_kata
from katas.core.results import FAILED, PASSED, TestResult
from katas.learner import cli

COMMIT = "0123456789abcdef0123456789abcdef01234567"


def kata_grade(name: str, earned: tuple[int, ...] = ()) -> KataGrade:
    """A kata of the curriculum, graded on one test per task that passes for the tasks in ``earned``."""
    kata = find_kata(name, INSTALLED_ROOT)
    tests = [
        TestResult(
            f"katas/{kata.folder}/test_it.py::test_{task}", kata.folder, task, PASSED if task in earned else FAILED
        )
        for task in kata.task_points()
    ]
    return grade_kata(kata, tests)


def v1(*katas: KataGrade, problems: tuple[str, ...] = ()) -> dict:
    """A grade document of version 1 (the top of grade.py) for ``katas``."""
    return {
        "schema": SCHEMA,
        "version": 1,
        "valid": not problems,
        "problems": list(problems),
        "points": sum(kata.points for kata in katas),
        "max_points": sum(kata.max_points for kata in katas),
        "katas": [
            {
                "kata": kata.kata,
                "title": kata.title,
                "points": kata.points,
                "max_points": kata.max_points,
                "tasks": [asdict(task) for task in kata.tasks],
            }
            for kata in katas
        ],
        "tamper_check": asdict(TamperCheck("katas/manifest.json")),
        "run": {"exit_status": 1, "tests": []},
    }


def v2(*katas: KataGrade, commit_date: str | None = "2026-12-07T18:00:00+01:00", problem: str | None = None) -> dict:
    """A grade document of version 2 for ``katas``; ``problem`` stopped the grading of the first kata."""
    document = v1(*katas)
    document["version"] = 2
    document["graded"] = {
        "commit": COMMIT if commit_date else None,
        "commit_date": commit_date,
        "graded_at": "2026-12-07T17:05:00+00:00",
        "python": "3.11.7",
        "torch": "2.9.1",
    }
    for index, kata in enumerate(document["katas"]):
        kata["problem"] = problem if index == 0 else None
        for task in kata["tasks"]:
            task["hidden"] = []
    return document


def write(path: Path, document: object) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(document if isinstance(document, str) else json.dumps(document), encoding="utf-8")
    return path


def csv_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding=CSV_ENCODING, newline="") as file:
        return list(csv.DictReader(file))


def full_points(name: str) -> int:
    return sum(find_kata(name, INSTALLED_ROOT).task_points().values())


def gradebook_command(capsys, *args: str | Path, expect: int = 0) -> str:
    """``katas gradebook`` run in this process: its console output (plain lines, as when piped)."""
    with pytest.raises(SystemExit) as exited:
        cli.main(["gradebook", *map(str, args)])
    output = capsys.readouterr().out
    assert exited.value.code == expect, f"katas gradebook exited with {exited.value.code}:\n{output}"
    return output


# --- Rows and columns ------------------------------------------------------------------------------


def test_a_row_per_learner_from_version_1_and_2_files_and_a_folder_with_a_column_per_kata(tmp_path, capsys):
    grades = tmp_path / "grades"
    write(grades / "alice.json", v1(kata_grade("00", (1, 2)), kata_grade("01", (1,))))
    write(grades / "bob" / "grade.json", v2(kata_grade("00", (1,)), kata_grade("01", (1, 2, 3))))
    book = tmp_path / "book.csv"
    output = gradebook_command(capsys, grades, "--csv", book)

    tensors, stack = (find_kata(name, INSTALLED_ROOT) for name in ("00", "01"))
    header = ["learner", f"00_tensors ({full_points('00')})", f"01_stack_vs_cat ({full_points('01')})"]
    header += ["total", "max", "valid", "problems", "commit", "commit date"]
    rows = csv_rows(book)
    assert list(rows[0]) == header
    alice, bob = ({key: row[key] for key in header} for row in rows)
    points = [tensors.task_points(), stack.task_points()]
    alice_total = points[0][1] + points[0][2] + points[1][1]
    assert alice == dict(zip(header, ["alice", str(points[0][1] + points[0][2]), str(points[1][1]), str(alice_total),
                                      str(full_points("00") + full_points("01")), "yes", "", "", ""]))  # fmt: skip
    bob_total = points[0][1] + points[1][1] + points[1][2] + points[1][3]
    assert bob["learner"] == "bob" and bob["total"] == str(bob_total), bob
    assert (bob["commit"], bob["commit date"]) == (COMMIT, "2026-12-07T18:00:00+01:00"), bob
    assert book.read_bytes().startswith(b"\xef\xbb\xbf"), "Excel reads a CSV as UTF-8 only after a byte-order mark"
    assert "alice" in output and f"{bob_total}/{full_points('00') + full_points('01')}" in output, output
    assert f"Wrote {book}" in output, output


def test_a_kata_a_grade_lacks_is_an_empty_cell_and_katas_come_in_curriculum_order(tmp_path):
    write(tmp_path / "alice.json", v1(kata_grade("00"), kata_grade("03")))
    write(tmp_path / "bob.json", v1(kata_grade("01"), kata_grade("02", (1,))))
    book = read_gradebook([tmp_path])
    assert book.katas == ["00_tensors", "01_stack_vs_cat", "02_unsqueeze", "03_autograd"]
    alice, bob = book.rows()
    assert alice[1:5] == [0, "", "", 0], "a kata not graded is empty, not zero"
    assert bob[1:5] == ["", 0, find_kata("02", INSTALLED_ROOT).task_points()[1], ""]


def test_curriculum_order_follows_every_grade_and_breaks_ties_by_folder_name():
    assert curriculum_order([["00_a", "05_f"], ["01_b", "02_c", "03_d", "04_e"]]) == [
        "00_a", "01_b", "02_c", "03_d", "04_e", "05_f"
    ]  # fmt: skip
    assert curriculum_order([["10_x", "02_y"]]) == ["10_x", "02_y"], "the grades' own order comes first"
    assert curriculum_order([["a", "b"], ["b", "a"]]) == ["a", "b"], "a cycle is broken by name"


def test_a_learner_is_named_by_the_file_or_by_the_folder_of_a_grade_json():
    assert learner_name(Path("grades", "alice.json")) == "alice"
    assert learner_name(Path("grades", "alice", "grade.json")) == "alice"
    assert learner_name(Path("grades", "alice", "grades.json")) == "grades"


def test_a_folder_is_read_at_any_depth_outside_hidden_folders_and_a_file_named_twice_counts_once(tmp_path):
    alice = write(tmp_path / "alice.json", v1(kata_grade("01")))
    write(tmp_path / "class" / "2026" / "bob" / "grade.json", v2(kata_grade("01")))
    write(tmp_path / ".cache" / "stale.json", "not a grade")
    book = read_gradebook([tmp_path, alice])
    assert [grade.learner for grade in book.grades] == ["alice", "bob"]


def test_a_kata_s_own_problem_and_an_invalid_grade_s_problems_are_in_the_row_and_formulas_are_defused(tmp_path, capsys):
    document = v2(kata_grade("00"), kata_grade("01"), problem="its grading process exited (os._exit(0) in the stub)")
    document["valid"] = False
    document["problems"] = ["=HYPERLINK(1)_test.py was not in the release, and pytest reads it"]
    document["graded"]["uncommitted_changes"] = True  # grade.py's version 2 has this field too
    write(tmp_path / "alice.json", document)
    book = tmp_path / "book.csv"
    output = gradebook_command(capsys, tmp_path / "alice.json", "--csv", book)
    (row,) = csv_rows(book)
    assert row["valid"] == "no", row
    assert row["problems"] == (
        "'=HYPERLINK(1)_test.py was not in the release, and pytest reads it; "
        "00_tensors: its grading process exited (os._exit(0) in the stub); "
        "graded with changes not committed: the points are not the commit's alone"
    ), "a text cell a spreadsheet reads as a formula starts with an apostrophe"
    assert "alice: =HYPERLINK(1)_test.py was not in the release" in output, output


def test_a_kata_worth_fewer_points_in_one_grade_is_headed_with_the_most_and_named_in_a_warning(tmp_path):
    full, without_gpu = v1(kata_grade("01", (1,))), v1(kata_grade("01", (1,)))
    without_gpu["katas"][0]["max_points"] -= 1  # as where a task needs a GPU and the grader has none
    without_gpu["max_points"] -= 1
    write(tmp_path / "alice.json", full)
    write(tmp_path / "bob.json", without_gpu)
    book = read_gradebook([tmp_path])
    most = full_points("01")
    assert book.header()[1] == f"01_stack_vs_cat ({most})"
    (warning,) = book.warnings()
    assert f"01_stack_vs_cat is worth {most} points, but fewer in the grades of bob ({most - 1})" in warning


# --- Due dates -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("due", "expected"),
    [
        ("2026-12-07", datetime(2026, 12, 7, 23, 59, 59, 999999, timezone.utc)),
        ("2026-12-07T18:00:00+01:00", datetime(2026, 12, 7, 17, tzinfo=timezone.utc)),
        ("2026-12-07T18:00Z", datetime(2026, 12, 7, 18, tzinfo=timezone.utc)),
        ("2026-12-07T18:00", datetime(2026, 12, 7, 18, tzinfo=timezone.utc)),
    ],
)
def test_a_due_date_is_the_end_of_its_day_in_utc_and_a_date_time_without_offset_is_utc(due, expected):
    assert parse_due(due) == expected


def test_a_due_date_that_is_no_iso_date_is_refused_by_the_command(capsys):
    with pytest.raises(SystemExit) as exited:
        cli.main(["gradebook", "grades", "--due", "7/12/2026"])
    assert exited.value.code == 2
    assert "'7/12/2026' is no ISO date (2026-12-07)" in capsys.readouterr().err


def test_late_is_yes_for_a_commit_dated_after_the_due_date_and_unknown_without_a_commit_date(tmp_path, capsys):
    for learner, commit_date in (
        ("on_time", "2026-12-08T00:30:00+01:00"),  # 23:30 UTC on the due day
        ("just_in_time", "2026-12-07T23:59:59+00:00"),
        ("late", "2026-12-07T20:00:00-05:00"),  # 01:00 UTC the next day
        ("no_git", None),
    ):
        write(tmp_path / f"{learner}.json", v2(kata_grade("01"), commit_date=commit_date))
    write(tmp_path / "version_1.json", v1(kata_grade("01")))
    book = tmp_path / "book.csv"
    output = gradebook_command(capsys, tmp_path, "--csv", book, "--due", "2026-12-07")
    late = {row["learner"]: row["late"] for row in csv_rows(book)}
    expected = {"on_time": "no", "just_in_time": "no", "late": "yes", "no_git": "unknown", "version_1": "unknown"}
    assert late == expected
    assert "late: committed after 2026-12-07T23:59:59+00:00" in output, output


# --- Bad input: a clear error, and nothing written -------------------------------------------------


def test_files_that_are_not_grades_are_each_named_and_nothing_is_written(tmp_path, capsys):
    grades = tmp_path / "grades"
    write(grades / "alice.json", v1(kata_grade("01")))
    version_2_without_graded = v2(kata_grade("01"))
    del version_2_without_graded["graded"]
    bad = {
        "broken.json": ("{", "not JSON"),
        "results.json": ({"schema": "torch-katas/results", "version": 1, "tests": []}, "not a grade JSON"),
        "future.json": ({**v1(kata_grade("01")), "version": 3}, "a grade of version 3; this katas reads versions 1"),
        "partial.json": (version_2_without_graded, "a grade whose 'graded' is not an object (null)"),
        "naive.json": (
            v2(kata_grade("01"), commit_date="2026-12-07T18:00:00"),
            "a grade whose 'commit_date' is no ISO date-time with an offset",
        ),
        "text.json": (
            {**v1(kata_grade("01")), "points": "13"},
            """a grade whose 'points' is not a whole number ("13")""",
        ),
    }
    for name, (document, _) in bad.items():
        write(grades / name, document)
    book = write(tmp_path / "book.csv", "last week's gradebook")
    output = gradebook_command(capsys, grades, "--csv", book, expect=2)
    assert output.startswith("katas: no gradebook written:"), output
    for name, (_, why) in bad.items():
        assert f"{grades / name}: {why}" in output, f"{name} should be named with why:\n{output}"
    assert "alice.json" not in output, output
    assert book.read_text(encoding="utf-8") == "last week's gradebook", "a refused gradebook writes nothing"


def test_the_gradebook_never_overwrites_a_grade(tmp_path, capsys):
    grade = write(tmp_path / "alice.json", v1(kata_grade("01")))
    output = gradebook_command(capsys, tmp_path, "--csv", grade, expect=2)
    assert f"--csv {grade} is one of the grades" in output, output
    assert json.loads(grade.read_text(encoding="utf-8"))["schema"] == SCHEMA


def test_two_files_naming_one_learner_are_refused(tmp_path):
    first = write(tmp_path / "week1" / "Alice.json", v1(kata_grade("01")))
    second = write(tmp_path / "week2" / "alice" / "grade.json", v2(kata_grade("01")))
    with pytest.raises(GradebookRefused, match="one learner, 2 grades") as refused:
        read_gradebook([tmp_path])
    assert f"{first}, {second}" in str(refused.value)


def test_a_missing_path_and_a_folder_without_grades_are_refused(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(GradebookRefused) as refused:
        read_gradebook([tmp_path / "empty", tmp_path / "absent.json"])
    assert f"{tmp_path / 'empty'}: a folder with no .json file in it" in str(refused.value)
    assert f"{tmp_path / 'absent.json'}: no such file or folder" in str(refused.value)


# --- On real grades of a real release --------------------------------------------------------------


def in_folder(folder: Path, *command: str | Path, env: dict[str, str] | None = None) -> str:
    """Run ``command`` in ``folder``; it must succeed. ``python -m katas.learner.cli`` there runs that folder's
    own harness (``-m`` puts the current folder first on the path), as a learner's copy of a release runs it."""
    environment = {key: value for key, value in os.environ.items() if key not in ("KATAS_REFERENCE", "NO_COLOR")}
    environment |= {"NO_COLOR": "1", "GIT_CONFIG_NOSYSTEM": "1", **(env or {})}
    completed = subprocess.run(command, cwd=folder, env=environment, capture_output=True, text=True, timeout=300)
    output = completed.stdout + completed.stderr
    assert completed.returncode == 0, f"{' '.join(map(str, command))} exited with {completed.returncode}:\n{output}"
    return output


@pytest.mark.timeout(300)
def test_the_gradebook_of_two_learners_graded_in_copies_of_a_real_release(tmp_path):
    katas = (sys.executable, "-m", "katas.learner.cli")
    release, grades = tmp_path / "release", tmp_path / "grades"
    in_folder(INSTALLED_ROOT, *katas, "release", release)
    solved = find_kata("01", INSTALLED_ROOT)  # grades in seconds
    alice, bob = (Path(shutil.copytree(release, tmp_path / name, symlinks=True)) for name in ("alice", "bob"))
    shutil.copy(solved.reference_path, alice / solved.shown(solved.stub_path))
    author = ("-c", "user.name=Alice", "-c", "user.email=alice@example.org")
    in_folder(alice, "git", *author, "commit", "-qam", "Solve 01", env={"GIT_COMMITTER_DATE": "2026-12-08T09:00:00Z"})
    grades.mkdir()
    in_folder(alice, *katas, "grade", "01", "--json", grades / "alice.json")
    (grades / "bob").mkdir()
    in_folder(bob, *katas, "grade", "01", "--json", grades / "bob" / "grade.json")

    book = tmp_path / "book.csv"
    output = in_folder(INSTALLED_ROOT, *katas, "gradebook", grades, "--csv", book, "--due", "2026-12-07")
    rows = {row["learner"]: row for row in csv_rows(book)}
    column = f"{solved.folder} ({full_points('01')})"
    assert (rows["alice"][column], rows["bob"][column]) == (str(full_points("01")), "0"), rows
    assert {(row["valid"], row["problems"]) for row in rows.values()} == {("yes", "")}, rows
    head = in_folder(alice, "git", "rev-parse", "HEAD").strip()
    assert (rows["alice"]["commit"], rows["alice"]["late"]) == (head, "yes"), rows["alice"]
    assert f"Wrote {book}" in output, output
