"""Untouched stubs: recognising one, and recovering the original from git."""

from __future__ import annotations

import ast
import subprocess

from katas._harness.curriculum import REPO_ROOT, Kata


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
    path = kata.stub_path.relative_to(REPO_ROOT).as_posix()
    _git("rev-parse", "--is-inside-work-tree")
    for commit in ["HEAD", *_git("log", "--format=%H", "--", path).split()]:
        try:
            source = _git("show", f"{commit}:./{path}")
        except StubUnavailable:
            continue
        if is_untouched_stub(source):
            return source
    raise StubUnavailable(f"no commit holds an untouched version of {path}")


def _git(*args: str) -> str:
    try:
        completed = subprocess.run(["git", *args], cwd=REPO_ROOT, capture_output=True, text=True)
    except FileNotFoundError:
        raise StubUnavailable("git is not installed, so the original stub cannot be recovered") from None
    if completed.returncode != 0:
        if args[0] == "rev-parse":
            raise StubUnavailable(
                f"{REPO_ROOT} is not a git repository, so the original stub cannot be recovered "
                "(clone the project with git to use `katas reset`)"
            )
        raise StubUnavailable(completed.stderr.strip())
    return completed.stdout
