"""Stubs: recognising a kata module and an untouched stub function, and recovering the original stub from git.

A stub is recognised by its place (``<root>/katas/NN_topic/<module>.py``, or the same under ``reference/``) and by
its body (only a docstring and ``raise NotImplementedError(...)``), never by the text of its message.
"""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

from katas.core.curriculum import Kata
from katas.core.git import GitError, git, is_repository
from katas.core.layout import is_kata_module, shown


def _innermost_frame_in_a_kata_module(error: BaseException) -> tuple[Path, int] | None:
    """The file and line where ``error`` was raised, when that is a kata module; else None."""
    traceback = error.__traceback__
    if traceback is None:
        return None
    while traceback.tb_next is not None:
        traceback = traceback.tb_next
    path = Path(traceback.tb_frame.f_code.co_filename)
    return (path, traceback.tb_lineno) if is_kata_module(path) else None


def raised_in_a_kata_module(error: BaseException) -> str | None:
    """Where a kata module raised ``error`` itself (``katas/03_autograd/autograd.py:20``), else None."""
    found = _innermost_frame_in_a_kata_module(error)
    return f"{shown(found[0])}:{found[1]}" if found else None


def raised_by_a_stub(error: BaseException) -> str | None:
    """Where an untouched stub function raised ``error`` as its own last act (``katas/03_autograd/autograd.py:20``),
    else None."""
    found = _innermost_frame_in_a_kata_module(error)
    if found is None:
        return None
    path, line = found
    try:
        untouched = _untouched_function_lines(path, path.stat().st_mtime_ns)
    except (OSError, SyntaxError):
        return None
    if not any(first <= line <= last for first, last in untouched):
        return None
    return f"{shown(path)}:{line}"


@cache
def _untouched_function_lines(path: Path, mtime_ns: int) -> tuple[tuple[int, int], ...]:
    """The first and last line of each untouched stub function in ``path`` (as it was at ``mtime_ns``)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    functions = (node for node in ast.walk(tree) if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef))
    return tuple((node.lineno, node.end_lineno) for node in functions if untouched_function(node))


class StubUnavailable(RuntimeError):
    """The original stub cannot be recovered (no git repository, or no untouched version in its history)."""


def untouched_function(node: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """Whether the function's body is only an optional docstring and ``raise NotImplementedError(...)``."""
    body = node.body[1:] if ast.get_docstring(node) else node.body
    return (
        len(body) == 1
        and isinstance(body[0], ast.Raise)
        and isinstance(body[0].exc, ast.Call)
        and ast.unparse(body[0].exc.func) == "NotImplementedError"
    )


def is_untouched_stub(source: str) -> bool:
    """Whether every function and method in ``source`` is still a stub that raises NotImplementedError."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return False
    functions = [node for node in ast.walk(tree) if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)]
    return bool(functions) and all(untouched_function(node) for node in functions)


def original_stub(kata: Kata) -> str:
    """The pristine stub of ``kata``: the committed version if untouched, else the newest untouched one in git log."""
    path = kata.shown(kata.stub_path)
    try:
        if not is_repository(kata.root):
            git(kata.root, "--version")  # git missing: say so, rather than that this is no repository
            raise StubUnavailable(
                f"{kata.root} is not a git repository, so the original stub cannot be recovered "
                "(`katas init` writes a workspace that is one; clone the project with git to use `katas reset`)"
            )
        history = git(kata.root, "log", "--format=%H", "--", path).split()
    except GitError as error:
        raise StubUnavailable(f"{error}, so the original stub cannot be recovered") from None
    for commit in ["HEAD", *history]:
        try:
            source = git(kata.root, "show", f"{commit}:./{path}")
        except GitError:
            continue
        if is_untouched_stub(source):
            return source
    raise StubUnavailable(f"no commit holds an untouched version of {path}")
