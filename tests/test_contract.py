"""The collection's contract: what every kata must satisfy, checked on every kata at once.

Run with the project's own suite: `pytest --reference -n auto katas tests`. (The reference
passing every kata test is checked by that same run: conftest turns a skipped non-GPU
test into a failure under --reference.)
"""

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

from katas._harness import results
from katas._harness.curriculum import INSTALLED_ROOT, Kata, load_curriculum
from katas._harness.stubs import untouched_function

# The 15 s default is a learner's guard against hangs; the stub run is one pytest subprocess over every kata.
pytestmark = pytest.mark.timeout(600)

ROOT = INSTALLED_ROOT
KATAS = load_curriculum(ROOT)
KATA_IDS = [kata.folder for kata in KATAS]
IGNORED = {
    "__pycache__",
    ".pytest_cache",
    ".benchmarks",
    ".ipynb_checkpoints",
}  # what pytest and Jupyter leave (git-ignored)


def kata_test_files(kata: Kata) -> list[Path]:
    return sorted(kata.path.glob("test_*.py"))


def top_level_names(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {
        node.name
        for node in tree.body
        if isinstance(node, ast.FunctionDef | ast.ClassDef) and not node.name.startswith("_")
    }


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


# --- The curriculum and the two trees agree -----------------------------------------------


def test_curriculum_numbers_the_katas_in_order_without_gaps():
    numbers = [kata.number for kata in KATAS]
    assert numbers == list(range(len(KATAS))), f"kata folders must be numbered 00, 01, ... in order; got {numbers}"


def test_kata_folders_are_exactly_the_ones_in_the_curriculum():
    on_disk = {path.name for path in (ROOT / "katas").iterdir() if path.is_dir() and re.match(r"\d\d_", path.name)}
    assert on_disk == set(KATA_IDS), (
        f"folders in katas/ but not in curriculum.toml: {sorted(on_disk - set(KATA_IDS))}; "
        f"listed but missing: {sorted(set(KATA_IDS) - on_disk)}"
    )


def test_reference_folders_are_exactly_the_ones_in_the_curriculum():
    on_disk = {path.name for path in (ROOT / "reference").iterdir() if path.is_dir() and path.name not in IGNORED}
    assert on_disk == set(KATA_IDS), (
        f"folders in reference/ but not in curriculum.toml: {sorted(on_disk - set(KATA_IDS))}; "
        f"listed but missing: {sorted(set(KATA_IDS) - on_disk)}"
    )


@pytest.mark.parametrize("kata", KATAS, ids=KATA_IDS)
def test_kata_folder_holds_lesson_stub_hints_tests_and_notebook_and_nothing_else(kata):
    expected = {"README.md", kata.module, kata.hints, f"{kata.topic}.ipynb"} | {
        path.name for path in kata_test_files(kata)
    }
    expected |= {"conftest.py"} & {path.name for path in kata.path.iterdir()}  # fixtures of the kata's own
    present = {path.name for path in kata.path.iterdir() if path.name not in IGNORED}
    assert kata_test_files(kata), f"katas/{kata.folder} has no test_*.py"
    assert present == expected, (
        f"katas/{kata.folder}: missing {sorted(expected - present)}, stray {sorted(present - expected)}"
    )


@pytest.mark.parametrize("kata", KATAS, ids=KATA_IDS)
def test_reference_folder_holds_only_the_solution_module(kata):
    present = {path.name for path in kata.reference_path.parent.iterdir() if path.name not in IGNORED}
    assert present == {kata.module}, (
        f"reference/{kata.folder} should hold only {kata.module}; it holds {sorted(present)}"
    )


def test_test_file_names_are_unique_across_katas():
    names = [path.name for kata in KATAS for path in kata_test_files(kata)]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    assert not duplicates, f"test files must have unique names (pytest imports them by base name): {duplicates}"


# --- Stubs, references, lessons and hints -------------------------------------------------


@pytest.mark.parametrize("kata", KATAS, ids=KATA_IDS)
def test_stub_and_reference_define_the_same_functions_and_classes(kata):
    stub, reference = top_level_names(kata.stub_path), top_level_names(kata.reference_path)
    assert stub == reference, (
        f"{kata.folder}: only in the stub: {sorted(stub - reference)}; only in the reference: {sorted(reference - stub)}"
    )


@pytest.mark.parametrize("kata", KATAS, ids=KATA_IDS)
def test_every_stub_function_only_raises_not_implemented_naming_its_task_and_not_its_folder(kata):
    tree = ast.parse(kata.stub_path.read_text(encoding="utf-8"))
    tasks = kata.task_titles()
    offenders = [
        f"{node.name} (line {node.lineno})"
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef)
        and not (untouched_function(node) and _names_a_task_of(node.body[-1], tasks, kata))
    ]
    assert not offenders, (
        f"in katas/{kata.folder}/{kata.module}, these functions should contain only a docstring and "
        f'raise NotImplementedError("Task N: write NAME (see README.md)"), N a task of the lesson: {offenders}'
    )


