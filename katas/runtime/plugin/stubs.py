"""Stubs not written yet: a stub's NotImplementedError fails its test in one line, without a traceback.

On untouched stubs, formatting tracebacks nobody reads would be most of a run's time.
"""

from __future__ import annotations

import pytest

from katas.core.stubs import raised_by_a_stub

NOT_WRITTEN_YET = "not written yet"


def not_written_yet(where: str, message: object) -> str:
    """The one line a stub's failure reads: ``katas/03_autograd/autograd.py:12: not written yet: Task 1: ...``."""
    return f"{where}: {NOT_WRITTEN_YET}: {message}"


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item):
    try:
        return (yield)
    except NotImplementedError as error:
        where = raised_by_a_stub(error)
        if where is None:
            raise  # torch's own NotImplementedError, or the learner's: an ordinary failure
        raise pytest.fail.Exception(not_written_yet(where, error), pytrace=False) from None
