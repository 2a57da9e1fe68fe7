"""Each kata's notebook, executed top to bottom in a real kernel (nbclient) in a git copy of the repository.

With the reference solution pasted into the check cell, as a learner who solved the kata would, the check reports
every test passing; with the untouched stub, it reports failing tests (not errors) and no cell raises.
"""

import re

import pytest

from katas.authoring import notebooks
from katas.core.curriculum import INSTALLED_ROOT, load_curriculum
from katas.learner.state import State
from tests.test_cli import clone  # noqa: F401  (a fixture: a git copy of the repository)

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel", reason="the notebooks' kernel comes with the [notebook] extra")

KATAS = load_curriculum(INSTALLED_ROOT)
ANSI_CODE = re.compile(r"\x1b\[[0-9;]*m")

# The 15 s default is a learner's guard against hangs; a notebook starts a kernel, its check a pytest process,
# and the MNIST check trains (its own tests stop a hang in a kata's code).
pytestmark = pytest.mark.timeout(900)
# The MNIST pictures train a model of their own: a smaller one here (tests/test_pictures.py draws them too)
PICTURES_OPTIONS = {"mnist": "epochs=1, train_size=2000"}


def test_every_notebook_is_up_to_date_with_its_lesson_and_stub():
    assert notebooks.main(["--check"]) == 0, "run: python tools/make_notebooks.py"


def test_the_lesson_is_cut_at_its_headings_but_not_inside_code_blocks():
    lesson = "# Kata\n\nIntro\n\n## Task 1: a\n\n```python\n## not a heading\n```\n\n## Task 2: b\n"
    assert notebooks.lesson_sections(lesson) == [
        "# Kata\n\nIntro",
        "## Task 1: a\n\n```python\n## not a heading\n```",
        "## Task 2: b",
    ]


def executed(root, kata, code: str | None = None) -> dict[str, str]:
    """Run ``kata``'s notebook in the copy at ``root`` top to bottom (``code`` in the check cell, if given);
    what each cell showed, by cell id."""
    notebook = nbformat.read(kata.notebook_path.relative_to(INSTALLED_ROOT).as_posix(), as_version=4)
    cells = {cell.id: cell for cell in notebook.cells}
    if code is not None:
        cells["code"].source = f"%%kata {kata.folder}\n{code}"
    if "pictures" in cells:
        cells["pictures"].source = f"k.pictures({PICTURES_OPTIONS.get(kata.topic, '')})"
    nbclient.NotebookClient(
        notebook,
        timeout=600,
        kernel_name="python3",
        resources={"metadata": {"path": str(root / "katas" / kata.folder)}},
    ).execute()
    return {cell.id: shown(cell) for cell in notebook.cells if cell.cell_type == "code"}


def shown(cell) -> str:
    """The text of a cell's outputs, as a notebook without HTML shows it (less rich's colours)."""
    parts = (output.get("text", "") or output.get("data", {}).get("text/plain", "") for output in cell.outputs)
    return ANSI_CODE.sub("", "".join(parts))


@pytest.fixture
def in_checkout(monkeypatch):
    monkeypatch.chdir(INSTALLED_ROOT)  # the notebooks are read from this checkout, executed in the copy


@pytest.mark.parametrize("kata", KATAS, ids=lambda kata: kata.folder)
def test_the_notebook_with_the_solution_in_its_check_cell_reports_every_test_passing(kata, clone, in_checkout):  # noqa: F811
    outputs = executed(clone, kata, (clone / "reference" / kata.folder / kata.module).read_text(encoding="utf-8"))
    result = State.load(clone).result(kata)
    assert result is not None and result.all_passed, f"the check cell should pass:\n{outputs['code']}"
    assert re.search(rf"{kata.folder}: (\d+) of \1 tests pass( \(\d+ skipped\))?\s+✔ all green", outputs["code"]), (
        outputs["code"]
    )
    assert "def " in outputs["solution"], f"the solution cell should show the solution after a pass:\n{outputs}"
    if "pictures" in outputs:
        assert outputs["pictures"].strip(), "the pictures cell should show the pictures"
    if kata.topic == "mnist":  # training takes minutes: the check and the pictures show its progress
        for cell in ("code", "pictures"):
            assert "Training for real:" in outputs[cell] and re.search(r"epoch \d+/\d+ +batch", outputs[cell]), outputs[
                cell
            ]


