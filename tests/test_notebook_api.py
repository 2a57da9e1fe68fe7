"""katas.notebook, the notebook's way to check a kata: write the cell to the stub, run the tests in a subprocess."""

import io
import sys

import pytest
from rich.console import Console

from katas._harness.solution import load_module
from katas._harness.state import State, backup_dir
from katas.notebook import NotebookKata, kata
from tests.test_cli import clone  # noqa: F401  (a fixture: a git copy of the repository)

# The 15 s default is a learner's guard against hangs; each check runs pytest in a subprocess.
pytestmark = pytest.mark.timeout(120)


def notebook_kata(root, name="03") -> tuple[NotebookKata, io.StringIO]:
    """The kata in the copy at ``root``, and what it shows."""
    shown = io.StringIO()
    found = kata(name, root)
    return NotebookKata(found.kata, Console(file=shown, width=200, highlight=False), found.warm), shown


def test_a_check_writes_the_cell_to_the_stub_and_shows_the_verdict_of_katas_run(clone):  # noqa: F811
    k, shown = notebook_kata(clone)
    solved = k.kata.reference_path.read_text(encoding="utf-8")
    k.check(solved)
    assert k.kata.stub_path.read_text(encoding="utf-8") == solved, "the stub file should hold the cell's code"
    result = State.load(clone).result(k.kata)
    assert result.all_passed, f"the reference, checked from a cell, should pass:\n{shown.getvalue()}"
    assert f"{result.total} of {result.total} tests pass" in shown.getvalue(), shown.getvalue()


def test_a_stale_module_in_the_kernel_does_not_change_the_verdict(clone):  # noqa: F811
    k, shown = notebook_kata(clone)
    stale = load_module(k.kata.reference_path, clone)  # the kernel imported a solved version earlier
    name = stale.__name__.replace("reference", "katas")
    sys.modules[name] = stale
    try:
        k.check(k.kata.stub_path.read_text(encoding="utf-8"))
    finally:
        del sys.modules[name], sys.modules[stale.__name__]
    result = State.load(clone).result(k.kata)
    assert result.passed == 0, f"the untouched stub should fail whatever the kernel imported:\n{shown.getvalue()}"
    assert "0 of" in shown.getvalue(), shown.getvalue()


def test_a_syntax_error_gives_one_clear_message_and_leaves_the_stub_alone(clone):  # noqa: F811
    k, shown = notebook_kata(clone)
    before = k.kata.stub_path.read_text(encoding="utf-8")
    k.check("import torch\n\ndef gradient_at(f, x:\n    return x\n", first_line=2)
    output = shown.getvalue()
    assert k.kata.stub_path.read_text(encoding="utf-8") == before, "a cell that does not compile must not be written"
    assert "The cell is not valid Python" in output and "SyntaxError" in output, output
    assert 'File "the cell", line 4' in output, f"the line should be counted in the cell (after %%kata):\n{output}"
    assert "pass" not in output.replace("unchanged", ""), f"nothing should run:\n{output}"
    assert State.load(clone).result(k.kata) is None, "no run should be recorded"


def test_the_stub_is_backed_up_before_the_first_write_and_not_again_for_the_notebooks_own_writes(clone):  # noqa: F811
    k, shown = notebook_kata(clone)
    untouched = k.kata.stub_path.read_text(encoding="utf-8")
    k.check(untouched.replace("# Task 1", "# Task 1, tried", 1))
    k.check(untouched.replace("# Task 1", "# Task 1, tried again", 1))
    copies = list((backup_dir(clone) / k.kata.folder).iterdir())
    assert [copy.read_text(encoding="utf-8") for copy in copies] == [untouched], (
        f"one copy, of the untouched stub, should be kept; found {[copy.name for copy in copies]}"
    )
    assert k.kata.shown(copies[0]) in shown.getvalue(), f"the copy's path should be shown:\n{shown.getvalue()}"


def test_the_solution_stays_hidden_until_a_check_passes(clone, capsys):  # noqa: F811
    k, shown = notebook_kata(clone)
    k.solution()
    assert "does not pass yet" in shown.getvalue(), shown.getvalue()
    k.check(k.kata.reference_path.read_text(encoding="utf-8"))
    k.solution()  # outside Jupyter and a terminal, as `katas solution` does: the code alone, on stdout
    assert capsys.readouterr().out == k.kata.reference_path.read_text(encoding="utf-8")
