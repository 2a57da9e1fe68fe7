"""The kata contract, for those who write katas: each check returns what is wrong with a kata, as sentences.

``katas check KATA`` runs them all on one kata in seconds; the project's own tests (tests/test_contract.py) run
the same checks on every kata. A kata satisfies the contract when:
- its folder holds its lesson, stub, hints, tests and notebook and nothing else, and its reference only the module;
- the stub and the reference define the same names, every stub function only raises ``NotImplementedError`` naming
  its task, and the stub imports what the reference imports (torch at least);
- the lesson numbers its tasks 1, 2, ...; the hints and the tests' task marks match them; every assert explains
  itself; the lesson's solution markers pair up; the lesson, hints, stub and reference name no kata folder or number;
- the notebook is what :mod:`katas.authoring.notebooks` writes from the lesson and the stub;
- every test fails on the untouched stub, as "not written yet" (GPU tests may skip), and passes on the reference.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path

from katas.classroom.graded import UnpairedMarker, graded_lesson
from katas.core import results
from katas.core.curriculum import Kata, load_curriculum
from katas.core.stubs import untouched_function

_TASK_NUMBER = re.compile(r"^## Task (\d+)", re.MULTILINE)
IGNORED = {"__pycache__", ".pytest_cache", ".benchmarks", ".ipynb_checkpoints"}  # what pytest and Jupyter leave


def kata_test_files(kata: Kata) -> list[Path]:
    return sorted(kata.path.glob("test_*.py"))


def folder_problems(kata: Kata) -> list[str]:
    """The kata's folder and its reference's hold what they should, and nothing else."""
    problems = []
    expected = {"README.md", kata.module, kata.hints, kata.notebook_path.name} | {p.name for p in kata_test_files(kata)}
    present = {path.name for path in kata.path.iterdir() if path.name not in IGNORED} if kata.path.is_dir() else set()
    expected |= {"conftest.py"} & present  # fixtures of the kata's own
    if not kata_test_files(kata):
        problems.append(f"katas/{kata.folder} has no test_*.py")
    if present != expected:
        problems.append(
            f"katas/{kata.folder}: missing {sorted(expected - present)}, stray {sorted(present - expected)}"
        )
    folder = kata.reference_path.parent
    held = {path.name for path in folder.iterdir() if path.name not in IGNORED} if folder.is_dir() else set()
    if held != {kata.module}:
        problems.append(f"reference/{kata.folder} should hold only {kata.module}; it holds {sorted(held)}")
    return problems


def top_level_names(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {
        node.name
        for node in tree.body
        if isinstance(node, ast.FunctionDef | ast.ClassDef) and not node.name.startswith("_")
    }


def third_party_imports(path: Path) -> set[str]:
    """The top-level imports of ``path`` from outside the standard library, as written (``import torch``)."""
    return {
        ast.unparse(node)
        for node in ast.parse(path.read_text(encoding="utf-8")).body
        if isinstance(node, ast.Import | ast.ImportFrom)
        and (node.module if isinstance(node, ast.ImportFrom) else node.names[0].name).split(".")[0]
        not in sys.stdlib_module_names
    }


def harness_imports(kata: Kata) -> list[str]:
    """Each import, in ``kata``'s tests and its conftest, of a part of ``katas`` other than ``katas.testing``: the
    one facade kata content may use, so that the machinery can change without touching a kata."""
    problems = []
    for path in [*kata_test_files(kata), *[kata.path / "conftest.py"][: (kata.path / "conftest.py").is_file()]]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            names += [alias.name for alias in node.names] if isinstance(node, ast.Import) else []
            for name in names:
                if name.split(".")[0] == "katas" and not (name + ".").startswith("katas.testing."):
                    problems.append(
                        f"{kata.shown(path)}, line {node.lineno}, imports {name}: kata content imports only katas.testing"
                    )
    return problems


def stub_problems(kata: Kata) -> list[str]:
    """The stub mirrors the reference, raises ``NotImplementedError`` naming a task everywhere, imports what it needs."""
    problems = []
    stub, reference = top_level_names(kata.stub_path), top_level_names(kata.reference_path)
    if stub != reference:
        problems.append(
            f"{kata.folder}: only in the stub: {sorted(stub - reference)}; only in the reference: "
            f"{sorted(reference - stub)}"
        )
    tasks = kata.task_titles()
    offenders = [
        f"{node.name} (line {node.lineno})"
        for node in ast.walk(ast.parse(kata.stub_path.read_text(encoding="utf-8")))
        if isinstance(node, ast.FunctionDef)
        and not (untouched_function(node) and _names_a_task_of(node.body[-1], tasks, kata))
    ]
    if offenders:
        problems.append(
            f"in {kata.shown(kata.stub_path)}, these functions should contain only a docstring and "
            f'raise NotImplementedError("Task N: write NAME (see README.md)"), N a task of the lesson: {offenders}'
        )
    missing = (third_party_imports(kata.reference_path) | {"import torch"}) - third_party_imports(kata.stub_path)
    if missing:
        problems.append(f"{kata.shown(kata.stub_path)} should import these, as its reference does: {sorted(missing)}")
    return problems


def _names_a_task_of(statement: ast.stmt, tasks: dict[int, str], kata: Kata) -> bool:
    message = ast.literal_eval(statement.exc.args[0]) if statement.exc.args else ""
    match = re.match(r"Task (\d+): write ", message)
    return bool(match) and int(match.group(1)) in tasks and kata.folder not in message


def task_numbers_of_tests(path: Path) -> dict[str, int | None]:
    """Each test function in ``path`` and the number in its ``@pytest.mark.task(N)``, if any."""
    tests = {}
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.FunctionDef) and node.name.startswith("test_"):
            tests[node.name] = next(
                (
                    decorator.args[0].value
                    for decorator in node.decorator_list
                    if isinstance(decorator, ast.Call) and ast.unparse(decorator.func) == "pytest.mark.task"
                ),
                None,
            )
    return tests


def lesson_problems(kata: Kata) -> list[str]:
    """The lesson's tasks, the hints' sections and the tests' task marks agree; every assert explains itself."""
    problems = []
    lesson_tasks, hints = kata.task_titles(), kata.hints_by_task()
    tested = {name: task for path in kata_test_files(kata) for name, task in task_numbers_of_tests(path).items()}
    if sorted(lesson_tasks) != list(range(1, len(lesson_tasks) + 1)):
        problems.append(f"{kata.folder}/README.md should number its tasks 1, 2, ...; found {sorted(lesson_tasks)}")
    if sorted(hints) != sorted(lesson_tasks):
        problems.append(
            f"{kata.folder}/{kata.hints} has hint sections for tasks {sorted(hints)}; the lesson has "
            f"{sorted(lesson_tasks)}"
        )
    empty = [task for task, items in hints.items() if not items or not all(items)]
    if empty:
        problems.append(f"{kata.folder}/{kata.hints}: tasks {empty} have no hints (or an empty one)")
    unmarked = [name for name, task in tested.items() if task is None]
    if unmarked:
        problems.append(f"{kata.folder}: tests without @pytest.mark.task(N): {unmarked}")
    untested = sorted(set(lesson_tasks) - set(tested.values()))
    if untested:
        problems.append(f"{kata.folder}: lesson tasks with no test: {untested}")
    unknown = sorted(set(tested.values()) - set(lesson_tasks) - {None})
    if unknown:
        problems.append(f"{kata.folder}: tests marked with tasks the lesson does not have: {unknown}")
    bare = [
        f"{path.name}:{node.lineno}"
        for path in kata_test_files(kata)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Assert) and node.msg is None
    ]
    if bare:
        problems.append(f"asserts without a message for the learner (kata tests run with --assert=plain): {bare}")
    return problems + marker_problems(kata)