@pytest.mark.parametrize("kata", KATAS, ids=lambda kata: kata.folder)
def test_the_untouched_notebook_reports_failing_tests_not_errors(kata, clone, in_checkout):  # noqa: F811
    outputs = executed(clone, kata)
    result = State.load(clone).result(kata)
    assert result.passed == 0 and result.failed > 0, f"every test should fail on the stub:\n{outputs['code']}"
    assert result.first_failure.outcome == "failed", f"a failure, not an error:\n{outputs['code']}"
    assert f"{kata.folder}: 0 of {result.total} tests pass" in outputs["code"], outputs["code"]
    assert "not written yet" in outputs["code"], f"the first failure should be shown whole:\n{outputs['code']}"
    assert "does not pass yet" in outputs["solution"], outputs["solution"]


AUTOGRAD = next(kata for kata in KATAS if kata.topic == "autograd")


def test_running_the_notebook_top_to_bottom_never_replaces_a_file_solved_elsewhere(clone, in_checkout):  # noqa: F811
    stub = clone / "katas" / AUTOGRAD.folder / AUTOGRAD.module
    solved = (clone / "reference" / AUTOGRAD.folder / AUTOGRAD.module).read_text(encoding="utf-8")
    stub.write_text(solved, encoding="utf-8")  # solved in an editor; the notebook's cell still holds the stub
    outputs = executed(clone, AUTOGRAD)
    assert stub.read_text(encoding="utf-8") == solved, f"the solved file must stay:\n{outputs['code']}"
    assert "holds code this notebook has not seen" in outputs["code"], outputs["code"]
    assert f"%%kata {AUTOGRAD.folder} --load" in outputs["code"], outputs["code"]


def test_running_the_notebook_twice_uses_up_one_hint_not_two(clone, in_checkout):  # noqa: F811
    executed(clone, AUTOGRAD)
    outputs = executed(clone, AUTOGRAD)
    state = State.load(clone)
    task = state.result(AUTOGRAD).first_failure.task
    assert state.hints_shown(AUTOGRAD, task) == 1, f"the same hint should come again:\n{outputs['hint']}"
    assert "has not changed since this hint" in outputs["hint"], outputs["hint"]
    assert "`katas " not in outputs["code"] + outputs["hint"] + outputs["solution"], outputs


def test_load_replaces_the_check_cell_with_the_file_in_a_real_kernel(clone):  # noqa: F811
    from jupyter_client.manager import start_new_kernel

    stub = clone / "katas" / AUTOGRAD.folder / AUTOGRAD.module
    edited = stub.read_text(encoding="utf-8").replace("# Task 1", "# Task 1, edited in an editor", 1)
    stub.write_text(edited, encoding="utf-8")
    manager, client = start_new_kernel(kernel_name="python3", cwd=str(stub.parent))
    try:
        client.execute_interactive("%load_ext katas.notebook", timeout=60)
        reply = client.execute_interactive(f"%%kata {AUTOGRAD.folder} --load\nthe cell's old code\n", timeout=60)
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)
    payloads = [payload for payload in reply["content"]["payload"] if payload["source"] == "set_next_input"]
    assert payloads and payloads[0]["replace"], f"the cell should be replaced: {reply['content']}"
    assert payloads[0]["text"] == f"%%kata {AUTOGRAD.folder}\n{edited.rstrip()}", payloads[0]["text"]
    assert stub.read_text(encoding="utf-8") == edited, "loading must not change the file"
    kept = list((clone / ".katas" / "backups" / AUTOGRAD.folder).iterdir())
    assert [path.read_text(encoding="utf-8") for path in kept] == ["the cell's old code\n"], kept
