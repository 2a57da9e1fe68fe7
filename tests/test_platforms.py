"""The grading platforms' formats and files, checked against each platform's own documentation, on grades made up
for the purpose (the end-to-end checks on a real release are in test_classroom.py).

Where each rule comes from:
- Classroom 50: wiki page "Advanced Autograding" (https://github.com/foundation50/classroom50/wiki/Advanced-Autograding,
  "Writing an autograder.py", "The result.json contract") and its runner,
  foundation50/classroom50 cli/gh-teacher/skeleton/dotgithub/scripts/runner.py: ``validate_result`` (the checks
  copied into :func:`classroom50_problems` below), ``finalize_result`` (the fields the runner stamps itself:
  owner, assignment_type, datetime, graded_at, submitted_by) and ``run_entrypoint`` (``sys.executable
  autograder.py``, cwd the learner's checkout, a non-zero exit is an error).
- Gradescope: https://gradescope-autograders.readthedocs.io/en/latest/specs/ ("Output format", "Controlling Test
  Case Visibility", "File hierarchy"); the zip's root holds setup.sh and an executable run_autograder.
- GitHub Actions: the job summary is the file named by $GITHUB_STEP_SUMMARY (Markdown, appended to).
- PyTorch's CPU wheels: https://download.pytorch.org/whl/cpu; PEP 440: ``==2.9.1`` matches ``2.9.1+cpu``.
"""

import importlib.metadata
import json
import stat
import sys
import zipfile

import pytest
import yaml

from katas.classroom.constraints import TORCH_INDEX, Pins, installed_pins
from katas.classroom.grade import EARNED, NEEDS_GPU, NOT_EARNED, Grade, KataGrade, TaskGrade
from katas.classroom.manifest import TamperCheck
from katas.classroom.platforms import classroom50, gradescope, summary
from katas.classroom.platforms.workflow import workflow
from katas.core.curriculum import INSTALLED_ROOT
from katas.core.results import RunResults, TestResult

PINS = Pins("3.12", {"torch": "2.9.1", "torchvision": "0.24.1", "numpy": "2.3.4", "pytest": "8.4.2"})
RUNNER_ENVIRONMENT = {  # what Classroom 50's runner passes to autograder.py (runner.py: main, run_entrypoint)
    "CLASSROOM": "dl-2027",
    "ASSIGNMENT": "katas",
    "SUBMISSION_TAG": "submit/2026-12-07T18-00-00Z-a1b2c3d",
    "COMMIT_URL": "https://github.com/dl/dl-2027-katas-alice/commit/a1b2c3d",
    "RELEASE_URL": "https://github.com/dl/dl-2027-katas-alice/releases/tag/submit%2F2026-12-07T18-00-00Z-a1b2c3d",
    "REVIEW_URL": "https://github.com/dl/dl-2027-katas-alice/compare/0000000...a1b2c3d",
}


def failing(name: str, message: str) -> TestResult:
    return TestResult(id=f"katas/07_losses/test_losses.py::{name}", kata="07_losses", task=2, outcome="failed",
                      message=message)  # fmt: skip


def made_up_grade(valid: bool = True, hidden: list[TestResult] | None = None) -> Grade:
    """07_losses: Task 1 earned (2 points), Task 2 not earned, Task 3 needs a GPU absent here."""
    tasks = [
        TaskGrade(1, "Mean squared error", EARNED, 2, 2, passed=4),
        TaskGrade(2, "Reduction", NOT_EARNED, 0, 1, passed=1, failed=1, first_failure=failing("test_mean", "off")),
        TaskGrade(3, "On the GPU", NEEDS_GPU, 0, 0, skipped=2),
    ]
    if hidden is not None:
        tasks[1] = TaskGrade(2, "Reduction", NOT_EARNED, 0, 1, passed=2, hidden=hidden)
    check = TamperCheck("katas/manifest.json", changed=[] if valid else ["katas/07_losses/test_losses.py"])
    return Grade([KataGrade("07_losses", "Loss functions", tasks)], check, RunResults(False, 1, []))


# --- Classroom 50 ---------------------------------------------------------------------------------------------


def classroom50_problems(data: dict, environ: dict) -> list[str]:
    """runner.py's validate_result, after finalize_result stamped owner, assignment_type and datetime."""
    data = {**data, "owner": "alice", "assignment_type": "individual", "datetime": "2026-12-07T18:00:00Z"}
    problems = []
    if data.get("schema") != "classroom50/result/v1":
        problems.append("schema")
    for field, variable in (("classroom", "CLASSROOM"), ("assignment", "ASSIGNMENT")):
        if data.get(field) != environ[variable]:
            problems.append(field)
    if not str(data.get("submission", "")).startswith("submit/"):
        problems.append("submission")
    problems += [field for field in ("commit", "release", "review", "datetime") if not data.get(field)]
    for where, row in [("", data), *((f"tests[{i}].", test) for i, test in enumerate(data["tests"]))]:
        score, most = row.get("score"), row.get("max-score")
        if not all(type(value) is int and value >= 0 for value in (score, most)) or score > most:
            problems.append(f"{where}score")
    for i, test in enumerate(data["tests"]):
        if not (isinstance(test.get("test-name"), str) and test["test-name"]) or type(test.get("passed")) is not bool:
            problems.append(f"tests[{i}]")
    return problems


