"""The pytest plugin, run by pytest's own ``pytester`` on a one-kata repository made for each test."""

import json
import signal
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest
import torch

from katas.core import results, workspace
from katas.core.feed import Progress
from katas.core.outcomes import KataResult
from katas.runtime.runner import FeedReader

pytest_plugins = ["pytester"]

# The 10 s default is a learner's guard against hangs; a pytest run inside a test takes longer on a busy machine.
pytestmark = pytest.mark.timeout(300)

LESSON = "# Demo\n\n## Task 1: Counting\n\nCount.\n\n## Task 2: Looping\n\nLoop.\n"
HINTS = "# Hints: demo\n\n## Task 1\n\n1. Use range.\n\n## Task 2\n\n1. Stop.\n"
STUB = '''
def count(n):
    """How many numbers from 0 below n."""
    raise NotImplementedError("Task 1: write count (see README.md)")


def loop(n):
    """n, after counting up to it."""
    raise NotImplementedError("Task 2: write loop (see README.md)")
'''
REFERENCE = """
def count(n):
    return len(range(n))


def loop(n):
    i = 0
    while i < n:
        i += 1
    return i
"""
TESTS = """
import pytest
import torch

from katas.testing import expect_tensor, kata_module

demo = kata_module(__file__)


@pytest.mark.task(1)
def test_count_counts_up_to_n():
    assert demo.count(3) == 3, f"count(3) should be 3, got {demo.count(3)}"


@pytest.mark.task(2)
def test_loop_ends():
    assert demo.loop(2) == 2, "loop(2) should be 2"
"""


INI = "[pytest]\naddopts = --assert=plain -p no:randomly -p no:cacheprovider\ntimeout = 15\n"
KATA_FILES = {
    "katas/curriculum.toml": '[[kata]]\nfolder = "00_demo"\ntitle = "A demo"\n',
    "katas/00_demo/README.md": LESSON,
    "katas/00_demo/hints.md": HINTS,
    "katas/00_demo/demo.py": STUB,
    "katas/00_demo/test_demo.py": TESTS,
    "reference/00_demo/demo.py": REFERENCE,
}


@pytest.fixture
def kata(pytester: pytest.Pytester) -> pytest.Pytester:
    """A repository with one kata, ``00_demo``: lesson, hints, stub, tests and reference, and the plugin."""
    pytester.makeini(INI)
    write_files(pytester.path, KATA_FILES)
    return pytester


def write_files(folder: Path, files: dict[str, str]) -> None:
    workspace.write_files(folder, {name: textwrap.dedent(text).encode() for name, text in files.items()})


def write(pytester: pytest.Pytester, name: str, text: str) -> None:
    write_files(pytester.path, {name: text})


def run(pytester: pytest.Pytester, *args: str) -> tuple[pytest.RunResult, results.RunResults]:
    """pytest on the kata, in this process; its output and the collector's results."""
    path = pytester.path / "results.json"
    outcome = pytester.runpytest("katas", f"--katas-results={path}", *args)
    return outcome, results.load(path)


def by_name(run_results: results.RunResults) -> dict[str, results.TestResult]:
    return {test.name: test for test in run_results.tests}


# --- Stubs and the reference switch -------------------------------------------------------------


def test_an_untouched_stub_fails_in_one_line_saying_what_to_write_and_where(kata):
    outcome, found = run(kata)
    outcome.assert_outcomes(failed=2)
    outcome.stdout.fnmatch_lines(["katas/00_demo/demo.py:4: not written yet: Task 1: write count (see README.md)"])
    assert "Traceback" not in outcome.stdout.str() and "NotImplementedError" not in outcome.stdout.str()
    test = by_name(found)["test_count_counts_up_to_n"]
    assert (test.outcome, test.kata, test.task) == ("failed", "00_demo", 1)
    assert test.message == "katas/00_demo/demo.py:4: not written yet: Task 1: write count (see README.md)"


def test_a_failure_names_its_task_in_the_lesson_and_the_hints(kata):
    outcome, _ = run(kata, "-k", "count")
    outcome.stdout.fnmatch_lines(
        ["This test checks Task 1 (Counting) of katas/00_demo/README.md. Stuck? See Task 1 in katas/00_demo/hints.md."]
    )


