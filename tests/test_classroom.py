"""Classroom mode, the way a teacher and a class meet it: the real ``katas release`` into a temporary folder, then
``katas``, ``pytest`` and ``katas grade`` run there as a learner (and the class's workflow) runs them."""

import dataclasses
import io
import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import pytest
from rich.console import Console

from katas.authoring.notebooks import REPOSITORY
from katas.classroom import manifest
from katas.classroom.grade import DATA_MISSING, EARNED, NEEDS_GPU, NOT_EARNED, grade_kata
from katas.classroom.graded import UnpairedMarker, graded_curriculum, graded_lesson
from katas.core import results
from katas.core.curriculum import INSTALLED_ROOT, NEVER, find_kata, hints_given, load_curriculum, solutions_policy
from katas.core.results import TestResult
from katas.notebook import NotebookKata
from katas.runtime.runner import WarmRunner
from tests import warm_command

pytestmark = pytest.mark.timeout(600)  # each test runs the katas command, or pytest, in a subprocess

KATAS = load_curriculum(INSTALLED_ROOT)
SOLVED = find_kata("01", INSTALLED_ROOT)  # a kata that grades in seconds (the MNIST capstone trains for minutes)


def command_in(folder: Path, *command: str | Path, expect: int = 0) -> str:
    """The output of ``command`` run in ``folder``, which must exit with ``expect``."""
    completed = subprocess.run(command, cwd=folder, env=environment(), capture_output=True, text=True, timeout=500)
    return checked(completed, " ".join(map(str, command)), expect)


def katas_in(folder: Path, *args: str | Path, expect: int = 0) -> str:
    """The output of the ``katas`` command run in ``folder`` (its ``main`` forked from a warm interpreter:
    tests/warm_command.py), which must exit with ``expect``."""
    completed = warm_command.run(args, folder, environment(), timeout=500)
    return checked(completed, " ".join(map(str, ["katas", *args])), expect)


def environment() -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key not in ("KATAS_REFERENCE", "NO_COLOR")}
    return env | {"NO_COLOR": "1", "COLUMNS": "200", "GIT_CONFIG_NOSYSTEM": "1"}


def checked(completed, shown: str, expect: int) -> str:
    output = completed.stdout + completed.stderr
    assert completed.returncode == expect, f"{shown} exited with {completed.returncode}, not {expect}:\n{output}"
    return output


def git(folder: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=folder, capture_output=True, check=True).stdout.decode(errors="replace")


@pytest.fixture(scope="module")
def release(tmp_path_factory) -> Path:
    """A class release of this checkout, made with the real command."""
    target = tmp_path_factory.mktemp("release") / "class"
    katas_in(INSTALLED_ROOT, "release", target)
    return target


CLASS_REPOSITORY = "https://github.com/a-school/pytorch-2027.git"


@pytest.fixture(scope="module")
def graded_release(tmp_path_factory) -> Path:
    """A graded class release of this checkout whose notebooks clone the class's repository."""
    target = tmp_path_factory.mktemp("graded") / "class"
    katas_in(INSTALLED_ROOT, "release", target, "--graded", "--repository", CLASS_REPOSITORY)
    return target


@pytest.fixture
def learner(release: Path, tmp_path: Path) -> Path:
    """A learner's copy of the release (its git history included), theirs to change."""
    return Path(shutil.copytree(release, tmp_path / "learner", symlinks=True))


def grade_in(folder: Path, *args: str, expect: int = 0) -> dict:
    """The JSON grade ``katas grade`` writes in ``folder``."""
    path = folder.parent / "grade.json"
    katas_in(folder, "grade", *args, "--json", path, expect=expect)
    return json.loads(path.read_text(encoding="utf-8"))


# --- What a release holds -----------------------------------------------------------------------


