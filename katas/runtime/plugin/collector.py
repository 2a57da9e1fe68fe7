"""Every verdict of a run, whole, in one JSON document: ``pytest --katas-results=PATH`` (see katas.core.results).

Each test report carries the details the collector needs (``report.katas``, a JSON-able dict set where the test
ran, so that pytest-xdist hands it on to the controller); the collector, on the controller, merges each test's
setup, call and teardown into one :class:`~katas.core.results.TestResult` and writes the document at the end.
"""

from __future__ import annotations

import traceback
from pathlib import Path

import pytest

from katas.core import results
from katas.core.layout import is_kata_module
from katas.core.results import ERROR, FAILED, PASSED, SKIPPED, RunResults, SkipKind, TestResult
from katas.runtime.plugin.skips import skip_kind
from katas.runtime.plugin.tasks import kata_of, task_of
from katas.runtime.solution import testing_reference

COLLECTOR = pytest.StashKey["Collector"]()


def pytest_configure(config: pytest.Config) -> None:
    if not hasattr(config, "workerinput"):  # on pytest-xdist's workers, the controller collects
        config.stash[COLLECTOR] = Collector(config)
        config.pluginmanager.register(config.stash[COLLECTOR], "katas-collector")


def collected(config: pytest.Config) -> RunResults:
    """The verdicts collected so far in this run."""
    return config.stash[COLLECTOR].results()


@pytest.hookimpl(wrapper=True, tryfirst=True)  # the outermost wrapper: it sees the report every plugin has finished
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    report = yield
    kata = kata_of(item)
    report.katas = {
        "kata": kata.folder if kata else None,
        "task": task_of(item),
        "skip_kind": skip_kind(item).value if report.skipped else None,  # plain strings: xdist sends them on
        "message": _message(report, call),
        "location": _location(item, call) if report.failed else "",
        "output": _output(report) if report.failed else "",
        "properties": dict(report.user_properties),
    }
    return report


class Collector:
    """Merges the reports of each test into one result; writes them all when the session ends."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.tests: dict[str, TestResult] = {}
        self.exit_status = 0
        self.order: dict[str, int] = {}  # each test's place in the collection: the lesson's order

    def results(self) -> RunResults:
        """The verdicts in the order the tests were collected (the lesson's order), whatever order they ran in."""
        tests = sorted(self.tests.values(), key=lambda test: self.order.get(test.id, len(self.order)))
        return RunResults(testing_reference(), self.exit_status, tests)

    @pytest.hookimpl(tryfirst=True)  # before a plugin such as pytest-randomly reorders them
    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        self.order = {item.nodeid: place for place, item in enumerate(items)}

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        details = getattr(report, "katas", None)
        if details is None:
            return
        test = self.tests.setdefault(
            report.nodeid, TestResult(id=report.nodeid, kata=details["kata"], task=details["task"], outcome=PASSED)
        )
        test.duration += report.duration
        test.properties.update(details["properties"])
        if report.passed or test.outcome != PASSED:
            return  # a later phase never hides the first thing that went wrong
        test.outcome = SKIPPED if report.skipped else FAILED if report.when == "call" else ERROR
        test.skip_kind = details["skip_kind"] and SkipKind(details["skip_kind"])
        test.message = details["message"]
        test.location, test.output = details["location"], details["output"]

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed:  # a test file that cannot even be collected
            parts = Path(report.nodeid).parts
            kata = parts[1] if len(parts) > 2 and parts[0] == "katas" else None
            self.tests[report.nodeid] = TestResult(
                id=report.nodeid, kata=kata, task=None, outcome=ERROR, message=report.longreprtext
            )

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        self.exit_status = int(exitstatus)
        path = self.config.getoption("katas_results")
        if path:
            results.write(Path(path), self.results())


def _message(report: pytest.TestReport, call: pytest.CallInfo) -> str:
    """A failure's whole message (or a skip's reason), as the learner should read it."""
    if report.passed:
        return ""
    if report.skipped:
        return report.longrepr[2].removeprefix("Skipped: ") if isinstance(report.longrepr, tuple) else ""
    if isinstance(report.longrepr, str) or call.excinfo is None:
        return report.longreprtext
    error = call.excinfo.value
    if isinstance(error, pytest.fail.Exception):
        return error.msg or ""
    if isinstance(error, AssertionError) and str(error):
        return str(error)
    return "".join(traceback.format_exception_only(type(error), error)).rstrip()


def _location(item: pytest.Item, call: pytest.CallInfo) -> str:
    """Where the failure happened: the innermost line of a kata module (the learner's code), else of the test."""
    if call.excinfo is None:
        return ""
    in_kata = in_test = None
    test_file, traceback = str(item.path), call.excinfo.tb
    while traceback is not None:  # the raw frames: pytest's own Traceback object costs more than the whole check
        filename = traceback.tb_frame.f_code.co_filename
        if filename == test_file:
            in_test = (filename, traceback.tb_lineno)
        elif is_kata_module(Path(filename)):
            in_kata = (filename, traceback.tb_lineno)
        traceback = traceback.tb_next
    if in_kata is None and in_test is None:
        return ""
    path, line = in_kata or in_test
    try:
        return f"{Path(path).relative_to(item.config.rootpath).as_posix()}:{line}"
    except ValueError:
        return f"{path}:{line}"


def _output(report: pytest.TestReport) -> str:
    """What the test printed, stdout then stderr, whole."""
    stdout, stderr = report.capstdout, report.capstderr
    return stdout + (f"--- stderr ---\n{stderr}" if stderr and stdout else stderr)
