"""The plugin's options, and which code the kata tests exercise: decided once, at configure time, for the session
(:func:`katas.runtime.solution.testing_reference` says which, to every part of the harness)."""

from __future__ import annotations

import os
from contextlib import ExitStack

import pytest

from katas.core.curriculum import reference_folder
from katas.runtime.solution import reference_run, testing_reference

REFERENCE_VARIABLE = "KATAS_REFERENCE"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("katas", "torch-katas")
    group.addoption(
        "--reference",
        action="store_true",
        default=None,
        help=f"run the kata tests against the reference solutions in reference/ (same as {REFERENCE_VARIABLE}=1)",
    )
    group.addoption(
        "--no-reference",
        dest="reference",
        action="store_false",
        help=f"run the kata tests against the learner's code, whatever {REFERENCE_VARIABLE} says (the katas command)",
    )
    group.addoption(
        "--require-data",
        action="store_true",
        help="fail, instead of skipping, the tests whose dataset (MNIST) is missing and cannot be downloaded",
    )
    group.addoption("--katas-results", metavar="PATH", help="write every verdict to PATH as JSON (katas.core.results)")
    group.addoption(
        "--katas-progress", metavar="PATH", help="append a training test's progress to PATH, a line a batch"
    )


@pytest.hookimpl(tryfirst=True)  # before pytest-benchmark reads its options
def pytest_configure(config: pytest.Config) -> None:
    reference = config.getoption("reference")
    if reference is None:
        reference = os.environ.get(REFERENCE_VARIABLE) == "1"
    if reference and not reference_folder(config.rootpath).is_dir():
        raise pytest.UsageError(
            f"--reference (or {REFERENCE_VARIABLE}=1) tests the solutions in reference/, and this copy of the katas "
            "has none: it is a class release, and the solutions are with your teacher. Run pytest without it."
        )
    session = ExitStack()
    session.enter_context(reference_run(reference))
    config.add_cleanup(session.close)
    # pytest-benchmark: a benchmark runs once, as a plain test, unless --benchmark-only asks for measurements
    if hasattr(config.option, "benchmark_disable") and not config.getoption("benchmark_only"):
        config.option.benchmark_disable = True


def pytest_report_header() -> str:
    tested = "the reference solutions in reference/" if testing_reference() else "your code in katas/"
    return f"katas: testing {tested}"
