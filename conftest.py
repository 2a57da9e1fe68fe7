"""pytest setup for torch-katas.

- ``--reference`` (or ``KATAS_REFERENCE=1``): run the kata tests against ``reference/``.
- ``@pytest.mark.gpu``: the test needs a CUDA GPU (``gpu(mps=True)``: Apple's MPS will do);
  without one it is skipped, with a reason that says so.
- Every test starts from a seed of its own, derived from its name, and from torch's
  default grad mode and dtype, so verdicts do not depend on order or ``-n auto``.
- The ``mnist_data`` fixture loads MNIST (see katas/_harness/mnist_data.py); where the files are missing and
  cannot be downloaded its tests are skipped, or fail under ``--require-data`` (as in CI).
- A test that runs past its timeout (``timeout`` in pyproject.toml) is stopped with a
  message that points at the learner's code.
- A failure caused by a stub that is not written yet is shown in one line, and every
  failure says which task of the lesson (and which section of the hints) it checks.
"""

from __future__ import annotations

import random
import signal
import threading
import zlib
from pathlib import Path

import numpy as np
import pytest
import torch

from katas._harness.curriculum import KATAS_DIR, REFERENCE_DIR, REPO_ROOT, kata_containing
from katas._harness.mnist_data import CorruptDataFile, DataUnavailable, Split, load_mnist
from katas._harness.solution import use_reference, using_reference


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--reference",
        action="store_true",
        help="run the kata tests against the reference solutions in reference/ (same as KATAS_REFERENCE=1)",
    )
    parser.addoption(
        "--require-data",
        action="store_true",
        help="fail, instead of skipping, the tests whose dataset (MNIST) is missing and cannot be downloaded",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.pluginmanager.register(StubReports(), "katas-stub-reports")
    if config.getoption("--reference"):
        use_reference()
    # addopts has --benchmark-disable (benchmarks run once, as tests); --benchmark-only asks for measurements
    if config.getoption("benchmark_only", default=False):
        config.option.benchmark_enable = True


def pytest_report_header(config: pytest.Config) -> str:
    return f"katas: testing {'the reference solutions in reference/' if using_reference() else 'your code in katas/'}"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Let ``-k task3`` select the tests of a lesson's Task 3, and record the task in junit XML (for `katas`)."""
    for item in items:
        marker = item.get_closest_marker("task")
        if marker:
            item.extra_keyword_matches.add(f"task{marker.args[0]}")
            item.user_properties.append(("task", marker.args[0]))


# --- GPUs ---------------------------------------------------------------------------------


def available_gpu(mps_ok: bool) -> torch.device | None:
    """The GPU a test may use: CUDA first, then (where the test allows it) Apple's MPS."""
    if torch.cuda.is_available():
        return torch.device("cuda")
    if mps_ok and torch.backends.mps.is_available():
        return torch.device("mps")
    return None


def _gpu_for(item: pytest.Item) -> torch.device | None:
    marker = item.get_closest_marker("gpu")
    return available_gpu(marker.kwargs.get("mps", False))


def pytest_runtest_setup(item: pytest.Item) -> None:
    marker = item.get_closest_marker("gpu")
    if marker and _gpu_for(item) is None:
        wanted = "a CUDA or Apple MPS GPU" if marker.kwargs.get("mps") else "a CUDA GPU"
        pytest.skip(f"needs {wanted}, and this machine has none (torch.cuda.is_available() is False)")


@pytest.fixture
def gpu(request: pytest.FixtureRequest) -> torch.device:
    """The GPU of a ``@pytest.mark.gpu`` test."""
    if request.node.get_closest_marker("gpu") is None:
        raise pytest.UsageError(f"{request.node.nodeid} uses the `gpu` fixture without @pytest.mark.gpu")
    return _gpu_for(request.node)


@pytest.fixture(params=["cpu", pytest.param("cuda", marks=pytest.mark.gpu)])
def device(request: pytest.FixtureRequest) -> torch.device:
    """Each device a test should pass on: the CPU always, a CUDA GPU where there is one."""
    return torch.device(request.param)


# --- Datasets -------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def mnist_data(request: pytest.FixtureRequest) -> dict[str, Split]:
    """The MNIST ``"train"`` and ``"test"`` splits; without the files, the test is skipped (or fails, with --require-data)."""
    try:
        return {"train": load_mnist(train=True), "test": load_mnist(train=False)}
    except (DataUnavailable, CorruptDataFile) as error:
        problem = error
    if isinstance(problem, DataUnavailable) and not request.config.getoption("--require-data"):
        pytest.skip(str(problem))
    pytest.fail(f"--require-data: {problem}" if isinstance(problem, DataUnavailable) else str(problem), pytrace=False)


# --- Determinism ----------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def fixed_seed_and_torch_defaults(request: pytest.FixtureRequest):
    """Seed every generator from the test's own name, and undo global changes a test makes."""
    seed = zlib.crc32(request.node.nodeid.encode())
    random.seed(seed)
    np.random.seed(seed)
    torch.default_generator.manual_seed(
        seed
    )  # torch.manual_seed would also queue a CUDA seeding, with a stack trace, per test
    if torch.cuda.is_available():
        torch.cuda.manual_seed_all(seed)
    grad_enabled, default_dtype = torch.is_grad_enabled(), torch.get_default_dtype()
    yield
    torch.set_grad_enabled(grad_enabled)
    torch.set_default_dtype(default_dtype)


# --- Timeouts -------------------------------------------------------------------------------


@pytest.hookimpl(tryfirst=True)
def pytest_timeout_set_timer(item: pytest.Item, settings) -> bool | None:
    """pytest-timeout's signal timer, with a message for learners instead of a stack dump."""
    if settings.method != "signal" or threading.current_thread() is not threading.main_thread():
        return None  # pytest-timeout's own timer does the job

    def stop(signum, frame):
        __tracebackhide__ = True
        pytest.fail(_timeout_message(item, settings.timeout, frame), pytrace=False)

    def cancel():
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, signal.SIG_DFL)

    item.cancel_timeout = cancel  # pytest-timeout's cancel hook calls this
    signal.signal(signal.SIGALRM, stop)
    signal.setitimer(signal.ITIMER_REAL, settings.timeout)
    return True


