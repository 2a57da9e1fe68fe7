"""A learner's code that uses ``torch`` (or ``nn``, ``F``, ``np``) without importing it fails in one line that names
the import to add, instead of a NameError traceback."""

from __future__ import annotations

import pytest

from katas.core.stubs import raised_in_a_kata_module
from katas.runtime.missing_imports import missing_import


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item):
    try:
        return (yield)
    except NameError as error:
        advice, where = missing_import(error), raised_in_a_kata_module(error)
        if advice is None or where is None:
            raise
        raise pytest.fail.Exception(f"{where}: {advice}.", pytrace=False) from None
