"""katas.notebook, the notebook's way to check a kata: write the cell to the stub, run the tests in a subprocess."""

import io
import sys

import pytest
from rich.console import Console

from katas.learner.state import State, backup_dir
from katas.notebook import NotebookKata, kata
from katas.runtime.solution import load_module
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
    stale = load_module(k.kata.reference_path)  # the kernel imported a solved version earlier
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


def test_the_notebooks_own_writes_replace_each_other_without_copies(clone):  # noqa: F811
    k, shown = notebook_kata(clone)
    untouched = k.kata.stub_path.read_text(encoding="utf-8")
    k.check(untouched.replace("# Task 1", "# Task 1, tried", 1))
    k.check(untouched.replace("# Task 1", "# Task 1, tried again", 1))
    assert "tried again" in k.kata.stub_path.read_text(encoding="utf-8"), shown.getvalue()
    assert not (backup_dir(clone) / k.kata.folder).exists(), "neither the untouched stub nor the notebook's own code"


def test_a_cell_never_replaces_a_file_solved_elsewhere(clone):  # noqa: F811
    k, shown = notebook_kata(clone)
    untouched = k.kata.stub_path.read_text(encoding="utf-8")
    solved = k.kata.reference_path.read_text(encoding="utf-8")
    k.kata.stub_path.write_text(solved, encoding="utf-8")  # solved in an editor
    k.check(untouched)  # the notebook run top to bottom: its cell holds the untouched stub
    output = shown.getvalue()
    assert k.kata.stub_path.read_text(encoding="utf-8") == solved, f"the solved file must stay:\n{output}"
    assert State.load(clone).result(k.kata) is None, f"nothing should run:\n{output}"
    assert "holds code this notebook has not seen" in output and "Nothing was saved or run" in output, output
    assert f"%%kata {k.kata.folder} --load" in output and f"%%kata {k.kata.folder} --overwrite" in output, output


def test_an_older_cell_run_again_never_replaces_edits_made_elsewhere(clone):  # noqa: F811
    k, shown = notebook_kata(clone)
    older = k.kata.stub_path.read_text(encoding="utf-8").replace("# Task 1", "# Task 1, in the cell", 1)
    k.check(older)
    edited = older.replace("in the cell", "then in an editor")
    k.kata.stub_path.write_text(edited, encoding="utf-8")
    k.check(older)
    assert k.kata.stub_path.read_text(encoding="utf-8") == edited, shown.getvalue()
    assert "has not seen" in shown.getvalue(), shown.getvalue()


def test_overwrite_replaces_the_file_keeping_a_copy_first(clone):  # noqa: F811
    k, shown = notebook_kata(clone)
    untouched = k.kata.stub_path.read_text(encoding="utf-8")
    edited = untouched.replace("# Task 1", "# Task 1, in an editor", 1)
    k.kata.stub_path.write_text(edited, encoding="utf-8")
    k.check(untouched, overwrite=True)
    assert k.kata.stub_path.read_text(encoding="utf-8") == untouched, shown.getvalue()
    copies = list((backup_dir(clone) / k.kata.folder).iterdir())
    assert [copy.read_text(encoding="utf-8") for copy in copies] == [edited], copies
    assert k.kata.shown(copies[0]) in shown.getvalue(), f"the copy's path should be shown:\n{shown.getvalue()}"


def test_load_gives_the_file_for_the_cell_and_keeps_the_cell_then_the_cell_saves_again(clone):  # noqa: F811
    k, shown = notebook_kata(clone)
    untouched = k.kata.stub_path.read_text(encoding="utf-8")
    edited = untouched.replace("# Task 1", "# Task 1, in an editor", 1)
    k.kata.stub_path.write_text(edited, encoding="utf-8")
    assert k.load(untouched) == edited
    copies = list((backup_dir(clone) / k.kata.folder).iterdir())
    assert [copy.read_text(encoding="utf-8") for copy in copies] == [untouched], "the cell's code should be kept"
    k.check(edited.replace("in an editor", "then in the cell"))  # the notebook has seen the file: it saves
    assert "then in the cell" in k.kata.stub_path.read_text(encoding="utf-8"), shown.getvalue()


def test_the_verdict_and_the_refusals_speak_the_notebooks_calls_not_commands(clone):  # noqa: F811
    k, shown = notebook_kata(clone)
    k.check()
    k.solution()
    output = shown.getvalue()
    assert "`k.hint()` shows the next hint" in output and "`k.solution(force=True)` shows it anyway" in output, output
    assert "`katas " not in output, f"no katas command in a notebook:\n{output}"


def test_a_hint_comes_again_until_the_file_changes(clone):  # noqa: F811
    k, shown = notebook_kata(clone)
    k.check()
    k.hint()
    k.hint()  # the notebook run top to bottom again
    output = shown.getvalue()
    assert output.count("— hint 1 of") == 2 and "— hint 2 of" not in output, output
    assert "has not changed since this hint" in output, output
    k.kata.stub_path.write_text(k.kata.stub_path.read_text(encoding="utf-8") + "\n# tried something\n")
    k.hint()
    assert "— hint 2 of" in shown.getvalue(), shown.getvalue()


def test_the_solution_stays_hidden_until_a_check_passes(clone):  # noqa: F811
    k, shown = notebook_kata(clone)
    k.solution()
    assert "does not pass yet" in shown.getvalue(), shown.getvalue()
    solved = k.kata.reference_path.read_text(encoding="utf-8")
    k.check(solved)
    k.solution()
    assert solved.strip() in shown.getvalue(), shown.getvalue()