def test_a_not_implemented_error_of_the_learners_own_is_an_ordinary_failure(kata):
    write(
        kata, "katas/00_demo/demo.py", STUB.replace("raise NotImplementedError", "n = 1\n    raise NotImplementedError")
    )
    outcome, found = run(kata, "-k", "count")
    outcome.assert_outcomes(failed=1, deselected=1)
    message = by_name(found)["test_count_counts_up_to_n"].message
    assert message.startswith("NotImplementedError: Task 1") and "not written yet" not in message


@pytest.mark.parametrize(
    ("args", "variable", "tested"),
    [
        (["--reference"], None, "reference"),
        ([], "1", "reference"),
        (["--no-reference"], "1", "stubs"),
        ([], None, "stubs"),
    ],
    ids=["flag", "variable", "no-reference-wins", "default"],
)
def test_the_reference_switch_is_decided_once_from_the_flag_or_the_variable(kata, monkeypatch, args, variable, tested):
    if variable is None:
        monkeypatch.delenv("KATAS_REFERENCE", raising=False)
    else:
        monkeypatch.setenv("KATAS_REFERENCE", variable)
    outcome, found = run(kata, *args)
    header = "the reference solutions in reference/" if tested == "reference" else "your code in katas/"
    outcome.stdout.fnmatch_lines([f"katas: testing {header}"])
    outcome.assert_outcomes(**({"passed": 2} if tested == "reference" else {"failed": 2}))
    assert found.reference is (tested == "reference")


# --- The learner's mistakes, each explained ------------------------------------------------------


def test_a_missing_function_fails_each_of_its_tests_naming_the_function(kata):
    write(kata, "katas/00_demo/demo.py", STUB.replace("def count(n):", "def counted(n):"))
    outcome, found = run(kata, "-k", "count")
    outcome.assert_outcomes(failed=1, deselected=1)
    assert "katas/00_demo/demo.py has no `count` yet" in by_name(found)["test_count_counts_up_to_n"].message


def test_a_syntax_error_fails_every_test_without_a_collection_error(kata):
    write(kata, "katas/00_demo/demo.py", STUB + "\ndef broken(:\n")
    outcome, found = run(kata)
    outcome.assert_outcomes(failed=2)
    message = by_name(found)["test_loop_ends"].message
    assert "katas/00_demo/demo.py could not be imported" in message and "SyntaxError" in message


def test_the_header_says_which_code_is_tested_and_not_the_plugins_defaults(kata):
    header = kata.runpytest("katas", "--co").stdout.str().split("collected")[0]
    assert "katas: testing your code in katas/" in header, header
    assert "timeout:" not in header and "timeout method" not in header, header
    verbose = kata.runpytest("katas", "--co", "-v").stdout.str()
    assert "timeout:" in verbose, f"-v shows the plugins' settings:\n{verbose}"


def test_torch_used_without_its_import_fails_in_one_line_naming_the_import(kata):
    write(kata, "katas/00_demo/demo.py", REFERENCE.replace("return len(range(n))", "return int(torch.tensor(n))"))
    outcome, found = run(kata, "-k", "count")
    outcome.assert_outcomes(failed=1, deselected=1)
    message = by_name(found)["test_count_counts_up_to_n"].message
    assert message == (
        "katas/00_demo/demo.py:3: name 'torch' is not defined: add `import torch` at the top of the file, "
        "with the other imports."
    ), message


def test_nn_used_without_its_import_at_import_time_names_the_import(kata):
    write(kata, "katas/00_demo/demo.py", "layer = nn.Linear(2, 2)\n" + REFERENCE)
    _, found = run(kata, "-k", "count")
    message = by_name(found)["test_count_counts_up_to_n"].message
    assert "could not be imported" in message and "add `from torch import nn` at the top of the file" in message


needs_alarm_signal = pytest.mark.skipif(
    not hasattr(signal, "SIGALRM"), reason="without SIGALRM (Windows), pytest-timeout stops the whole run instead"
)


@needs_alarm_signal
def test_a_function_that_never_returns_is_stopped_with_the_line_it_was_running(kata):
    write(kata, "katas/00_demo/demo.py", REFERENCE.replace("i += 1", "pass"))
    outcome, found = run(kata, "-k", "loop", "-o", "timeout=1")
    outcome.assert_outcomes(failed=1, deselected=1)
    test = by_name(found)["test_loop_ends"]
    assert test.message.startswith("Stopped after 1 s: this test should take well under a second"), test.message
    assert "It was running katas/00_demo/demo.py, line 8, in loop()." in test.message, test.message
    assert test.location == "katas/00_demo/demo.py:8"