def _timeout_message(item: pytest.Item, seconds: float, frame) -> str:
    slow = item.get_closest_marker("slow")
    expected = slow.args[0] if slow and slow.args else "this test should take well under a second"
    message = f"Stopped after {seconds:g} s: {expected}, so the code probably never finishes."
    while frame is not None:
        path = Path(frame.f_code.co_filename)
        if _is_solution_file(path):
            message += (
                f"\nIt was running {path.relative_to(REPO_ROOT)}, line {frame.f_lineno}, in {frame.f_code.co_name}()."
            )
            break
        frame = frame.f_back
    return message + "\nLook for a loop whose condition never changes, or far more work than the task needs."


# --- Readable failures ----------------------------------------------------------------------


def _is_solution_file(path: Path) -> bool:
    """Whether ``path`` is a kata's stub or reference module (not a test, not the harness)."""
    kata_folders = (KATAS_DIR, REFERENCE_DIR)
    return (
        path.parent.parent in kata_folders
        and not path.name.startswith(("test_", "_"))
        and path.parent.name[:2].isdigit()
    )


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    report = yield
    if call.when != "call" and not report.skipped:
        return report
    if report.failed and call.excinfo is not None:
        _add_task_pointer(report, item)
    elif report.skipped and using_reference() and not _may_skip(item):
        report.outcome = "failed"
        report.longrepr = (
            f"The reference run skipped a test that needs neither a GPU nor a dataset: {report.longrepr[2]}"
        )
    return report


def _may_skip(item: pytest.Item) -> bool:
    """Even the reference may skip a test for a missing GPU, for missing data (unless --require-data), and
    every test that is not a benchmark under --benchmark-only."""
    return (
        item.get_closest_marker("gpu") is not None
        or "mnist_data" in getattr(item, "fixturenames", ())
        or item.config.getoption("benchmark_only", default=False)
    )


def _not_written_yet(excinfo: pytest.ExceptionInfo | None) -> str | None:
    """The one line that reports a stub's NotImplementedError ("path:line: not written yet: ..."), else None."""
    if excinfo is None or not excinfo.errisinstance(NotImplementedError):
        return None
    where = excinfo.traceback[-1]
    raised_by_stub = _is_solution_file(Path(where.path)) and Path(where.path).parent.name in str(excinfo.value)
    if not raised_by_stub:  # stubs name their kata; torch's own NotImplementedErrors do not
        return None
    return f"{Path(where.path).relative_to(REPO_ROOT)}:{where.lineno + 1}: not written yet: {excinfo.value}"


class StubReports:
    """Reports a stub's NotImplementedError in one line, before pytest formats a traceback nobody will read.

    On untouched stubs that formatting is most of a run's time (about 40 ms per test).
    """

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo) -> pytest.TestReport | None:
        message = _not_written_yet(call.excinfo)
        if message is None:
            return None  # pytest builds the report
        captured = [(f"Captured {key} {when}", content) for when, key, content in item._report_sections]
        return pytest.TestReport(
            item.nodeid,
            item.location,
            dict.fromkeys(item.keywords, 1),
            "failed",
            message,
            call.when,
            captured,
            call.duration,
            call.start,
            call.stop,
            user_properties=item.user_properties,
        )


def _add_task_pointer(report: pytest.TestReport, item: pytest.Item) -> None:
    marker = item.get_closest_marker("task")
    if marker is None:
        return
    kata, task = kata_containing(item.path), marker.args[0]
    if not kata.lesson_path.is_file():
        return
    title = kata.task_titles().get(task, "")
    lesson, hints = (path.relative_to(REPO_ROOT) for path in (kata.lesson_path, kata.hints_path))
    report.sections.append(
        ("what to look at", f"This test checks Task {task} ({title}) of {lesson}. Stuck? See Task {task} in {hints}.")
    )