def _names_a_task_of(statement: ast.stmt, tasks: dict[int, str], kata: Kata) -> bool:
    message = ast.literal_eval(statement.exc.args[0]) if statement.exc.args else ""
    match = re.match(r"Task (\d+): write ", message)
    return bool(match) and int(match.group(1)) in tasks and kata.folder not in message


def third_party_imports(path: Path) -> set[str]:
    """The top-level imports of ``path`` from outside the standard library, as written (``import torch``)."""
    return {
        ast.unparse(node)
        for node in ast.parse(path.read_text(encoding="utf-8")).body
        if isinstance(node, ast.Import | ast.ImportFrom)
        and (node.module if isinstance(node, ast.ImportFrom) else node.names[0].name).split(".")[0]
        not in sys.stdlib_module_names
    }


@pytest.mark.parametrize("kata", KATAS, ids=KATA_IDS)
def test_every_stub_imports_torch_and_the_libraries_its_reference_imports(kata):
    """The learner's first line (``return torch.tensor(data)``) works: the stub already imports what it needs."""
    missing = sorted(
        (third_party_imports(kata.reference_path) | {"import torch"}) - third_party_imports(kata.stub_path)
    )
    assert not missing, f"{kata.shown(kata.stub_path)} should import these, as its reference does: {missing}"


def test_ruff_leaves_the_stubs_imports_alone():
    """Nothing a stub imports is unused in ruff's eyes, so `ruff check --fix` never removes it."""
    stubs = [kata.shown(kata.stub_path) for kata in KATAS]
    ruff = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--select", "F401", "--output-format", "concise", *stubs],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert ruff.returncode == 0, (
        f"ruff would remove imports from the stubs (configure per-file-ignores):\n{ruff.stdout}"
    )


def test_lessons_and_stubs_name_no_kata_folder():
    """A kata's content does not depend on its position: the katas command renders commands that name folders."""
    folders = "|".join(re.escape(kata.folder) for kata in KATAS)
    offenders = [
        f"{kata.shown(path)}: {match.group(0)}"
        for kata in KATAS
        for path in (kata.lesson_path, kata.hints_path, kata.stub_path, kata.reference_path)
        for match in re.finditer(rf"(katas/)?({folders})|[Kk]ata \d\d\b", path.read_text(encoding="utf-8"))
    ]
    assert not offenders, f"these name a kata's folder or number; say what the kata is about instead: {offenders}"