HANGING_TESTS = """
import pytest

from katas.testing import kata_module

demo = kata_module(__file__)


@pytest.mark.task(2)
@pytest.mark.parametrize("n", [1, 2, 3])
def test_loop_ends(n):
    assert demo.loop(n) == n, "loop(n) should be n"


@pytest.mark.task(1)
def test_count_still_runs():
    assert demo.count(2) == 2, "count(2) should be 2"
"""


@needs_alarm_signal
def test_after_one_call_hangs_the_other_calls_of_that_function_fail_at_once(kata):
    write(kata, "katas/00_demo/demo.py", REFERENCE.replace("i += 1", "pass"))
    write(kata, "katas/00_demo/test_demo.py", HANGING_TESTS)
    _, found = run(kata, "-o", "timeout=1")
    tests = by_name(found)
    assert tests["test_loop_ends[1]"].message.startswith("Stopped after 1 s")
    for later in ("test_loop_ends[2]", "test_loop_ends[3]"):
        assert tests[later].outcome == "failed"
        assert tests[later].message == (
            "Not run: an earlier call of loop() never finished: it was stopped in katas/00_demo/demo.py, line 8, "
            "in loop(). Fix that first: the first test that hung shows where."
        ), tests[later].message
    assert tests["test_count_still_runs"].outcome == "passed", "a function that did not hang runs as usual"


@needs_alarm_signal
def test_a_module_whose_import_hangs_is_stopped_once_and_not_imported_again(kata):
    write(kata, "katas/00_demo/demo.py", "while True:\n    pass\n")
    write(kata, "katas/00_demo/test_demo.py", HANGING_TESTS)
    _, found = run(kata, "-o", "timeout=1")
    first, *later = found.tests
    assert first.message.startswith("Stopped after 1 s"), first.message
    assert "It was running katas/00_demo/demo.py, line 1" in first.message, first.message
    for test in later:
        assert test.message.startswith("Not run: importing katas/00_demo/demo.py never finished"), test.message
        assert test.duration < 0.5, f"{test.name} waited for the time limit again"


def test_a_wrong_return_type_is_named(kata):
    write(
        kata,
        "katas/00_demo/test_demo.py",
        TESTS + "\n\n@pytest.mark.task(1)\ndef test_t():\n    expect_tensor([1], 'f()')\n",
    )
    _, found = run(kata, "-k", "test_t")
    assert by_name(found)["test_t"].message == "f() should return a torch.Tensor, but it returned list: [1]"


def test_task_keywords_select_one_task(kata):
    outcome, _ = run(kata, "--reference", "-k", "task2")
    outcome.assert_outcomes(passed=1, deselected=1)


# --- Skips ---------------------------------------------------------------------------------------

SKIPPING_TESTS = """
import pytest
import torch

from katas.runtime.plugin.skips import skip_for_missing_data


@pytest.mark.task(1)
@pytest.mark.gpu
def test_on_the_gpu(gpu):
    assert torch.ones(1, device=gpu).sum() == 1, "one"


@pytest.mark.task(1)
def test_on_data(request):
    skip_for_missing_data(request, "The files are not in /nowhere.")


@pytest.mark.task(2)
def test_skipped_for_no_reason():
    pytest.skip("no reason")
"""


@pytest.fixture
def skipping(kata: pytest.Pytester) -> pytest.Pytester:
    write(kata, "katas/00_demo/test_demo.py", SKIPPING_TESTS)
    return kata


def test_skips_are_recorded_with_their_kind_taken_from_the_marker_or_the_fixture(skipping):
    outcome, found = run(skipping, "-rs")
    tests = by_name(found)
    if tests["test_on_the_gpu"].outcome == "skipped":  # this machine has no GPU
        outcome.stdout.fnmatch_lines(["*needs a CUDA GPU, and this machine has none*"])
        assert tests["test_on_the_gpu"].skip_kind == "gpu"
    assert (tests["test_on_data"].outcome, tests["test_on_data"].skip_kind) == ("skipped", "data")
    assert tests["test_on_data"].message == "The files are not in /nowhere."
    assert (tests["test_skipped_for_no_reason"].skip_kind, tests["test_skipped_for_no_reason"].message) == (
        "other",
        "no reason",
    )


def test_skip_kinds_come_back_from_xdist_workers_as_enums(under_xdist):
    assert by_name(under_xdist.found)["test_on_data"].skip_kind is results.SkipKind.DATA