def test_classroom50_result_passes_the_runner_s_checks_with_a_row_per_graded_task():
    result = classroom50.result_json(made_up_grade(), RUNNER_ENVIRONMENT)
    assert classroom50_problems(result, RUNNER_ENVIRONMENT) == [], result
    assert result["submission"] == RUNNER_ENVIRONMENT["SUBMISSION_TAG"]
    assert [test["test-name"] for test in result["tests"]] == ["07_losses, Task 1: Mean squared error",
                                                               "07_losses, Task 2: Reduction"]  # fmt: skip
    assert [(test["passed"], test["score"], test["max-score"]) for test in result["tests"]] == [(True, 2, 2),
                                                                                                 (False, 0, 1)]  # fmt: skip
    assert (result["score"], result["max-score"]) == (2, 3), "a task that needs a GPU absent here is left out"
    assert "test_mean" in result["tests"][1]["message"] and "off" in result["tests"][1]["message"]


def test_classroom50_review_falls_back_to_the_commit_and_outside_the_runner_its_fields_are_left_out():
    environ = {key: value for key, value in RUNNER_ENVIRONMENT.items() if key != "REVIEW_URL"}
    assert classroom50.result_json(made_up_grade(), environ)["review"] == environ["COMMIT_URL"]
    alone = classroom50.result_json(made_up_grade(), {})
    assert not set(classroom50.IDENTITY) & set(alone), alone


def test_an_invalid_grade_gives_classroom50_no_points_and_names_the_problems():
    result = classroom50.result_json(made_up_grade(valid=False), RUNNER_ENVIRONMENT)
    assert classroom50_problems(result, RUNNER_ENVIRONMENT) == []
    assert result["score"] == 0 and {test["passed"] for test in result["tests"]} == {False}
    assert all("katas/07_losses/test_losses.py differs" in test["message"] for test in result["tests"])


def test_the_classroom50_autograder_installs_the_pins_grades_against_its_own_manifest_and_leaves_result_json(
    tmp_path,
):
    release = tmp_path / "release"
    (release / "katas").mkdir(parents=True)
    (release / "katas" / "manifest.json").write_text("{}", encoding="utf-8")
    (release / "constraints.txt").write_text(PINS.text(), encoding="utf-8")
    files = classroom50.write_autograder(release, tmp_path / "katas", PINS)
    assert [path.name for path in files] == ["autograder.py", "constraints.txt", "manifest.json"]
    script = (tmp_path / "katas" / "autograder.py").read_text(encoding="utf-8")
    compile(script, "autograder.py", "exec")
    for needed in (TORCH_INDEX, '"torch==2.9.1", "torchvision==0.24.1"', '"--no-deps"', '"--classroom50", "result.json"',
                   'str(HERE / "manifest.json")', '"release-body.md"', 'PYTHON = "3.12"'):  # fmt: skip
        assert needed in script, f"autograder.py should have {needed}:\n{script}"
    assert "result.json" in script.splitlines()[-1], "it exits 0 exactly when result.json was written"


def test_held_out_tests_go_into_the_platforms_autograders_and_their_grading_runs_them(tmp_path):
    release = tmp_path / "release"
    (release / "katas").mkdir(parents=True)
    (release / "katas" / "manifest.json").write_text("{}", encoding="utf-8")
    (release / "constraints.txt").write_text(PINS.text(), encoding="utf-8")
    held_out = tmp_path / "held-out" / "07_losses"
    held_out.mkdir(parents=True)
    (held_out / "test_held_out.py").write_text("def test_more():\n    pass\n", encoding="utf-8")
    files = classroom50.write_autograder(release, tmp_path / "classroom50", PINS, tmp_path / "held-out")
    assert tmp_path / "classroom50" / "held-out" / "07_losses" / "test_held_out.py" in files
    assert '["--extra-tests", str(HERE / "held-out")]' in (tmp_path / "classroom50" / "autograder.py").read_text()
    names = gradescope.write_bundle(release, tmp_path / "autograder.zip", PINS, tmp_path / "held-out")
    assert "held-out/07_losses/test_held_out.py" in names
    with zipfile.ZipFile(tmp_path / "autograder.zip") as bundle:
        run = bundle.read("run_autograder").decode()
    assert "held_out=(--extra-tests /autograder/source/held-out)" in run and '"${held_out[@]}"' in run