@pytest.mark.parametrize("kata", KATAS, ids=KATA_IDS)
def test_lesson_tasks_hints_and_test_markers_agree(kata):
    lesson_tasks = kata.task_titles()
    hints = kata.hints_by_task()
    tested = {name: task for path in kata_test_files(kata) for name, task in task_numbers_of_tests(path).items()}

    assert sorted(lesson_tasks) == list(range(1, len(lesson_tasks) + 1)), (
        f"{kata.folder}/README.md should number its tasks 1, 2, ...; found {sorted(lesson_tasks)}"
    )
    assert sorted(hints) == sorted(lesson_tasks), (
        f"{kata.folder}/{kata.hints} has hint sections for tasks {sorted(hints)}; the lesson has {sorted(lesson_tasks)}"
    )
    empty = [task for task, items in hints.items() if not items or not all(items)]
    assert not empty, f"{kata.folder}/{kata.hints}: tasks {empty} have no hints (or an empty one)"
    unmarked = [name for name, task in tested.items() if task is None]
    assert not unmarked, f"{kata.folder}: tests without @pytest.mark.task(N): {unmarked}"
    untested = sorted(set(lesson_tasks) - set(tested.values()))
    assert not untested, f"{kata.folder}: lesson tasks with no test: {untested}"
    unknown = sorted(set(tested.values()) - set(lesson_tasks))
    assert not unknown, f"{kata.folder}: tests marked with tasks the lesson does not have: {unknown}"


@pytest.mark.parametrize("kata", KATAS, ids=KATA_IDS)
def test_every_assert_in_the_kata_tests_explains_itself(kata):
    bare = [
        f"{path.name}:{node.lineno}"
        for path in kata_test_files(kata)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Assert) and node.msg is None
    ]
    assert not bare, f"asserts without a message for the learner (kata tests run with --assert=plain): {bare}"


# --- Every kata test fails on the untouched stubs -----------------------------------------


@pytest.fixture(scope="module")
def stub_results(tmp_path_factory) -> results.RunResults:
    """Every kata's tests run on the untouched stubs, in a fresh pytest; the collector's results."""
    path = tmp_path_factory.mktemp("stubs") / "results.json"
    completed = subprocess.run(
        [sys.executable, "-m", "pytest", "katas", "--no-reference", f"--katas-results={path}", "-q"]
        + ["-p", "no:randomly", "-p", "no:xdist", "-p", "no:cacheprovider"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert path.exists(), (
        f"pytest on the stubs wrote no results:\n{completed.stdout[-3000:]}\n{completed.stderr[-3000:]}"
    )
    return results.load(path)


def test_stub_run_collects_every_kata(stub_results):
    collected = {test.kata for test in stub_results.tests}
    assert collected == set(KATA_IDS), f"the stub run collected tests from {sorted(collected)}, not {KATA_IDS}"


def test_every_kata_test_fails_on_the_untouched_stub(stub_results):
    problems = not_failing(stub_results)
    assert not problems, "on the untouched stubs, every test must fail (GPU tests may skip):\n" + "\n".join(problems)


def not_failing(found: results.RunResults) -> list[str]:
    """Each test that did not fail on the stubs, and why; a missing dataset says where the data should be."""
    problems = []
    for test in found.tests:
        if test.outcome == "failed" or test.skip_kind == "gpu":
            continue
        if test.skip_kind == "data":
            problems.append(
                f"{test.id} could not run: its dataset is missing. Point KATAS_DATA_DIR at a folder holding "
                f"MNIST/raw/ (this project's CI uses ../shared/data). {test.message}"
            )
        else:
            problems.append(f"{test.id}: {test.outcome} ({test.skip_kind or 'no skip'}): {test.message}")
    return problems


def test_a_missing_dataset_is_reported_with_where_the_data_should_be():
    missing = results.TestResult(
        id="katas/12_mnist/test_mnist.py::test_fit",
        kata="12_mnist",
        task=5,
        outcome="skipped",
        skip_kind="data",
        message="The MNIST files are not in /nowhere/MNIST/raw.",
    )
    (problem,) = not_failing(results.RunResults(reference=False, exit_status=1, tests=[missing]))
    assert "dataset is missing" in problem and "KATAS_DATA_DIR" in problem and "/nowhere/MNIST/raw" in problem, problem


def test_every_stub_failure_says_what_to_write(stub_results):
    unclear = [
        test.id for test in stub_results.tests if test.outcome == "failed" and "not written yet" not in test.message
    ]
    assert not unclear, (
        "on the untouched stubs, every failure should be a stub's NotImplementedError "
        f"(shown as 'not written yet: ...'); these failed another way: {unclear}"
    )
