"""Grading's own rules, without running a kata: the check of a learner's files for ways into the grader, held-out
tests and a kata whose grading could not be trusted, and what a grade records of what it graded."""

from pathlib import Path

import pytest

from katas.classroom.grade import DATA_MISSING, EARNED, NEEDS_GPU, NOT_EARNED, grade_kata
from katas.classroom.grading import learner_files, provenance
from katas.classroom.reach import reaches
from katas.core.curriculum import INSTALLED_ROOT, find_kata, load_curriculum
from katas.core.outcomes import KataResult, TaskStatus, task_outcomes
from katas.core.results import TestResult

KATA = find_kata("01", INSTALLED_ROOT)


def test_no_reference_solution_reaches_into_the_grader():
    for kata in load_curriculum(INSTALLED_ROOT):
        assert reaches(kata.reference_path.read_text(encoding="utf-8")) == [], kata.folder


@pytest.mark.parametrize(
    "line, named",
    [
        ("import pytest", "imports pytest"),
        ("from _pytest.config import Config", "imports _pytest.config"),
        ("import katas.testing", "imports katas.testing"),
        ("from katas.core import results", "imports katas.core"),
        ("import gc", "imports gc"),
        ("import inspect", "imports inspect"),
        ("import signal", "imports signal"),
        ("import importlib", "imports importlib"),
        ("torch_ = __import__('torch')", "__import__()"),
        ("eval('1 + 1')", "eval()"),
        ("exec('x = 1')", "exec()"),
        ("globals()['x'] = 1", "globals()"),
        ("import os\nos._exit(0)", "os._exit"),
        ("import sys\nsys.exit(0)", "sys.exit"),
        ("import sys\nsys.modules['torch']", "sys.modules"),
        ("import sys\nframe = sys._getframe(1)", "sys._getframe"),
        (
            "def f():\n    raise ValueError\ntry:\n    f()\nexcept ValueError as e:\n    e.__traceback__.tb_frame",
            "tb_frame",
        ),
        ("(lambda: 0).__globals__", "__globals__"),
        ("object.__subclasses__()", "__subclasses__"),
    ],
)
def test_each_way_into_the_grader_is_named_with_its_line(line, named):
    source = "import torch\n\n" + line + "\n"
    (use,) = reaches(source)
    assert named in use and use.startswith(f"line {2 + len(line.splitlines())}:"), use


def test_what_solutions_use_reaches_nothing():
    source = (
        "import math\nimport os\nimport sys\nimport functools\nimport torch\nimport torch.nn.functional as F\n"
        "from torch import nn\n\nrank = int(os.environ['RANK'])\nargs = sys.argv[1:]\nmodel = torch.compile\n"
        "x = getattr(nn, 'Linear')\n"
    )
    assert reaches(source) == []


def test_source_that_does_not_parse_reaches_nothing_here_its_run_fails_instead():
    assert reaches("def broken(:\n") == []


def test_a_kata_s_learner_files_are_its_python_files_but_its_tests():
    assert learner_files(KATA) == [KATA.stub_path]


def verdict(task, outcome="passed", name="x", skip_kind=None):
    return TestResult(
        id=f"katas/{KATA.folder}/test_{name}.py::test",
        kata=KATA.folder,
        task=task,
        outcome=outcome,
        skip_kind=skip_kind,
    )


def test_a_failing_held_out_test_costs_its_task_and_is_never_its_first_failure():
    own, held_out = verdict(1), verdict(1, "failed", "held_out")
    task = grade_kata(KATA, [own, held_out], hidden={held_out.id}).tasks[0]
    assert (task.status, task.points, task.passed, task.failed) == (NOT_EARNED, 0, 1, 0)
    assert task.first_failure is None and task.hidden == [held_out]
    passing = verdict(1, "passed", "held_out")
    assert grade_kata(KATA, [own, passing], hidden={passing.id}).tasks[0].status == EARNED


def test_a_kata_whose_grading_was_stopped_earns_nothing_and_says_why():
    graded = grade_kata(KATA, [verdict(task) for task in KATA.task_points()], problem="it ended its process")
    assert graded.points == 0 and graded.problem == "it ended its process"
    assert {task.status for task in graded.tasks} == {NOT_EARNED}


def test_a_grade_records_the_commit_its_date_and_the_versions_and_nothing_of_git_outside_a_repository(
    tmp_path: Path,
):
    inside = provenance(INSTALLED_ROOT)
    assert len(inside["commit"]) == 40 and inside["commit_date"][:2] == "20" and inside["torch"], inside
    outside = provenance(tmp_path)
    assert (outside["commit"], outside["commit_date"], outside["uncommitted_changes"]) == (None, None, None)
    assert outside["python"] and outside["graded_at"].endswith("+00:00"), outside


# --- One model of outcomes: the learner's verdict and the grade read the same results the same way -------------


@pytest.mark.parametrize(
    ("tests", "status"),
    [
        ([verdict(1), verdict(1, "skipped", skip_kind="gpu")], TaskStatus.PASSED),
        ([verdict(1), verdict(1, "failed")], TaskStatus.FAILING),
        ([verdict(1), verdict(1, "error")], TaskStatus.FAILING),
        ([verdict(1), verdict(1, "skipped", skip_kind="other")], TaskStatus.FAILING),
        ([verdict(1), verdict(1, "skipped", skip_kind="data")], TaskStatus.DATA_MISSING),
        ([verdict(1, "skipped", skip_kind="gpu")], TaskStatus.NEEDS_GPU),
        ([verdict(1), verdict(None, "error", name="collection")], TaskStatus.FAILING),
    ],
)
def test_a_kata_passes_for_the_learner_exactly_when_its_one_task_earns_its_points(tests, status):
    (outcome,) = task_outcomes(tests, [1]).values()
    assert outcome.status == status
    earned = grade_kata(KATA, tests).tasks[0].status == EARNED
    if status != TaskStatus.NEEDS_GPU:
        assert KataResult.of(tests).all_passed == earned == (status == TaskStatus.PASSED)


def test_every_test_needing_a_gpu_fails_the_learner_s_kata_and_leaves_the_task_out_of_the_grade():
    """The one deliberate difference: a kata never passes untested; a task no machine here can check is not graded."""
    tests = [verdict(task, "skipped", skip_kind="gpu") for task in KATA.task_points()]
    result = KataResult.of(tests)
    assert (result.all_passed, result.status, result.skipped, result.tasks) == (
        False,
        TaskStatus.NEEDS_GPU,
        len(tests),
        {},
    )
    graded = grade_kata(KATA, tests)
    assert {task.status for task in graded.tasks} == {NEEDS_GPU} and graded.max_points == 0


def test_the_first_failure_is_a_failing_test_before_a_test_whose_dataset_is_missing():
    """A hint for a test that could not run helps nobody: learner and teacher are both shown the test that failed."""
    missing, failing = verdict(1, "skipped", "data", skip_kind="data"), verdict(1, "failed", "wrong")
    assert KataResult.of([missing, failing]).first_failure == failing
    assert grade_kata(KATA, [missing, failing]).tasks[0].first_failure == failing
    assert KataResult.of([missing]).first_failure == missing


def test_a_held_out_test_counts_like_the_task_s_own_a_missing_dataset_included():
    own, held_out = verdict(1), verdict(1, "skipped", "held_out", skip_kind="data")
    task = grade_kata(KATA, [own, held_out], hidden={held_out.id}).tasks[0]
    assert (task.status, task.first_failure, task.passed) == (DATA_MISSING, None, 1)
