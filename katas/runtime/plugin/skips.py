"""Why a test skipped: no GPU here, or its dataset missing. The reference run may skip for no other reason."""

from __future__ import annotations

from typing import NoReturn

import pytest

from katas.core.results import DATA, OTHER
from katas.runtime.plugin.gpu import SKIP_KIND
from katas.runtime.solution import testing_reference


def skip_for_missing_data(request: pytest.FixtureRequest, problem: str) -> NoReturn:
    """Skip the test whose dataset is missing; under ``--require-data`` (the project's checks), fail it."""
    if request.config.getoption("require_data"):
        raise pytest.fail.Exception(f"--require-data: {problem}", pytrace=False) from None
    request.node.stash[SKIP_KIND] = DATA
    raise pytest.skip.Exception(problem) from None


def skip_kind(item: pytest.Item) -> str:
    """Why a skipped test skipped: no GPU, its data missing, or another reason."""
    return item.stash.get(SKIP_KIND, OTHER)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    report = yield
    if report.skipped and skip_kind(item) == OTHER and _reference_must_run(item.config):
        report.outcome = "failed"
        report.longrepr = (
            f"The reference run skipped a test that needs neither a GPU nor a dataset: {report.longrepr[2]}"
        )
    return report


def _reference_must_run(config: pytest.Config) -> bool:
    """Under --reference every test runs, except under --benchmark-only (which skips every non-benchmark test)."""
    return testing_reference() and not config.getoption("benchmark_only", default=False)
