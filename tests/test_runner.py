"""The runs behind ``katas watch`` and notebook checks: forked from a warm forkserver, they act as plain pytest does."""

import multiprocessing
import sys
from pathlib import Path

import pytest

from katas.core.curriculum import find_kata
from katas.runtime.runner import CORES_VARIABLE, WarmRunner, run_katas
from tests.test_cli import clone  # noqa: F401  (a fixture: a git copy of the repository)

# The 10 s default is a learner's guard against hangs; a forkserver importing torch takes longer on a busy machine.
pytestmark = pytest.mark.timeout(120)


def test_a_forked_run_starts_processes_and_sees_the_environment_the_way_plain_pytest_does(
    clone: Path,  # noqa: F811
    monkeypatch,
):
    # a DataLoader's workers, say: started from the forkserver instead, each took about 0.7 s to start
    default = multiprocessing.get_context().get_start_method()  # a fresh interpreter's: this test runs in one
    kata = find_kata("00", clone)
    (kata.path / "test_processes.py").write_text(
        "import multiprocessing\nimport os\n\n\n"
        "def test_start_method():\n"
        f"    assert multiprocessing.get_start_method() == {default!r}, multiprocessing.get_start_method()\n\n\n"
        "def test_environment():\n"
        "    assert os.environ.get('KATAS_DATA_DIR') == 'set after the forkserver started'\n",
        encoding="utf-8",
    )
    warm = WarmRunner()
    warm.warm_up()  # the forkserver starts, as a notebook's kata() starts it, before a cell sets a variable (%env)
    monkeypatch.setenv("KATAS_DATA_DIR", "set after the forkserver started")
    found = [test for test in run_katas([kata], warm=warm).tests if "test_processes" in test.id]
    assert [test.outcome for test in found] == ["passed", "passed"], [test.message for test in found]


def test_a_warm_run_in_shares_gives_a_plain_runs_verdicts_in_the_lessons_order(clone: Path):  # noqa: F811
    kata = find_kata("01", clone)
    warm = WarmRunner()
    warm.shares = 2  # as on a machine of two cores or more, whatever this one has
    plain, shared = run_katas([kata]), run_katas([kata], warm=warm)
    assert len(plain.tests) > 10
    assert [(test.id, test.outcome, test.message) for test in shared.tests] == [
        (test.id, test.outcome, test.message) for test in plain.tests
    ]
    assert shared.exit_status == plain.exit_status == 1


def test_a_kernel_whose_namespace_was_reset_still_starts_its_checks(clone: Path, monkeypatch):  # noqa: F811
    monkeypatch.delattr(sys.modules["__main__"], "__spec__")  # what IPython's %reset -f does to the kernel's __main__
    (found,) = run_katas([find_kata("00", clone)], warm=WarmRunner()).tests[:1]
    assert found.outcome == "failed", found.message  # the stub's verdict: the run started


def test_a_run_splits_into_no_more_shares_than_the_cores_its_parent_gave_it(monkeypatch):
    monkeypatch.setenv(CORES_VARIABLE, "1")  # as an xdist worker of two on two cores gives what it starts
    assert WarmRunner().shares == 1
    monkeypatch.setenv(CORES_VARIABLE, "8")
    assert WarmRunner().shares == WarmRunner.MAX_SHARES
