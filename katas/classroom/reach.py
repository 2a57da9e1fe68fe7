"""What a learner's code may not touch when it is graded: the ways Python code reaches into the grader around it.

A kata's solution needs torch and a little of the standard library; it never needs pytest, the harness, the
interpreter's frames and garbage collector, dynamic imports and evaluation, or a way to end the process. A stub
that uses one of them could forge its own verdicts (a pytest hook found through the running config), or end its
grading process early; :func:`reaches` names each such use, so that grading can refuse the kata instead of
trusting its verdicts. A check of the source, by design: it cannot stop code it does not see (text assembled at
run time and run by a library that does what ``eval`` does), which the README says plainly.
"""

from __future__ import annotations

import ast
from pathlib import Path

MODULES = {  # modules a solution never imports, and what they reach
    "pytest": "the test runner",
    "_pytest": "the test runner",
    "pluggy": "the test runner's hooks",
    "py": "the test runner",
    "conftest": "the test configuration",
    "katas": "the harness and its tests",
    "gc": "every object of the process, the grader's included",
    "inspect": "the frames of the grader's code",
    "ctypes": "the interpreter's memory",
    "importlib": "modules loaded by name at run time",
    "builtins": "Python's built-in functions",
    "signal": "the timer that stops a test that hangs",
    "atexit": "the end of the process",
    "faulthandler": "the process's crash handling",
    "subprocess": "other programs",
}
BUILTINS = {  # built-in functions a solution never calls
    "__import__": "imports a module by name at run time",
    "exec": "runs code given as text",
    "eval": "runs code given as text",
    "compile": "compiles code given as text",
    "globals": "reaches the module's namespace",
    "breakpoint": "stops in a debugger",
    "exit": "ends the process",
    "quit": "ends the process",
}
ATTRIBUTES = {  # attributes a solution never touches, on any object
    "_exit": "ends the process at once",
    "abort": "ends the process at once",
    "kill": "sends a signal to a process",
    "killpg": "sends a signal to processes",
    "_getframe": "reaches the frames of the grader's code",
    "settrace": "watches every line the grader runs",
    "setprofile": "watches every call the grader makes",
    "f_back": "reaches the frames of the grader's code",
    "f_globals": "reaches the frames of the grader's code",
    "f_locals": "reaches the frames of the grader's code",
    "f_builtins": "reaches the frames of the grader's code",
    "tb_frame": "reaches the frames of the grader's code",
    "gi_frame": "reaches the frames of the grader's code",
    "cr_frame": "reaches the frames of the grader's code",
    "__globals__": "reaches another module's namespace",
    "__code__": "rewrites a function",
    "__subclasses__": "reaches every class of the process",
    "__builtins__": "reaches Python's built-in functions",
}
SYS_ATTRIBUTES = {"modules": "every module loaded, the grader's included", "exit": "ends the process"}


def reaches(source: str) -> list[str]:
    """Each use in ``source`` of what a solution never needs, as ``line N: what it does``, in the order of lines.

    Source that does not parse reaches nothing here: running it fails, and that failure is its verdict.
    """
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    found = sorted(((node.lineno, what) for node in ast.walk(tree) for what in _uses(node)), key=lambda use: use[0])
    return [f"line {line}: {what}" for line, what in found]


def reaches_in_files(paths: list[Path], root: Path) -> list[str]:
    """:func:`reaches` over each file of ``paths``, as ``katas/07_losses/losses.py line 3: ...``."""
    found = []
    for path in paths:
        shown = path.relative_to(root).as_posix()
        found.extend(f"{shown} {use}" for use in reaches(path.read_text(encoding="utf-8", errors="replace")))
    return found


def _uses(node: ast.AST) -> list[str]:
    if isinstance(node, ast.Import):
        return [_module_use(alias.name) for alias in node.names if _top(alias.name) in MODULES]
    if isinstance(node, ast.ImportFrom) and node.module and node.level == 0 and _top(node.module) in MODULES:
        return [_module_use(node.module)]
    if isinstance(node, ast.Name) and node.id in BUILTINS:
        return [f"{node.id}() {BUILTINS[node.id]}"]
    if isinstance(node, ast.Name) and node.id == "__builtins__":
        return [f"__builtins__ {ATTRIBUTES['__builtins__']}"]
    if isinstance(node, ast.Attribute):
        if isinstance(node.value, ast.Name) and node.value.id == "sys" and node.attr in SYS_ATTRIBUTES:
            return [f"sys.{node.attr} {SYS_ATTRIBUTES[node.attr]}"]
        if node.attr in ATTRIBUTES:
            return [f"{ast.unparse(node)[-40:]} {ATTRIBUTES[node.attr]}"]
    return []


def _top(module: str) -> str:
    return module.split(".")[0]


def _module_use(module: str) -> str:
    return f"imports {module}, which reaches {MODULES[_top(module)]}"