def test_a_release_is_one_commit_of_every_kata_the_harness_the_workflow_and_the_manifest(release):
    files = set(git(release, "ls-files").splitlines())
    for kata in KATAS:
        kata_files = {path.relative_to(INSTALLED_ROOT).as_posix() for path in kata.path.iterdir() if path.is_file()}
        assert kata_files <= files, f"the release lacks {sorted(kata_files - files)}"
    expected = {"README.md", "pyproject.toml", "katas/curriculum.toml", "katas/learner/cli.py"}
    expected |= {".github/workflows/grade.yml", "constraints.txt", "katas/manifest.json", "katas/testing/__init__.py"}
    assert expected <= files, f"the release lacks {sorted(expected - files)}"
    left_out = sorted(name for name in files if name.split("/")[0] in ("reference", "tests", "tools", ".ci"))
    assert not left_out, f"the release should leave out the reference, the project's tests and tools: {left_out}"
    assert ".github/workflows/ci.yml" not in files, "the project's own CI is not the class's"
    assert git(release, "rev-list", "--all", "--count").strip() == "1", "a release is a fresh repository, one commit"
    assert git(release, "status", "--porcelain") == "", "everything the release holds should be committed"


def distinctive_reference_lines() -> dict[str, set[str]]:
    """For each kata, the lines of its reference that no file under katas/ holds (stub, tests, hints, harness)."""
    released = "\n".join(
        path.read_text(encoding="utf-8", errors="replace")
        for path in (INSTALLED_ROOT / "katas").rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    )
    lines = {}
    for kata in KATAS:
        code = (line.strip() for line in kata.reference_path.read_text(encoding="utf-8").splitlines())
        lines[kata.folder] = {line for line in code if len(line) >= 16 and not line.startswith("#")}
        lines[kata.folder] = {line for line in lines[kata.folder] if line not in released}
        assert len(lines[kata.folder]) >= 5, f"too few distinctive lines in {kata.reference_path} to search for"
    return lines


def test_no_file_and_no_git_object_of_the_release_holds_reference_code(release):
    objects = subprocess.run(
        ["git", "cat-file", "--batch-all-objects", "--batch"], cwd=release, capture_output=True, check=True
    ).stdout.decode(errors="replace")
    files = {
        path.relative_to(release).as_posix(): path.read_text(encoding="utf-8", errors="replace")
        for path in release.rglob("*")
        if path.is_file() and ".git" not in path.relative_to(release).parts
    }
    for folder, lines in distinctive_reference_lines().items():
        leaks = [
            (name, line) for name, text in {**files, "git objects": objects}.items() for line in lines if line in text
        ]
        assert not leaks, f"reference code of {folder} in the release: {leaks[:5]}"


def test_the_release_readme_has_a_section_for_learners_and_none_for_the_project_s_developers(release):
    readme = (release / "README.md").read_text(encoding="utf-8")
    assert "## For learners of a class" in readme and "`katas grade`" in readme, readme[:2000]
    assert readme.index("## For learners of a class") < readme.index("## Quick start"), "learners should read it first"
    for developers_only in ("## The reference solutions", "## Adding a kata", "## Teaching a class", "tools/"):
        assert developers_only not in readme, f"the release's README should not have {developers_only!r}"
    assert "<!--" not in readme, "the markers of the developers' parts should go with them"


