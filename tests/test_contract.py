"""The collection's contract: what every kata must satisfy, checked on every kata at once.

The checks themselves live in katas/authoring/contract.py (``katas check KATA`` runs them on one kata). Run with
the project's own suite: `pytest --reference -n auto katas tests`. (The reference passing every kata test is checked
by that same run: conftest turns a skipped non-GPU test into a failure under --reference.)
"""

import os
import re
import subprocess
import sys

import pytest

from katas.authoring import contract
from katas.core import results
from katas.core.curriculum import INSTALLED_ROOT, load_curriculum
from tests import warm_command

# The 15 s default is a learner's guard against hangs; the stub run is one pytest run over every kata.
pytestmark = pytest.mark.timeout(600)

ROOT = INSTALLED_ROOT
KATAS = load_curriculum(ROOT)
KATA_IDS = [kata.folder for kata in KATAS]


# --- The curriculum and the two trees agree -----------------------------------------------


def test_curriculum_numbers_the_katas_in_order_without_gaps():
    numbers = [kata.number for kata in KATAS]
    assert numbers == list(range(len(KATAS))), f"kata folders must be numbered 00, 01, ... in order; got {numbers}"


def test_kata_folders_are_exactly_the_ones_in_the_curriculum():
    on_disk = {path.name for path in (ROOT / "katas").iterdir() if path.is_dir() and re.match(r"\d\d_", path.name)}
    assert on_disk == set(KATA_IDS), (
        f"folders in katas/ but not in curriculum.toml: {sorted(on_disk - set(KATA_IDS))}; "
        f"listed but missing: {sorted(set(KATA_IDS) - on_disk)}"
    )


def test_reference_folders_are_exactly_the_ones_in_the_curriculum():
    on_disk = {
        path.name for path in (ROOT / "reference").iterdir() if path.is_dir() and path.name not in contract.IGNORED
    }
    assert on_disk == set(KATA_IDS), (
        f"folders in reference/ but not in curriculum.toml: {sorted(on_disk - set(KATA_IDS))}; "
        f"listed but missing: {sorted(set(KATA_IDS) - on_disk)}"
    )


@pytest.mark.parametrize("kata", KATAS, ids=KATA_IDS)
def test_kata_folder_holds_lesson_stub_hints_tests_and_notebook_and_its_reference_only_the_module(kata):
    problems = contract.folder_problems(kata)
    assert not problems, "\n".join(problems)


def test_test_file_names_are_unique_across_katas():
    names = [path.name for kata in KATAS for path in contract.kata_test_files(kata)]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    assert not duplicates, f"test files must have unique names (pytest imports them by base name): {duplicates}"


# --- Stubs, references, lessons and hints -------------------------------------------------


@pytest.mark.parametrize("kata", KATAS, ids=KATA_IDS)
def test_stub_mirrors_the_reference_raises_naming_its_task_and_imports_what_it_needs(kata):
    problems = contract.stub_problems(kata)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("kata", KATAS, ids=KATA_IDS)
def test_kata_tests_import_nothing_of_the_harness_but_katas_testing(kata):
    problems = contract.harness_imports(kata)
    assert not problems, "\n".join(problems)


def test_ruff_leaves_the_stubs_imports_alone():
    """Nothing a stub imports is unused in ruff's eyes, so `ruff check --fix` never removes it."""
    stubs = [kata.shown(kata.stub_path) for kata in KATAS]
    ruff = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--select", "F401", "--output-format", "concise", *stubs],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert ruff.returncode == 0, (
        f"ruff would remove imports from the stubs (configure per-file-ignores):\n{ruff.stdout}"
    )


@pytest.mark.parametrize("kata", KATAS, ids=KATA_IDS)
def test_lesson_tasks_hints_and_test_markers_agree_and_every_assert_explains_itself(kata):
    problems = contract.lesson_problems(kata)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("kata", KATAS, ids=KATA_IDS)
def test_lessons_and_stubs_name_no_kata_folder(kata):
    problems = contract.naming_problems(kata, KATAS)
    assert not problems, "\n".join(problems)


# --- Every kata test fails on the untouched stubs -----------------------------------------


@pytest.fixture(scope="module")
def stub_results(tmp_path_factory) -> results.RunResults:
    """Every kata's tests run on the untouched stubs, in a pytest of their own; the collector's results (the
    messages whole: --tb=no, as the katas command runs it)."""
    path = tmp_path_factory.mktemp("stubs") / "results.json"
    arguments = ["katas", "--no-reference", f"--katas-results={path}", "-q", "--tb=no"]
    arguments += ["-p", "no:randomly", "-p", "no:xdist", "-p", "no:cacheprovider"]
    completed = warm_command.pytest(arguments, ROOT, os.environ, timeout=600)  # a pytest forked from a warm one
    assert path.exists(), (
        f"pytest on the stubs wrote no results:\n{completed.stdout[-3000:]}\n{completed.stderr[-3000:]}"
    )
    return results.load(path)


def test_stub_run_collects_every_kata(stub_results):
    collected = {test.kata for test in stub_results.tests}
    assert collected == set(KATA_IDS), f"the stub run collected tests from {sorted(collected)}, not {KATA_IDS}"


def test_every_kata_test_fails_on_the_untouched_stub_as_not_written_yet(stub_results):
    problems = contract.stub_verdict_problems(stub_results)
    assert not problems, "on the untouched stubs, every test must fail (GPU tests may skip):\n" + "\n".join(problems)


def test_a_missing_dataset_is_reported_with_where_the_data_should_be():
    missing = results.TestResult(
        id="katas/17_mnist/test_mnist.py::test_fit",
        kata="17_mnist",
        task=5,
        outcome="skipped",
        skip_kind="data",
        message="The MNIST files are not in /nowhere/MNIST/raw.",
    )
    (problem,) = contract.stub_verdict_problems(results.RunResults(reference=False, exit_status=1, tests=[missing]))
    assert "dataset is missing" in problem and "KATAS_DATA_DIR" in problem and "/nowhere/MNIST/raw" in problem, problem
