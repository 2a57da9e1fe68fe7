"""The module a kata's tests exercise: the learner's stub, or the reference solution.

Tests get the module through :func:`kata_module`, which loads it lazily, so that a
missing function, a syntax error or a failing import becomes one clear failure per
test instead of a collection error with a long traceback. Which of the two it loads is
decided by the pytest plugin at configure time (``--reference``), which tells this module through
:func:`reference_run`; :func:`testing_reference` is the one place every part of the harness asks.
"""

from __future__ import annotations

import importlib.util
import sys
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType

import pytest

from katas.core.curriculum import Kata, kata_containing
from katas.core.layout import module_name
from katas.runtime.missing_imports import missing_import

_reference_runs: list[bool] = []  # one entry per pytest session in progress (pytester nests them), innermost last


@contextmanager
def reference_run(reference: bool) -> Iterator[None]:
    """While this block runs (a pytest session), kata modules load the reference solutions, or the stubs."""
    _reference_runs.append(reference)
    try:
        yield
    finally:
        _reference_runs.pop()


def testing_reference() -> bool:
    """Whether the pytest session in progress tests the reference solutions."""
    return bool(_reference_runs and _reference_runs[-1])


def kata_module(test_file: str) -> KataModule:
    """The module under test for the kata that holds ``test_file`` (pass ``__file__``)."""
    return KataModule(kata_containing(test_file))


def module_path(module: KataModule) -> Path:
    """The file that ``module`` stands for (the stub, or the reference); failing the test as an attribute of it
    would, when that file is missing or cannot be imported."""
    module._load()
    return module._path


class KataModule:
    """Stands for the learner's (or the reference) module; loads it on first use."""

    def __init__(self, kata: Kata) -> None:
        self._kata = kata
        self._module: ModuleType | None = None
        self._never_imported = ""  # why importing the module is not tried again (its import hung once)

    def __getattr__(self, name: str):
        if name.startswith("_"):  # keep pytest's and Python's introspection away from the import
            raise AttributeError(name)
        module = self._load()
        try:
            return getattr(module, name)
        except AttributeError:
            pytest.fail(
                f"{self._kata.shown(self._path)} has no `{name}` yet: define it there "
                f"(the tasks in {self._kata.shown(self._kata.lesson_path)} list every function to write).",
                pytrace=False,
            )

    def __repr__(self) -> str:
        return f"<kata module {self._kata.shown(self._path)}>"

    @property
    def _path(self) -> Path:
        return self._kata.reference_path if testing_reference() else self._kata.stub_path

    def _load(self) -> ModuleType:
        if self._module is not None:
            return self._module
        path, shown = self._path, self._kata.shown(self._path)
        if self._never_imported:
            pytest.fail(self._never_imported, pytrace=False)
        if not path.exists():
            pytest.fail(f"{shown} is missing. `katas reset {self._kata.number:02d}` restores the stub.", pytrace=False)
        try:
            self._module = load_module(path)
        except pytest.fail.Exception:  # the time limit stopped the import: each later test would hang as long
            self._never_imported = (
                f"Not run: importing {shown} never finished when an earlier test tried it. Fix that first: the first "
                "test that hung shows the line (code at the top level of the file runs on import)."
            )
            raise
        except Exception as error:
            pytest.fail(f"{shown} could not be imported:\n{_describe_import_error(error, path)}", pytrace=False)
        return self._module


def load_module(path: Path) -> ModuleType:
    """Import the kata module at ``path`` afresh, named after its place (``katas.00_tensors.tensors``,
    ``reference.00_tensors.tensors``)."""
    name = module_name(path)
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # lets pickle (and DataLoader workers) find the module's classes
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[name]
        raise
    return module


def _describe_import_error(error: Exception, path: Path) -> str:
    """The error and the line of the learner's file that raised it, without harness frames."""
    summary = "".join(traceback.format_exception_only(type(error), error)).rstrip()
    advice = missing_import(error)
    if advice is not None:
        summary = f"{summary}\n{advice}."
    if isinstance(error, SyntaxError):
        return summary
    frames = [frame for frame in traceback.extract_tb(error.__traceback__) if Path(frame.filename) == path]
    if not frames:
        return summary
    frame = frames[-1]
    return f"  line {frame.lineno}: {frame.line}\n{summary}"