def test_the_teachers_readme_shows_the_three_commands():
    readme = (INSTALLED_ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Teaching a class") :]
    for command in ("katas release ", "katas grade --json", "katas gradebook ", ".github/workflows/grade.yml"):
        assert command in section, f"the README's section for teachers should show {command!r}"


def test_the_release_pins_its_grader_and_protects_the_pins_and_the_workflow(release):
    pinned = (release / "constraints.txt").read_text(encoding="utf-8")
    workflow = (release / ".github/workflows/grade.yml").read_text(encoding="utf-8")
    torch = next(line for line in pinned.splitlines() if line.startswith("torch=="))
    assert torch in workflow and "--index-url https://download.pytorch.org/whl/cpu" in workflow, workflow
    recorded = json.loads((release / "katas/manifest.json").read_text(encoding="utf-8"))["files"]
    assert {"constraints.txt", ".github/workflows/grade.yml"} <= set(recorded), sorted(recorded)


# --- A graded release ---------------------------------------------------------------------------


def answer_lines(release: Path) -> dict[str, set[str]]:
    """For each kata, the lines of its reference that would give an answer away, as the teacher's checkout has it.

    A line counts when, stripped, it has at least 20 characters and is not a comment, a decorator, an import, a
    ``def``/``class`` line or ``return <name>``; and when no Python file of ``release`` holds it (the stubs, the
    tests, the harness: code the class is handed anyway, such as a stub's given helper or a test's
    ``optimizer.zero_grad()``)."""
    handed_out = "\n".join(
        path.read_text(encoding="utf-8") for path in release.rglob("*.py") if ".git" not in path.parts
    )
    trivial = re.compile(r"#|@|(import|from|def|class|async def) |return [\w.]+$")
    lines = {}
    for kata in KATAS:
        code = {line.strip() for line in kata.reference_path.read_text(encoding="utf-8").splitlines()}
        lines[kata.folder] = {
            line for line in code if len(line) >= 20 and not trivial.match(line) and line not in handed_out
        }
    return lines


def answers_in(release: Path) -> dict[str, list[str]]:
    """The answer lines (see :func:`answer_lines`) that a file of ``release`` holds: {path: lines}."""
    lines = set().union(*answer_lines(release).values())
    found = {}
    for path in sorted(release.rglob("*")):
        if path.is_file() and ".git" not in path.relative_to(release).parts and path.suffix != ".py":
            text = path.read_text(encoding="utf-8", errors="replace")
            if text.startswith("{"):  # a notebook: its cells' text, as JSON escapes it
                text = "\n".join("".join(cell["source"]) for cell in json.loads(text).get("cells", []))
            held = sorted(line for line in lines if line in text)
            if held:
                found[path.relative_to(release).as_posix()] = held
    return found


def test_a_graded_lesson_leaves_out_marked_blocks_and_spans_and_states_its_graded_only_rules():
    lesson = (
        "Pick one entry per row<!-- solution -->: `gather`<!-- end solution -->.<!-- graded: Match torch. -->\n\n"
        "<!-- solution -->\n```python\nanswer()\n```\n<!-- end solution -->\n\n"
        "Stuck?<!-- hints --> See hints.md.<!-- end hints -->\n"
    )
    assert graded_lesson(lesson) == "Pick one entry per row. Match torch.\n\nStuck?\n"
    with pytest.raises(UnpairedMarker, match="<!-- solution -->"):
        graded_lesson("a <!-- solution --> b <!-- end hints -->")


def test_a_graded_curriculum_says_never_and_no_hints_in_place_of_earlier_settings():
    curriculum = '# comment\nsolutions = "after-pass"\n\n[[kata]]\nfolder = "00_x"\nhints = "tips.md"\n'
    assert graded_curriculum(curriculum) == (
        '# comment\n\nsolutions = "never"\nhints = false\n\n[[kata]]\nfolder = "00_x"\nhints = "tips.md"\n'
    )


def test_a_graded_release_holds_no_line_of_a_worked_solution(graded_release, release):
    leaks = answers_in(graded_release)
    assert not leaks, f"answer lines in the graded release: {leaks}"
    counted = sum(len(lines) for lines in answer_lines(graded_release).values())
    in_release = len(set().union(*answers_in(release).values()))
    print(f"answer lines: {counted}; in a release's files: {in_release}; in a graded release's: 0")


def test_a_graded_release_has_no_hints_and_shows_no_solutions(graded_release):
    for kata in KATAS:
        assert not (graded_release / kata.shown(kata.hints_path)).exists(), f"{kata.folder}'s hints are in the release"
        lesson = (graded_release / kata.shown(kata.lesson_path)).read_text(encoding="utf-8")
        assert "<!-- solution -->" not in lesson and "<!-- hints -->" not in lesson and "hints.md" not in lesson
        titles = re.findall(r"^## Task (\d+)", lesson, re.MULTILINE)
        assert [int(task) for task in titles] == list(kata.task_titles()), f"{kata.folder}: a task went missing"
    assert (solutions_policy(graded_release), hints_given(graded_release)) == (NEVER, False)
    assert katas_in(graded_release, "hint", "00").startswith("Hints are not part of this class:")
    output = katas_in(graded_release, "solution", "00", "--force", expect=1)
    assert "This course shows no solutions" in output and "the lesson are your guide" in output, output
    readme = (graded_release / "README.md").read_text(encoding="utf-8")
    assert "This is graded work: there are no hints" in readme and CLASS_REPOSITORY in readme, readme[:3000]


def test_a_graded_release_s_notebooks_clone_the_class_repository_and_offer_no_hints(graded_release):
    for kata in KATAS:
        cells = json.loads((graded_release / kata.shown(kata.notebook_path)).read_text(encoding="utf-8"))["cells"]
        install = "".join(cells[0]["source"])
        assert f'REPOSITORY = "{CLASS_REPOSITORY}"' in install and REPOSITORY not in install, install
        sources = ["".join(cell["source"]) for cell in cells]
        assert "k.hint()" not in sources and "k.solution()" not in sources, f"{kata.folder}: {sources[-2:]}"


def test_a_release_s_notebooks_never_clone_the_upstream_repository(release):
    for kata in KATAS:
        text = (release / kata.shown(kata.notebook_path)).read_text(encoding="utf-8")
        install = "".join(json.loads(text)["cells"][0]["source"])
        assert 'REPOSITORY = ""' in install and "raise SystemExit" in install, install
        assert REPOSITORY not in text, f"{kata.folder}'s notebook names the upstream repository"
    assert REPOSITORY not in (release / "README.md").read_text(encoding="utf-8")


def test_a_notebook_in_a_graded_release_checks_and_says_hints_and_solutions_are_not_given(graded_release, tmp_path):
    copy = Path(shutil.copytree(graded_release, tmp_path / "learner", symlinks=True))
    shown = io.StringIO()
    k = NotebookKata(find_kata(SOLVED.folder, copy), Console(file=shown, width=200, highlight=False), WarmRunner())
    k.check()
    k.hint()
    k.solution()
    output = shown.getvalue()
    assert "0 of" in output and f"the lesson, {SOLVED.shown(SOLVED.lesson_path)}, states it" in output, output
    assert "Hints are not part of this class" in output and "the tests and the lesson are your guide" in output
    assert "k.hint()" not in output and "`katas " not in output, output


def test_a_notebook_in_a_release_gives_hints_and_sends_to_the_teacher_for_solutions(learner):
    shown = io.StringIO()
    k = NotebookKata(find_kata(SOLVED.folder, learner), Console(file=shown, width=200, highlight=False))
    k.hint()
    k.solution()
    output = shown.getvalue()
    assert "— hint 1 of" in output and "holds no solutions (it is a class release)" in output, output


# --- A learner's loop in the release ------------------------------------------------------------


def test_pytest_in_the_release_fails_on_the_stubs_without_errors_and_refuses_the_reference(learner):
    path = learner.parent / "results.json"
    command_in(learner, sys.executable, "-m", "pytest", SOLVED.shown(SOLVED.path), f"--katas-results={path}", expect=1)
    outcomes = {(test.outcome, test.skip_kind) for test in results.load(path).tests}
    assert outcomes - {("skipped", "gpu")} == {("failed", None)}, f"every test should fail on the stub: {outcomes}"
    output = command_in(learner, sys.executable, "-m", "pytest", "--reference", expect=4)
    assert "it is a class release, and the solutions are with your teacher" in output, output
    assert "Traceback" not in output, output


def test_reset_restores_the_first_commit_s_stub_and_solution_points_to_the_teacher(learner):
    stub = learner / SOLVED.shown(SOLVED.stub_path)
    original = stub.read_text(encoding="utf-8")
    stub.write_text(original + "\nx = 1\n", encoding="utf-8")
    katas_in(learner, "reset", SOLVED.folder, "--yes")
    assert stub.read_text(encoding="utf-8") == original, "reset should restore the stub of the release's commit"
    output = katas_in(learner, "solution", SOLVED.folder, "--force", expect=1)
    assert "holds no solutions (it is a class release): they are with your teacher" in output, output


# --- Grading ------------------------------------------------------------------------------------


def test_one_solved_kata_earns_its_points_and_every_other_kata_none_with_every_test_failing(learner):
    shutil.copy(SOLVED.reference_path, learner / SOLVED.shown(SOLVED.stub_path))
    grade = grade_in(learner)
    assert grade["valid"] and grade["problems"] == [], grade["problems"]
    points = {kata["kata"]: (kata["points"], kata["max_points"]) for kata in grade["katas"]}
    full = sum(SOLVED.task_points().values())
    assert points[SOLVED.folder] == (full, full), points
    others = {folder: earned for folder, (earned, _) in points.items() if folder != SOLVED.folder}
    assert set(others.values()) == {0}, f"only {SOLVED.folder} is solved: {others}"
    assert grade["points"] == full and list(points) == [kata.folder for kata in KATAS], grade["points"]
    for test in grade["run"]["tests"]:  # a test may skip where a GPU (or the dataset) is missing, never err
        expected = "passed" if test["kata"] == SOLVED.folder else "failed"
        skipped = test["outcome"] == "skipped" and test["skip_kind"] in ("gpu", "data")
        assert test["outcome"] == expected or skipped, f"{test['id']}: {test['outcome']} ({test['message']})"


def test_a_grade_on_the_stubs_is_zero_in_json_junit_classroom50_gradescope_and_the_summary(learner):
    out = learner.parent
    summary = out / "step_summary.md"
    summary.write_text("earlier step\n", encoding="utf-8")
    formats = ["--junit", out / "grade.xml", "--summary", summary]
    grade = grade_in(
        learner, "00", "01", *formats, "--classroom50", out / "result.json", "--gradescope", out / "gs.json"
    )
    assert (grade["points"], grade["valid"]) == (0, True), grade["points"]
    assert [kata["kata"] for kata in grade["katas"]] == ["00_tensors", "01_stack_vs_cat"]
    assert grade["max_points"] == sum(sum(find_kata(name).task_points().values()) for name in ("00", "01"))
    tasks = [(kata["kata"], task) for kata in grade["katas"] for task in kata["tasks"]]

    suites = ElementTree.parse(out / "grade.xml").getroot()
    assert [suite.get("name") for suite in suites] == ["00_tensors", "01_stack_vs_cat"]
    assert (suites.get("tests"), suites.get("failures")) == (str(len(tasks)), str(len(tasks))), suites.attrib

    names = [f"{kata}, Task {task['task']}: {task['title']}" for kata, task in tasks]
    result = json.loads((out / "result.json").read_text(encoding="utf-8"))
    assert (result["schema"], result["score"], result["max-score"]) == ("classroom50/result/v1", 0, grade["max_points"])
    assert [test["test-name"] for test in result["tests"]] == names and not any(t["passed"] for t in result["tests"])
    results = json.loads((out / "gs.json").read_text(encoding="utf-8"))
    assert results["score"] == 0 and [test["name"] for test in results["tests"]] == names
    assert {(test["score"], test["visibility"]) for test in results["tests"]} == {(0, "visible")}

    text = summary.read_text(encoding="utf-8")
    assert text.startswith("earlier step\n## katas grade: 0 / "), "$GITHUB_STEP_SUMMARY is appended to"
    assert "| **01_stack_vs_cat** |" in text and "| | 1. " in text, text


def test_an_edited_test_file_or_a_new_conftest_invalidates_the_grade_naming_the_files(learner):
    test_file = next(SOLVED.path.glob("test_*.py")).relative_to(INSTALLED_ROOT).as_posix()
    with (learner / test_file).open("a", encoding="utf-8") as file:
        file.write("\n# a harmless-looking edit\n")
    (learner / "katas" / "conftest.py").write_text("", encoding="utf-8")
    result = learner.parent / "result.json"
    grade = grade_in(learner, SOLVED.folder, "--classroom50", str(result), expect=1)
    assert not grade["valid"], grade
    assert grade["tamper_check"]["changed"] == [test_file], grade["tamper_check"]
    assert grade["tamper_check"]["unexpected"] == ["katas/conftest.py"], grade["tamper_check"]
    assert any(test_file in problem for problem in grade["problems"]), grade["problems"]
    reported = json.loads(result.read_text(encoding="utf-8"))
    assert reported["score"] == 0 and {test["passed"] for test in reported["tests"]} == {False}, reported
    assert test_file in reported["tests"][0]["message"], reported["tests"][0]["message"]


def test_gradescope_s_zip_grades_the_submitted_stubs_in_its_own_copy_of_the_release(tmp_path):
    katas_in(INSTALLED_ROOT, "release", tmp_path / "class", "--gradescope", tmp_path / "autograder.zip")
    source, submission = tmp_path / "autograder" / "source", tmp_path / "autograder" / "submission"
    with zipfile.ZipFile(tmp_path / "autograder.zip") as bundle:
        bundle.extractall(source)
    grading = Path(shutil.copytree(source / "release", tmp_path / "autograder" / "grading"))  # as run_autograder does
    submission.mkdir()
    shutil.copy(SOLVED.reference_path, submission / SOLVED.stub_path.name)  # uploaded alone, not in its folder
    forged = submission / SOLVED.shown(next(SOLVED.path.glob("test_*.py")))
    forged.parent.mkdir(parents=True)
    forged.write_text("def test_nothing():\n    pass\n", encoding="utf-8")
    command_in(grading, sys.executable, "-m", "katas.classroom.platforms.gradescope", submission)
    results_path = tmp_path / "results.json"
    katas_in(grading, "grade", SOLVED.folder, "00", "--gradescope", results_path)
    results = json.loads(results_path.read_text(encoding="utf-8"))
    full = sum(SOLVED.task_points().values())
    assert results["score"] == full, results["output"]
    earned = {test["name"].split(",")[0]: 0 for test in results["tests"]}
    for test in results["tests"]:
        earned[test["name"].split(",")[0]] += test["score"]
    assert earned == {"00_tensors": 0, SOLVED.folder: full}, earned


# What the issue found: 18 lines appended to a stub reached pytest through its running config and forged passes.
FORGING_PASSES = """

import gc as _gc

import pytest as _pytest


class _EveryTestPasses:
    @_pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(self, item, call):
        report = yield
        report.outcome, report.longrepr = "passed", None
        return report


for _config in [thing for thing in _gc.get_objects() if isinstance(thing, _pytest.Config)]:
    _config.pluginmanager.register(_EveryTestPasses())
"""
# What the issue found: os._exit in one stub ended the one process that graded every kata. Spelled here so that no
# check of the source sees it: only the process of its own kata can stop it.
ENDING_THE_PROCESS = """

import os as _os

getattr(_os, "_" + "exit")(0)
"""


def test_a_stub_that_forges_verdicts_ends_or_hangs_costs_its_own_kata_and_the_grade_says_what_happened(
    learner, monkeypatch
):
    shutil.copy(SOLVED.reference_path, learner / SOLVED.shown(SOLVED.stub_path))
    hanging = "\n\nwhile True:  # on import\n    pass\n"
    for kata, attack in ((KATAS[0], FORGING_PASSES), (KATAS[2], ENDING_THE_PROCESS), (KATAS[3], hanging)):
        with (learner / kata.shown(kata.stub_path)).open("a", encoding="utf-8") as stub:
            stub.write(attack)
    monkeypatch.setenv("PYTEST_TIMEOUT", "3")  # pytest-timeout's time limit, for a shorter wait than the release's 10 s
    grade = grade_in(learner, "00", "01", "02", "03")
    assert grade["valid"], grade["problems"]
    katas = {kata["kata"]: kata for kata in grade["katas"]}
    forged, solved, ended = katas["00_tensors"], katas[SOLVED.folder], katas["02_unsqueeze"]
    assert forged["points"] == 0 and "reaches into the grader" in forged["problem"], forged["problem"]
    assert "imports gc" in forged["problem"] and "imports pytest" in forged["problem"], forged["problem"]
    assert ended["points"] == 0 and "ended before writing its verdicts" in ended["problem"], ended["problem"]
    assert solved["points"] == solved["max_points"] > 0 and solved["problem"] is None, solved
    assert {task["status"] for task in forged["tasks"] + ended["tasks"]} == {NOT_EARNED}
    hung = katas["03_autograd"]
    assert hung["points"] == 0 and hung["problem"] is None, "a hang is stopped by the test's own time limit"
    messages = [task["first_failure"]["message"] for task in hung["tasks"] if task["first_failure"]]
    assert messages[0].startswith("Stopped after 3 s"), messages[0]
    assert all(message.startswith(("Stopped after", "Not run: importing")) for message in messages), messages
    output = katas_in(learner, "grade", "00", "02")
    assert "reaches into the grader" in output and "ended before writing its verdicts" in output, output


# A learner's shortcut the kata's own tests let through: one batch is returned as it is, not as a new tensor.
ALIASING_JOIN = """

def join_batches(batches):
    return batches[0] if len(batches) == 1 else torch.cat(batches)
"""
HELD_OUT_TEST = """
import pytest
import torch

from katas.testing import kata_module

stack = kata_module(__file__)


@pytest.mark.task(2)
def test_join_batches_of_one_batch_gives_a_tensor_of_its_own():
    batch = torch.zeros(3, 2)
    stack.join_batches([batch]).add_(1)
    assert torch.equal(batch, torch.zeros(3, 2)), "join_batches([batch]) returned batch itself: changing it changed batch"
"""


def test_held_out_tests_count_for_their_task_and_catch_a_wrong_answer_the_kata_s_own_tests_pass(learner, tmp_path):
    stub = learner / SOLVED.shown(SOLVED.stub_path)
    stub.write_text(SOLVED.reference_path.read_text(encoding="utf-8") + ALIASING_JOIN, encoding="utf-8")
    held_out = tmp_path / "held-out" / SOLVED.folder
    held_out.mkdir(parents=True)
    (held_out / "test_held_out.py").write_text(HELD_OUT_TEST, encoding="utf-8")
    full = sum(SOLVED.task_points().values())
    assert grade_in(learner, "01")["points"] == full, "the kata's own tests let the shortcut through"

    grade = grade_in(learner, "01", "--extra-tests", str(tmp_path / "held-out"))
    assert grade["valid"] and grade["points"] == full - 1, grade["points"]
    (task,) = [task for task in grade["katas"][0]["tasks"] if task["task"] == 2]
    assert task["status"] == NOT_EARNED and task["first_failure"] is None, "a held-out test is never shown"
    assert task["failed"] == 0 and [test["outcome"] for test in task["hidden"]] == ["failed"], task
    assert "held_out" not in katas_in(learner, "grade", "01", "--extra-tests", str(tmp_path / "held-out"))
    assert (
        git(learner, "status", "--porcelain", "--", "katas/01_stack_vs_cat")
        == " M katas/01_stack_vs_cat/stack_vs_cat.py\n"
    )

    (tmp_path / "held-out" / "99_typo").mkdir()
    output = katas_in(learner, "grade", "01", "--extra-tests", str(tmp_path / "held-out"), expect=2)
    assert "99_typo" in output and "not katas of the curriculum" in output, output


def test_line_ends_are_not_tampering(learner):
    test_file = next(SOLVED.path.glob("test_*.py")).relative_to(INSTALLED_ROOT)
    path = learner / test_file
    path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))  # as git on Windows may check it out
    assert manifest.check(learner).clean, manifest.check(learner).problems()