def marker_problems(kata: Kata) -> list[str]:
    """The lesson's solution and hints markers pair up, a graded release keeps every task, and a marker that starts
    a line stands alone on it (see katas/classroom/graded.py)."""
    lesson = kata.lesson_path.read_text(encoding="utf-8")
    try:
        graded = graded_lesson(lesson)
    except UnpairedMarker as error:
        return [f"{kata.folder}/README.md: {error}"]
    problems = []
    if _TASK_NUMBER.findall(graded) != _TASK_NUMBER.findall(lesson):
        problems.append(f"{kata.folder}/README.md: a graded release would lose a task heading")
    alone = re.compile(r"<!-- (end )?(solution|hints) -->")
    crowded = [
        n for n, line in enumerate(lesson.splitlines(), 1) if alone.match(line) and not alone.fullmatch(line.strip())
    ]
    if crowded:
        problems.append(f"{kata.folder}/README.md: lines {crowded} start with a marker followed by text")
    return problems


def naming_problems(kata: Kata, katas: Iterable[Kata]) -> list[str]:
    """A kata's content does not depend on its position: its lesson, hints, stub and reference name no kata folder
    or number (the katas command renders the commands that do)."""
    folders = "|".join(re.escape(other.folder) for other in katas)
    return [
        f"{kata.shown(path)}: {match.group(0)}: say what the kata is about instead of naming a kata's folder or number"
        for path in (kata.lesson_path, kata.hints_path, kata.stub_path, kata.reference_path)
        for match in re.finditer(rf"(katas/)?({folders})|[Kk]ata \d\d\b", path.read_text(encoding="utf-8"))
    ]


