"""Which code a kata's tests exercise: the learner's module, or the reference solution.

Tests get the module through :func:`kata_module`, which loads it lazily, so that a
missing function, a syntax error or a failing import becomes one clear failure per
test instead of a collection error with a long traceback.
"""

from __future__ import annotations

import importlib.util
import os
import sys
import traceback
from pathlib import Path
from types import ModuleType

import pytest

from katas._harness.curriculum import REPO_ROOT, Kata, kata_containing

_reference_mode = False


def use_reference(enabled: bool = True) -> None:
    """Make :func:`kata_module` load ``reference/`` (what ``pytest --reference`` does)."""
    global _reference_mode
    _reference_mode = enabled


def using_reference() -> bool:
    """Whether tests run against ``reference/``: ``--reference`` or ``KATAS_REFERENCE=1``."""
    return _reference_mode or os.environ.get("KATAS_REFERENCE") == "1"


def kata_module(test_file: str) -> KataModule:
    """The module under test for the kata that holds ``test_file`` (pass ``__file__``)."""
    return KataModule(kata_containing(test_file))


class KataModule:
    """Stands for the learner's (or the reference) module; loads it on first use."""

    def __init__(self, kata: Kata) -> None:
        self._kata = kata
        self._module: ModuleType | None = None

    def __getattr__(self, name: str):
        if name.startswith("_"):  # keep pytest's and Python's introspection away from the import
            raise AttributeError(name)
        module = self._load()
        try:
            return getattr(module, name)
        except AttributeError:
            pytest.fail(
                f"{_shown(self._path)} has no `{name}` yet: define it there "
                f"(the tasks in {_shown(self._kata.lesson_path)} list every function to write).",
                pytrace=False,
            )

    def __repr__(self) -> str:
        return f"<kata module {_shown(self._path)}>"

    @property
    def _path(self) -> Path:
        return self._kata.reference_path if using_reference() else self._kata.stub_path

    def _load(self) -> ModuleType:
        if self._module is not None:
            return self._module
        path = self._path
        if not path.exists():
            pytest.fail(f"{_shown(path)} is missing. Restore it with `git checkout -- {_shown(path)}`.", pytrace=False)
        name = ".".join(path.relative_to(REPO_ROOT).with_suffix("").parts)  # e.g. katas.00_tensors.tensors
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module  # lets pickle (and DataLoader workers) find the module's classes
        try:
            spec.loader.exec_module(module)
        except Exception as error:
            del sys.modules[name]
            pytest.fail(f"{_shown(path)} could not be imported:\n{_describe_import_error(error, path)}", pytrace=False)
        self._module = module
        return module


def _describe_import_error(error: Exception, path: Path) -> str:
    """The error and the line of the learner's file that raised it, without harness frames."""
    summary = "".join(traceback.format_exception_only(type(error), error)).rstrip()
    if isinstance(error, SyntaxError):
        return summary
    frames = [frame for frame in traceback.extract_tb(error.__traceback__) if Path(frame.filename) == path]
    if not frames:
        return summary
    frame = frames[-1]
    return f"  line {frame.lineno}: {frame.line}\n{summary}"


def _shown(path: Path) -> str:
    """``path`` as a learner types it: relative to the repository root."""
    try:
        return str(path.relative_to(REPO_ROOT))
    except ValueError:
        return str(path)