# --- The grading rules, on verdicts made up for the purpose ---------------------------------------


def verdict(task: int | None, outcome: str = "passed", skip_kind: str | None = None, name: str = "x") -> TestResult:
    return TestResult(id=f"test_{name}", kata=SOLVED.folder, task=task, outcome=outcome, skip_kind=skip_kind)


def test_a_task_earns_its_points_from_the_curriculum_only_when_every_counted_test_passes():
    kata = dataclasses.replace(SOLVED, points={"2": 3})
    tests = [verdict(1), verdict(1, "failed"), verdict(2), verdict(2, "skipped", "gpu"), verdict(3, "skipped", "other")]
    tasks = {task.task: task for task in grade_kata(kata, tests).tasks}
    assert (tasks[1].status, tasks[1].points, tasks[1].max_points) == (NOT_EARNED, 0, 1)
    assert (tasks[2].status, tasks[2].points, tasks[2].max_points) == (EARNED, 3, 3), "a GPU skip costs nothing"
    assert tasks[3].status == NOT_EARNED, "a skip for no reason (the learner's pytest.skip) is not a pass"
    assert tasks[4].status == NOT_EARNED and tasks[4].max_points == 1, "a task no test checked earns nothing"


def test_a_task_that_only_a_gpu_can_check_is_not_graded_and_a_missing_dataset_is_not_a_pass():
    tests = [verdict(1, "skipped", "gpu"), verdict(2), verdict(2, "skipped", "data")]
    tasks = {task.task: task for task in grade_kata(SOLVED, tests).tasks}
    assert (tasks[1].status, tasks[1].points, tasks[1].max_points) == (NEEDS_GPU, 0, 0)
    assert (tasks[2].status, tasks[2].points, tasks[2].max_points) == (DATA_MISSING, 0, 1)