# --- Gradescope ----------------------------------------------------------------------------------------------

VISIBILITIES = {"visible", "hidden", "after_due_date", "after_published"}


def test_gradescope_results_have_the_documented_fields_and_a_visible_row_per_graded_task():
    results = gradescope.results_json(made_up_grade(), 12.4)
    assert (results["score"], results["execution_time"], results["stdout_visibility"]) == (2, 12, "hidden")
    for test in results["tests"]:
        assert {"name", "score", "max_score", "output", "visibility", "status"} <= set(test), test
        assert test["visibility"] in VISIBILITIES and test["status"] in ("passed", "failed"), test
    assert [(test["name"], test["score"], test["max_score"]) for test in results["tests"]] == [
        ("07_losses, Task 1: Mean squared error", 2, 2),
        ("07_losses, Task 2: Reduction", 0, 1),
    ]
    assert results["score"] == sum(test["score"] for test in results["tests"])
    assert "test_mean" in results["tests"][1]["output"]


def test_gradescope_held_out_tests_are_a_hidden_row_of_no_points_and_never_in_a_visible_row():
    secret = failing("test_teachers_secret_case", "expected 0.4242, got 0.5")
    results = gradescope.results_json(made_up_grade(hidden=[secret]), 1)
    visible = [test for test in results["tests"] if test["visibility"] == "visible"]
    hidden = [test for test in results["tests"] if test["visibility"] != "visible"]
    assert [test["name"] for test in hidden] == ["07_losses, Task 2: Reduction (held-out tests)"]
    assert (hidden[0]["visibility"], hidden[0]["max_score"], hidden[0]["status"]) == ("hidden", 0, "failed")
    assert "test_teachers_secret_case" in hidden[0]["output"] and "0.4242" in hidden[0]["output"]
    shown = json.dumps([visible, results["output"]])
    assert "secret" not in shown and "0.4242" not in shown, shown
    assert "held-out test" in visible[1]["output"] and visible[1]["score"] == 0


def test_an_invalid_grade_gives_gradescope_no_points_and_says_why():
    results = gradescope.results_json(made_up_grade(valid=False), 1)
    assert results["score"] == 0 and {test["score"] for test in results["tests"]} == {0}
    assert "katas/07_losses/test_losses.py differs" in results["output"]


def test_the_gradescope_zip_has_setup_sh_and_an_executable_run_autograder_at_its_root(tmp_path):
    release = tmp_path / "release"
    (release / "katas").mkdir(parents=True)
    (release / "katas" / "manifest.json").write_text("{}", encoding="utf-8")
    (release / ".git").mkdir()
    (release / ".git" / "HEAD").write_text("ref: refs/heads/main\n", encoding="utf-8")
    names = gradescope.write_bundle(release, tmp_path / "autograder.zip", PINS)
    assert names == ["setup.sh", "run_autograder", "release/katas/manifest.json"], "no git history goes in"
    with zipfile.ZipFile(tmp_path / "autograder.zip") as bundle:
        for name in ("setup.sh", "run_autograder"):
            mode = bundle.getinfo(name).external_attr >> 16
            assert stat.S_ISREG(mode) and mode & 0o111, f"{name} should be an executable file: {oct(mode)}"
            assert bundle.read(name).startswith(b"#!/usr/bin/env bash\n"), name
        setup, run = bundle.read("setup.sh").decode(), bundle.read("run_autograder").decode()
    assert f"--index-url {TORCH_INDEX} torch==2.9.1 torchvision==0.24.1" in setup and "--python 3.12" in setup
    assert "--constraint /autograder/source/release/constraints.txt" in setup
    assert "cp -a /autograder/source/release /autograder/grading" in run, "grading happens in a pristine copy"
    assert "/autograder/submission" in run and "--gradescope /autograder/results/results.json" in run


def test_the_learner_s_stubs_are_found_at_their_own_path_or_by_their_name_and_nothing_else_is_copied(tmp_path):
    root = tmp_path / "release"
    for folder in ("katas/00_tensors", "katas/01_stack_vs_cat"):
        (root / folder).mkdir(parents=True)
    (root / "katas" / "curriculum.toml").write_text(
        '[[kata]]\nfolder = "00_tensors"\ntitle = "T"\n[[kata]]\nfolder = "01_stack_vs_cat"\ntitle = "S"\n', "utf-8"
    )
    for stub in ("katas/00_tensors/tensors.py", "katas/01_stack_vs_cat/stack_vs_cat.py"):
        (root / stub).write_text("untouched\n", encoding="utf-8")
    submission = tmp_path / "submission"
    (submission / "repo" / "katas" / "00_tensors").mkdir(parents=True)
    (submission / "repo" / "katas" / "00_tensors" / "tensors.py").write_text("mine\n", encoding="utf-8")
    (submission / "repo" / "katas" / "00_tensors" / "test_tensors.py").write_text("forged\n", encoding="utf-8")
    placed = gradescope.place_stubs(submission, root)
    assert placed == {"katas/00_tensors/tensors.py": "repo/katas/00_tensors/tensors.py",
                      "katas/01_stack_vs_cat/stack_vs_cat.py": None}  # fmt: skip
    assert (root / "katas/00_tensors/tensors.py").read_text(encoding="utf-8") == "mine\n"
    assert not (root / "katas/00_tensors/test_tensors.py").exists(), "only stubs are copied"
    (submission / "stack_vs_cat.py").write_text("uploaded alone\n", encoding="utf-8")
    assert gradescope.place_stubs(submission, root)["katas/01_stack_vs_cat/stack_vs_cat.py"] == "stack_vs_cat.py"