def test_the_reference_run_fails_a_skip_that_is_not_for_a_gpu_or_data(skipping):
    _, found = run(skipping, "--reference")
    tests = by_name(found)
    assert tests["test_skipped_for_no_reason"].outcome == "failed"
    assert tests["test_skipped_for_no_reason"].message.startswith("The reference run skipped a test that needs neither")
    assert tests["test_on_data"].outcome == "skipped"


def test_require_data_turns_a_data_skip_into_a_failure(skipping):
    outcome, found = run(skipping, "--require-data", "-k", "data")
    test = by_name(found)["test_on_data"]
    assert (test.outcome, test.message) == ("failed", "--require-data: The files are not in /nowhere.")
    assert "During handling" not in outcome.stdout.str()


# --- The collector -------------------------------------------------------------------------------

LOUD_TESTS = """
import pytest


@pytest.mark.task(1)
def test_long_message():
    assert False, "expected: " + "1, " * 300 + "\\ngot: something else\\nbackward *adds* to .grad: reset it."


@pytest.mark.task(1)
def test_prints_then_fails():
    print("the loss was", 0.25)
    raise ValueError("bad value")


@pytest.mark.task(2)
def test_passes():
    print("not recorded: the test passes")
"""


@pytest.mark.parametrize("options", [[], ["--tb=no"]], ids=["one-process", "no-tracebacks-as-the-katas-command"])
def test_the_collector_records_whole_messages_printed_output_and_where(kata, options):
    write(kata, "katas/00_demo/test_demo.py", LOUD_TESTS)
    path = kata.path / "results.json"
    outcome = kata.runpytest("katas", f"--katas-results={path}", *options)
    assert_the_loud_tests_recorded(path)
    assert outcome.ret == 1


def test_the_collector_records_whole_messages_printed_output_and_where_under_xdist(under_xdist):
    assert_the_loud_tests_recorded(under_xdist.path)
    assert under_xdist.exit_status == 1, under_xdist.output


def assert_the_loud_tests_recorded(path: Path) -> None:
    document = json.loads(path.read_text())
    assert (document["schema"], document["version"], document["exit_status"]) == ("torch-katas/results", 1, 1)
    tests = by_name(results.load(path))
    long = tests["test_long_message"]
    assert len(long.message) > 900 and long.message.endswith(
        "\ngot: something else\nbackward *adds* to .grad: reset it."
    )
    assert long.location == "katas/00_demo/test_demo.py:7"
    loud = tests["test_prints_then_fails"]
    assert (loud.message, loud.output) == ("ValueError: bad value", "the loss was 0.25\n")
    assert (tests["test_passes"].outcome, tests["test_passes"].output) == ("passed", "")


def test_verdicts_keep_the_lessons_order_whatever_order_the_tests_ran_in(kata):
    kata.makeconftest(
        "def pytest_collection_modifyitems(items):\n    items.reverse()  # as pytest-randomly or --failed-first might\n"
    )
    _, found = run(kata)
    assert [test.name for test in found.tests] == ["test_count_counts_up_to_n", "test_loop_ends"]
    assert KataResult.of(found.of_kata("00_demo")).first_failure.name == "test_count_counts_up_to_n"


SEVEN_TESTS = """
import pytest


@pytest.mark.task(1)
@pytest.mark.parametrize("n", range(7))
def test_number(n):
    assert n % 3, f"{n} is a multiple of 3"
"""


def test_shares_run_every_nth_test_and_merge_back_into_the_whole_runs_verdicts(kata):
    write(kata, "katas/00_demo/test_demo.py", SEVEN_TESTS)
    whole = run(kata)[1]
    shares = [run(kata, f"--katas-share={index}/3")[1] for index in range(3)]
    assert [[test.name for test in share.tests] for share in shares] == [
        ["test_number[0]", "test_number[3]", "test_number[6]"],
        ["test_number[1]", "test_number[4]"],
        ["test_number[2]", "test_number[5]"],
    ]
    assert [share.exit_status for share in shares] == [1, 0, 0]
    merged = results.merged(shares)
    assert [(test.id, test.outcome, test.message) for test in merged.tests] == [
        (test.id, test.outcome, test.message) for test in whole.tests
    ]
    assert merged.exit_status == whole.exit_status == 1