def notebook_problems(kata: Kata) -> list[str]:
    from katas.authoring.notebooks import stale_notebooks

    if stale_notebooks([kata], write=False):
        return [f"{kata.shown(kata.notebook_path)} is out of date: run python tools/make_notebooks.py"]
    return []


def lint_problems(kata: Kata) -> list[str]:
    """What ruff finds in the kata's files and its reference (as CI runs it), where ruff is installed."""
    files = [kata.shown(path) for path in (*kata.path.glob("*.py"), kata.reference_path)]
    problems = []
    for command in (["check", "--output-format", "concise", "--quiet"], ["format", "--check", "--quiet"]):
        try:
            ran = subprocess.run(
                [sys.executable, "-m", "ruff", *command, *files], cwd=kata.root, capture_output=True, text=True
            )
        except OSError:
            return []
        if ran.returncode == 1 and "No module named ruff" not in ran.stderr:
            problems.append(f"ruff {command[0]}:\n{(ran.stdout + ran.stderr).strip()}")
    return problems


def static_problems(kata: Kata) -> list[str]:
    """Every check that reads files without running a test."""
    katas = load_curriculum(kata.root)
    return [
        *folder_problems(kata),
        *harness_imports(kata),
        *stub_problems(kata),
        *lesson_problems(kata),
        *naming_problems(kata, katas),
        *notebook_problems(kata),
    ]


def stub_verdict_problems(found: results.RunResults) -> list[str]:
    """Each test that did not fail on the untouched stubs as "not written yet", and why."""
    problems = []
    for test in found.tests:
        if test.skip_kind == results.GPU:
            continue
        if test.skip_kind == results.DATA:
            problems.append(f"{test.id} could not run: {_data_missing(test.message)}")
        elif test.outcome != results.FAILED:
            problems.append(f"{test.id}: {test.outcome} ({test.skip_kind or 'no skip'}) on the stub: {test.message}")
        elif "not written yet" not in test.message:
            problems.append(f"{test.id} failed on the stub another way than 'not written yet': {test.message}")
    return problems


def reference_verdict_problems(found: results.RunResults) -> list[str]:
    """Each test that did not pass on the reference (a test that needs a GPU may skip)."""
    problems = []
    for test in found.tests:
        if test.outcome == results.PASSED or test.skip_kind == results.GPU:
            continue
        if test.skip_kind == results.DATA:
            problems.append(f"{test.id} could not run: {_data_missing(test.message)}")
        else:
            problems.append(f"{test.id}: {test.outcome} on the reference: {test.message}")
    return problems


def _data_missing(message: str) -> str:
    return (
        "its dataset is missing. Point KATAS_DATA_DIR at a folder holding MNIST/raw/ (this project's CI uses "
        f"../shared/data). {message}"
    )