# --- The job summary and the workflow ------------------------------------------------------------------------------


def test_the_summary_is_a_markdown_table_of_every_task_with_its_points():
    text = summary.markdown(made_up_grade())
    assert text.startswith("## katas grade: 2 / 3 points\n")
    rows = [line for line in text.splitlines() if line.startswith("| ")]
    assert rows[0] == "| Kata | Task | Points | Verdict |"
    assert "| **07_losses** | Loss functions | **2 / 3** |" in rows[1]
    assert rows[2:] == [
        "| | 1. Mean squared error | 2 / 2 | earned |",
        "| | 2. Reduction | 0 / 1 | not earned: off |",
        "| | 3. On the GPU | – | needs a GPU: not graded here |",
    ]
    invalid = summary.markdown(made_up_grade(valid=False))
    assert "**The grade is not valid**" in invalid and "- katas/07_losses/test_losses.py differs" in invalid
    assert "| | 1. Mean squared error | 0 / 2 | not earned |" in invalid


def test_the_workflow_installs_the_pins_grades_once_keeps_the_grade_and_names_no_retired_service():
    text = workflow(PINS)
    parsed = yaml.safe_load(text)
    assert parsed["permissions"] == {"contents": "read"}, "grading needs no write access"
    steps = parsed["jobs"]["grade"]["steps"]
    assert steps[1]["with"]["python-version"] == "3.12", "the teacher's Python"
    install = next(step["run"] for step in steps if "pip install" in step.get("run", ""))
    assert f"pip install --no-deps --index-url {TORCH_INDEX} torch==2.9.1 torchvision==0.24.1" in install
    assert "pip install --constraint constraints.txt -e ." in install
    grading = [step for step in steps if "katas grade" in step.get("run", "")]
    assert len(grading) == 1 and '--summary "$GITHUB_STEP_SUMMARY"' in grading[0]["run"]
    assert "--json grade.json" in grading[0]["run"]
    artifact = next(step for step in steps if step.get("uses", "").startswith("actions/upload-artifact"))
    assert artifact["with"]["path"] == "grade.*" and "!cancelled()" in artifact["if"], "kept even for a failed grade"
    assert "continue-on-error" not in text, "the job fails when the grade is not valid (katas grade exits 1)"
    for retired in ("classroom-resources", "github-classroom", "GitHub Classroom", "GITHUB_OUTPUT", "checks: write"):
        assert retired not in text, f"the workflow names {retired!r}"


# --- The pins ------------------------------------------------------------------------------------------------------


def test_the_constraints_pin_every_package_the_katas_need_at_its_installed_public_version():
    pins = installed_pins(INSTALLED_ROOT)
    for name in ("torch", "torchvision", "numpy", "pytest", "rich", "sympy"):  # sympy: torch's own dependency
        assert name in pins.versions, f"{name} is not pinned: {sorted(pins.versions)}"
        assert pins.versions[name] == importlib.metadata.version(name).split("+")[0]
    assert not [name for name in pins.versions if name.startswith("nvidia-") or name == "triton"], "CUDA only"
    lines = pins.text().splitlines()
    pinned = [line for line in lines if not line.startswith("#")]
    names = [line.partition("==")[0] for line in pinned]
    assert names == sorted(names) and all("==" in line and "+" not in line for line in pinned), pinned
    assert pins.python == "{}.{}".format(*sys.version_info[:2])


def test_a_dependency_that_is_not_installed_refuses_the_pins(tmp_path):
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "x"\ndependencies = ["torch", "no-such-package-here>=1"]\n', encoding="utf-8"
    )
    with pytest.raises(LookupError, match="no-such-package-here is not installed"):
        installed_pins(tmp_path)


def test_pins_read_as_a_requirements_file():
    from packaging.requirements import Requirement

    requirements = [Requirement(line) for line in PINS.text().splitlines() if not line.startswith("#")]
    assert {(requirement.name, str(requirement.specifier)) for requirement in requirements} >= {("torch", "==2.9.1")}
