"""Stubs not written yet: a stub's NotImplementedError fails its test in one line, without a traceback.

On untouched stubs, formatting tracebacks nobody reads would be most of a run's time.
"""

from __future__ import annotations

import pytest

from katas._harness.stubs import raised_by_a_stub

NOT_WRITTEN_YET = "not written yet"


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item):
    try:
        return (yield)
    except NotImplementedError as error:
        stub = raised_by_a_stub(error)
        if stub is None:
            raise  # torch's own NotImplementedError, or the learner's: an ordinary failure
        line = error.__traceback__
        while line.tb_next is not None:
            line = line.tb_next
        shown = stub.relative_to(stub.parents[2]).as_posix()
        message = f"{shown}:{line.tb_lineno}: {NOT_WRITTEN_YET}: {error}"
        raise pytest.fail.Exception(message, pytrace=False) from None