def test_a_test_file_that_cannot_be_collected_fails_every_task_of_its_kata():
    tests = [verdict(task) for task in SOLVED.task_titles()] + [verdict(None, "error", name="collection")]
    assert {task.status for task in grade_kata(SOLVED, tests).tasks} == {NOT_EARNED}


def test_points_given_as_one_number_are_what_every_task_of_the_kata_is_worth():
    assert set(dataclasses.replace(SOLVED, points=2).task_points().values()) == {2}


def test_points_for_a_task_the_lesson_lacks_are_refused():
    with pytest.raises(LookupError, match="99"):
        dataclasses.replace(SOLVED, points={"99": 2}).task_points()


# --- The teacher's side: the solutions policy, and what a release refuses ----------------------------


@pytest.fixture
def teacher(tmp_path: Path) -> Path:
    """A teacher's clone of this checkout whose curriculum says ``solutions = "never"``."""
    repo = tmp_path / "teacher"
    ignore = shutil.ignore_patterns("__pycache__", ".pytest_cache", ".katas", ".benchmarks")
    for folder in ("katas", "reference"):
        shutil.copytree(INSTALLED_ROOT / folder, repo / folder, ignore=ignore)
    for name in ("pyproject.toml", ".gitignore", "README.md", "LICENSE"):
        shutil.copy(INSTALLED_ROOT / name, repo / name)
    curriculum = repo / "katas" / "curriculum.toml"
    curriculum.write_text('solutions = "never"\n' + curriculum.read_text(encoding="utf-8"), encoding="utf-8")
    return repo


def test_solutions_never_hides_every_solution_and_the_release_tells_the_class(teacher, tmp_path):
    output = katas_in(teacher, "solution", "00", "--force", expect=1)
    assert 'This course shows no solutions (solutions = "never"' in output, output
    katas_in(teacher, "release", tmp_path / "class")
    readme = (tmp_path / "class" / "README.md").read_text(encoding="utf-8")
    assert "The solutions are not handed out in this class" in readme, readme[:2000]


def test_a_release_refuses_an_edited_stub_and_a_folder_that_is_not_empty(teacher, tmp_path):
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "notes.txt").write_text("mine", encoding="utf-8")
    output = katas_in(teacher, "release", tmp_path / "full", expect=2)
    assert "is not empty" in output and (tmp_path / "full" / "notes.txt").read_text() == "mine", output
    shutil.copy(SOLVED.reference_path, teacher / SOLVED.shown(SOLVED.stub_path))
    output = katas_in(teacher, "release", tmp_path / "class", expect=2)
    assert SOLVED.shown(SOLVED.stub_path) in output and not (tmp_path / "class").exists(), output