def test_a_share_with_no_test_leaves_the_merged_exit_status_alone_and_a_collection_error_is_kept_once(kata):
    write(kata, "katas/00_demo/test_demo.py", "import no_such_module\n")
    shares = [run(kata, f"--katas-share={index}/2")[1] for index in range(2)]
    (error,) = results.merged(shares).tests
    assert error.outcome == "error" and "no_such_module" in error.message
    passing, empty = (results.RunResults(False, status, []) for status in (0, 5))
    assert results.merged([passing, empty]).exit_status == 0
    assert results.merged([empty, empty]).exit_status == 5


@pytest.mark.parametrize("share", ["2/2", "-1/2", "half"])
def test_a_share_must_be_i_of_n(kata, share):
    outcome = kata.runpytest("katas", f"--katas-share={share}")
    assert outcome.ret == pytest.ExitCode.USAGE_ERROR
    assert "I/N" in outcome.stderr.str()


def test_a_test_file_that_cannot_be_collected_is_an_error_of_its_kata(kata):
    write(kata, "katas/00_demo/test_demo.py", "import no_such_module\n")
    _, found = run(kata)
    (test,) = found.tests
    assert (test.kata, test.outcome) == ("00_demo", "error") and "no_such_module" in test.message


def test_a_results_document_written_before_outcomes_were_enums_loads_and_is_written_back_byte_for_byte(tmp_path):
    test = {"id": "katas/00_demo/test_demo.py::test_a", "kata": "00_demo", "task": 1, "outcome": "skipped"}
    test |= {"skip_kind": "data", "message": "no data", "location": "", "output": "", "properties": {}, "duration": 0.5}
    document = {"schema": "torch-katas/results", "version": 1, "reference": False, "exit_status": 0, "tests": [test]}
    path = tmp_path / "results.json"
    path.write_text(json.dumps(document, indent=1), encoding="utf-8")
    (loaded,) = results.load(path).tests
    assert (loaded.outcome, loaded.skip_kind) == (results.Outcome.SKIPPED, results.SkipKind.DATA)
    assert (loaded.outcome, loaded.skip_kind, f"{loaded.outcome}") == ("skipped", "data", "skipped")
    assert loaded.missing_data and loaded.counts and not loaded.passed
    assert results.load(path).to_json() == path.read_text(encoding="utf-8")


# --- Training progress ---------------------------------------------------------------------------

PROGRESS_TESTS = """
import pytest


@pytest.mark.task(1)
def test_trains(training_progress, record_property):
    training_progress.plan(2, 3)
    training_progress(2.5)
    training_progress(1.25)
    record_property("test accuracy", "99.1%")
"""


def test_a_training_test_reports_its_plan_and_losses_to_the_progress_file(kata):
    write(kata, "katas/00_demo/test_demo.py", PROGRESS_TESTS)
    feed = kata.path / "progress.feed"
    reader = FeedReader(feed)
    assert reader.read() == []
    _, found = run(kata, f"--katas-progress={feed}")
    assert reader.read() == [Progress(epochs=2, batches=3), Progress(loss=2.5), Progress(loss=1.25)]
    assert reader.read() == []
    assert KataResult.of(found.of_kata("00_demo")).notes == {"test accuracy": "99.1%"}


def test_without_a_progress_file_a_training_test_reports_nothing(kata):
    write(kata, "katas/00_demo/test_demo.py", PROGRESS_TESTS)
    outcome, _ = run(kata)
    outcome.assert_outcomes(passed=1)


def test_the_progress_feed_has_a_line_for_a_plan_and_one_for_each_batch_s_loss():
    lines = [Progress(epochs=2, batches=469), Progress(loss=0.234567891)]
    assert [line.line() for line in lines] == ["plan 2 469\n", "0.234568\n"]
    assert [Progress.parse(line.line().rstrip("\n")) for line in lines] == [lines[0], Progress(loss=0.234568)]


def test_the_progress_reader_waits_for_whole_lines(tmp_path):
    feed = tmp_path / "progress.feed"
    reader = FeedReader(feed)
    feed.write_text("0.5")
    assert reader.read() == []
    feed.write_text("0.5\n")
    assert reader.read() == [Progress(loss=0.5)]


# --- Two GPUs; one xdist worker per test file -------------------------------------

GROUPED_TESTS = """
import os

import pytest

LOG = "grouped.log"  # where each grouped test writes the worker it ran on


@pytest.mark.task(1)
@pytest.mark.gpu(count=2)
def test_on_two_gpus(gpu):
    assert gpu is not None, "a GPU"


@pytest.mark.task(1)
@pytest.mark.parametrize("n", range(4))
def test_grouped(n):
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    with open(LOG, "a") as log:
        log.write(worker + "\\n")
"""


