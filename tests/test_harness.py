"""The harness as a learner meets it: pytest run for real on a temporary copy of the repository."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from katas._harness.curriculum import REPO_ROOT

# The 15 s default is a learner's guard against hangs; each test runs pytest in a subprocess.
pytestmark = pytest.mark.timeout(600)

STUB = Path("katas/00_tensors/tensors.py")


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A copy of the repository's katas, reference solutions and pytest configuration."""
    ignore = shutil.ignore_patterns("__pycache__", ".pytest_cache")
    for folder in ("katas", "reference"):
        shutil.copytree(REPO_ROOT / folder, tmp_path / folder, ignore=ignore)
    for file in ("conftest.py", "pyproject.toml"):
        shutil.copy(REPO_ROOT / file, tmp_path / file)
    return tmp_path


def run_pytest(repo: Path, *args: str, env: dict[str, str] | None = None) -> str:
    """pytest's output (stdout and stderr) for ``args``, run in ``repo``."""
    base_env = {key: value for key, value in os.environ.items() if key != "KATAS_REFERENCE"}
    completed = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:randomly", "-p", "no:xdist", *args],
        cwd=repo,
        env=base_env | (env or {}),
        capture_output=True,
        text=True,
        timeout=300,
    )
    return completed.stdout + completed.stderr


def replace_in(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not found in {path}"
    path.write_text(text.replace(old, new))


def summary(output: str) -> str:
    """pytest's closing line, e.g. '3 failed, 1 passed in 0.12s'."""
    return output.strip().splitlines()[-1].strip("= ")


def test_a_missing_function_fails_each_of_its_tests_naming_the_function(repo):
    replace_in(repo / STUB, "def from_data(data):", "def renamed_from_data(data):")
    output = run_pytest(repo, "katas/00_tensors", "-k", "from_data")
    assert "katas/00_tensors/tensors.py has no `from_data` yet" in output, output
    assert re.search(r"^3 failed, \d+ deselected", summary(output)), output


def test_a_syntax_error_fails_every_test_without_a_collection_error(repo):
    (repo / STUB).write_text((repo / STUB).read_text() + "\ndef broken(:\n")
    output = run_pytest(repo, "katas/00_tensors", "-k", "count_stops")
    assert "katas/00_tensors/tensors.py could not be imported" in output and "SyntaxError" in output, output
    assert re.search(r"^3 failed, \d+ deselected", summary(output)), output


def test_a_function_that_never_returns_is_stopped_with_a_message_pointing_at_it(repo):
    replace_in(
        repo / STUB,
        'raise NotImplementedError("kata 00_tensors, task 1: write count (see README.md)")',
        "while start < end:\n        pass",
    )
    output = run_pytest(repo, "katas/00_tensors", "-k", "count and 0-5-1", "-o", "timeout=1")
    assert "Stopped after 1 s" in output, output
    assert re.search(r"It was running katas/00_tensors/tensors\.py, line \d+, in count\(\)", output), output
    assert re.search(r"^1 failed", summary(output)), output


def test_a_wrong_return_type_is_named(repo):
    replace_in(
        repo / STUB,
        'raise NotImplementedError("kata 00_tensors, task 1: write ones_matrix (see README.md)")',
        "return [[1.0] * cols] * rows",
    )
    output = run_pytest(repo, "katas/00_tensors", "-k", "ones_matrix")
    assert "ones_matrix" in output and "should return a torch.Tensor, but it returned list" in output, output


@pytest.mark.parametrize(("args", "env"), [(["--reference"], {}), ([], {"KATAS_REFERENCE": "1"})], ids=["flag", "env"])
def test_the_reference_switch_runs_the_reference_solution(repo, args, env):
    output = run_pytest(repo, "katas/00_tensors", "-k", "from_data", *args, env=env)
    assert "katas: testing the reference solutions in reference/" in output, output
    assert re.search(r"^3 passed", summary(output)), output


def test_a_failure_names_the_lesson_task_it_checks(repo):
    output = run_pytest(repo, "katas/00_tensors", "-k", "ones_matrix")
    assert "This test checks Task 1 (Creating tensors) of katas/00_tensors/README.md" in output, output


def test_task_keywords_select_one_task(repo):
    output = run_pytest(repo, "katas/00_tensors", "-k", "task3", "--reference")
    assert re.search(r"^4 passed, \d+ deselected", summary(output)), output


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has a GPU, so GPU tests run instead of skipping")
def test_gpu_tests_are_skipped_with_a_reason_when_there_is_no_gpu(repo):
    output = run_pytest(repo, "katas/00_tensors", "--reference", "-rs", "-k", "gpu")
    assert "needs a CUDA GPU, and this machine has none" in output, output
    assert re.search(r"^3 skipped", summary(output)), output


def test_the_reference_run_fails_a_skipped_test_that_needs_no_gpu(repo):
    (repo / "katas/00_tensors/test_extra.py").write_text(
        "import pytest\n\ndef test_skipped():\n    pytest.skip('no reason')\n"
    )
    output = run_pytest(repo, "katas/00_tensors/test_extra.py", "--reference")
    assert "The reference run skipped a test that needs neither a GPU nor a dataset" in output, output
    assert re.search(r"^1 failed", summary(output)), output


@pytest.mark.parametrize("require_data", [False, True], ids=["skipped", "failed-with-require-data"])
def test_the_mnist_test_without_data_is_skipped_unless_data_is_required(repo, tmp_path, require_data):
    empty = tmp_path / "no-data"
    args = ["katas/11_mnist", "-k", "98", "--reference", "-rs"] + (["--require-data"] if require_data else [])
    output = run_pytest(repo, *args, env={"KATAS_DATA_DIR": str(empty), "KATAS_OFFLINE": "1"})
    assert "The MNIST files are not in" in output and "KATAS_DATA_DIR" in output, output
    assert re.search(r"\b1 error\b" if require_data else r"\b1 skipped\b", summary(output)), output
    assert "During handling" not in output, output