def test_the_grouped_tests_run_without_xdist_as_the_katas_command_runs_pytest(kata):
    log = kata.path / "grouped.log"
    write(kata, "katas/00_demo/test_demo.py", GROUPED_TESTS.replace('"grouped.log"', repr(str(log))))
    outcome = kata.runpytest_subprocess(
        "katas", "-k", "grouped", "-W", "error::pytest.PytestUnknownMarkWarning", "-p", "no:xdist"
    )
    outcome.assert_outcomes(passed=4)
    ran_on = log.read_text().split()
    assert len(ran_on) == 4 and len(set(ran_on)) == 1, f"the file's tests ran in {ran_on}"


def test_the_tests_of_a_file_run_on_one_xdist_worker(under_xdist):
    ran_on = under_xdist.grouped_log.read_text().split()
    assert len(ran_on) == 4 and len(set(ran_on)) == 1, f"the file's tests ran on {ran_on}"


def test_loading_the_plugin_imports_no_torch_so_that_xdist_s_controller_starts_without_it():
    load = "import importlib, sys\nfrom katas.runtime.plugin import MODULES\n"
    load += "for module in MODULES:\n    importlib.import_module(f'katas.runtime.plugin.{module}')\n"
    load += "print('torch' in sys.modules)"
    imported = subprocess.run([sys.executable, "-c", load], capture_output=True, text=True, check=True).stdout
    assert imported.strip() == "False", "xdist's controller, which runs no test, would import torch (3 s)"


@dataclass
class XdistRun:
    """One pytest run with two xdist workers (see under_xdist)."""

    path: Path  # the collector's results
    found: results.RunResults
    exit_status: int
    output: str
    grouped_log: Path  # the worker each grouped test ran on, a line each


@pytest.fixture(scope="module")
def under_xdist(tmp_path_factory) -> XdistRun:
    """The demo kata with the loud, skipping and grouped tests as files of their own, run by a fresh pytest with two
    xdist workers once for the tests above (a run starts torch in each worker: about 8 s of CPU)."""
    folder = tmp_path_factory.mktemp("xdist")
    log = folder / "grouped.log"
    grouped = GROUPED_TESTS.replace('"grouped.log"', repr(str(log)))
    tests = {"test_demo.py": LOUD_TESTS, "test_skipping.py": SKIPPING_TESTS, "test_grouped.py": grouped}
    write_files(folder, KATA_FILES | {f"katas/00_demo/{name}": text for name, text in tests.items()})
    (folder / "tox.ini").write_text(INI, encoding="utf-8")
    path = folder / "results.json"
    completed = subprocess.run(
        [sys.executable, "-m", "pytest", "katas", f"--katas-results={path}", "-n", "2"]
        + ["-W", "error::pytest.PytestUnknownMarkWarning"],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=300,
    )
    output = completed.stdout + completed.stderr
    assert path.exists(), f"pytest under xdist wrote no results:\n{output}"
    return XdistRun(path, results.load(path), completed.returncode, output, log)


def test_a_test_for_two_gpus_skips_with_how_many_it_needs(kata):
    write(kata, "katas/00_demo/test_demo.py", GROUPED_TESTS)
    _, found = run(kata, "-k", "two_gpus")
    test = by_name(found)["test_on_two_gpus"]
    if torch.cuda.device_count() < 2:
        assert (test.outcome, test.skip_kind) == ("skipped", "gpu"), test
        assert "needs 2 CUDA GPUs" in test.message, test.message


# --- Threads -------------------------------------------------------------------------------------


def test_a_test_computes_on_one_thread_and_one_that_trains_or_times_on_all_of_them(kata, monkeypatch):
    monkeypatch.setattr(torch, "get_num_threads", lambda: 2)  # the machine's count, as the fixture reads it
    threads = []
    monkeypatch.setattr(torch, "set_num_threads", threads.append)
    write(
        kata,
        "katas/00_demo/test_threads.py",
        """
        import pytest


        @pytest.mark.task(1)
        def test_small():
            pass


        @pytest.mark.task(1)
        @pytest.mark.slow("minutes")
        def test_training():
            pass
        """,
    )
    outcome, _ = run(kata, "--reference", "-k", "small or training")
    outcome.assert_outcomes(passed=2)
    assert threads == [1, 2, 2], f"torch.set_num_threads was called with {threads}"
