"""Each kata's notebook, executed top to bottom in a real kernel (nbclient) in a git copy of the repository.

Untouched, its check reports failing tests (not errors) and no cell raises; run again in the same kernel with the
reference solution pasted into the check cell, as a learner who solved the kata would, the check reports every test
passing and the solution cell shows the solution. One kernel serves both runs, as it would serve the learner.

The notebooks take turns in one kernel per xdist worker (``kernel``): a kernel's start, its forkserver and its
import of torch cost about 9 s of CPU, a notebook's two runs in a warm kernel about 2. Each notebook starts with an
empty namespace in its own folder (``%reset -f``, ``%cd``), as in a kernel of its own, and the checks' selection of
tests in ``PYTEST_ADDOPTS`` (``%env``: a check runs in the kernel's environment as it is then).
"""

import re
from dataclasses import dataclass

import pytest

from katas.authoring import notebooks
from katas.core.curriculum import INSTALLED_ROOT, Kata, load_curriculum
from katas.learner.state import Recorded, State
from tests.test_cli import clone, cloned_into  # noqa: F401  (clone: a fixture, a git copy of the repository)

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel", reason="the notebooks' kernel comes with the [notebook] extra")

KATAS = load_curriculum(INSTALLED_ROOT)
ANSI_CODE = re.compile(r"\x1b\[[0-9;]*m")

# The 15 s default is a learner's guard against hangs; a notebook starts a kernel, its check a pytest process,
# and the MNIST check trains (its own tests stop a hang in a kata's code).
pytestmark = pytest.mark.timeout(900)
# The MNIST and transformer pictures train a model of their own: a smaller one here (tests/test_pictures.py draws
# them whole)
PICTURES_OPTIONS = {"mnist": "epochs=1, train_size=500", "transformer": "steps=30"}


def test_every_notebook_is_up_to_date_with_its_lesson_and_stub():
    assert notebooks.main(["--check"]) == 0, "run: python tools/make_notebooks.py"


def test_every_notebook_is_valid_nbformat_4():
    for kata in KATAS:
        nbformat.validate(nbformat.read(kata.notebook_path, as_version=4))  # raises nbformat.ValidationError


def test_on_colab_the_projects_notebooks_install_the_package_and_write_a_workspace_never_cloning_the_solutions():
    for kata in KATAS:
        install = "".join(nbformat.read(kata.notebook_path, as_version=4).cells[0].source)
        assert f"git+{notebooks.REPOSITORY}" in install and '"katas", "init"' in install, install
        assert '"clone"' not in install, f"{kata.folder}: a clone of the project holds reference/"


def test_the_lesson_is_cut_at_its_headings_but_not_inside_code_blocks():
    lesson = "# Kata\n\nIntro\n\n## Task 1: a\n\n```python\n## not a heading\n```\n\n## Task 2: b\n"
    assert notebooks.lesson_sections(lesson) == [
        "# Kata\n\nIntro",
        "## Task 1: a\n\n```python\n## not a heading\n```",
        "## Task 2: b",
    ]


UNTOUCHED = None  # the check cell as the notebook holds it: the stub


# The check cell runs the kata's tests but those that train for real (``@pytest.mark.slow``: the MNIST CNN to 98 %,
# TinyGPT to 99 %): the kata's own tests in this suite train them on the reference, and the untouched stubs fail them
# in the contract's run; here the notebook has to show the verdict of the tests it ran, as `katas run` would with the
# same selection. test_the_mnist_check_cell_shows_the_training_as_it_goes runs a training test in a check cell.
CHECK_SELECTION = "-m 'not slow'"
EVERY_TEST = ""


def executed(root, kata, kernel, code: str | None = UNTOUCHED, **options) -> dict[str, str]:
    """Run ``kata``'s notebook in the copy at ``root`` top to bottom in ``kernel`` (``code`` in the check cell, if
    given; ``options``: those of runs_in_one_kernel); what each cell showed, by cell id."""
    ((outputs, _),) = runs_in_one_kernel(root, kata, [code], kernel, **options)
    return outputs


def runs_in_one_kernel(
    root, kata, codes: list[str | None], kernel, last: str | None = None, selection: str = CHECK_SELECTION
) -> list[tuple[dict[str, str], Recorded | None]]:
    """Run ``kata``'s notebook in the copy at ``root`` top to bottom (up to the cell ``last``, if given) once for each
    of ``codes`` (the check cell's code, or UNTOUCHED), in ``kernel``, as a learner runs it again after an edit, its
    checks running the tests ``selection`` selects. After each run: what each cell showed, by cell id, and the kata's
    result as recorded. A cell that raises fails the test (nbclient's CellExecutionError)."""
    notebook = nbformat.read(kata.notebook_path, as_version=4)
    cells = {cell.id: cell for cell in notebook.cells}
    if "pictures" in cells:
        cells["pictures"].source = f"k.pictures({PICTURES_OPTIONS.get(kata.topic, '')})"
    folder = root / "katas" / kata.folder
    client = nbclient.NotebookClient(
        notebook,
        km=kernel,
        timeout=600,
        resources={"metadata": {"path": str(folder)}},
    )
    ran = notebook.cells[: [cell.id for cell in notebook.cells].index(last) + 1] if last else notebook.cells
    runs = []
    with client.setup_kernel():
        client.execute_cell(nbformat.v4.new_code_cell(fresh_start(folder, selection)), 0)
        for code in codes:
            if code is not UNTOUCHED:
                cells["code"].source = f"%%kata {kata.folder}\n{code}"
            for index, cell in enumerate(ran):
                client.execute_cell(cell, index)
            outputs = {cell.id: shown(cell) for cell in ran if cell.cell_type == "code"}
            runs.append((outputs, State.load(root).result(kata)))
        client.kc.stop_channels()
    return runs


def fresh_start(folder, selection: str = CHECK_SELECTION) -> str:
    """What makes the shared kernel a notebook's own: nothing defined before (``%reset -f``), in its ``folder``, its
    checks running the tests ``selection`` selects (pytest's options, as ``PYTEST_ADDOPTS``).

    What is left after the reset (torch, matplotlib and the rest of what earlier notebooks imported) is then frozen
    out of the garbage collector's way (``gc.freeze``): each ``%reset`` collects twice, and each collection over
    that heap cost 0.25 s, the kernel's collections as a whole more than half of its CPU time.
    """
    return f"%reset -f\n%cd -q {str(folder)!r}\n%env PYTEST_ADDOPTS={selection}\n__import__('gc').freeze()"


@pytest.fixture(scope="session")
def kernel(tmp_path_factory):
    """This worker's kernel, which the notebooks take turns in (see fresh_start)."""
    from jupyter_client.manager import KernelManager

    manager = KernelManager(kernel_name="python3")
    manager.start_kernel(cwd=str(tmp_path_factory.getbasetemp()))
    yield manager
    manager.shutdown_kernel(now=True)


def shown(cell) -> str:
    """The text of a cell's outputs, as a notebook without HTML shows it (less rich's colours)."""
    parts = (output.get("text", "") or output.get("data", {}).get("text/plain", "") for output in cell.outputs)
    return ANSI_CODE.sub("", "".join(parts))


@dataclass
class TwoRuns:
    """A kata's notebook run top to bottom in one kernel twice, as a learner would: untouched, then with the
    reference solution pasted into its check cell. What each cell showed, and the kata's result, after each run."""

    stub: dict[str, str]
    stub_result: Recorded
    solved: dict[str, str]
    solved_result: Recorded


class NotebookOfAKata:
    """The notebook of ``kata``, untouched then solved (one class per kata below: xdist spreads the classes over its
    workers, where it keeps a file's functions together; see katas/runtime/plugin/workers.py)."""

    kata: Kata

    @pytest.fixture(scope="class")
    @classmethod
    def runs(cls, tmp_path_factory, kernel) -> TwoRuns:
        root = cloned_into(tmp_path_factory.mktemp(cls.kata.folder))
        solution = (root / "reference" / cls.kata.folder / cls.kata.module).read_text(encoding="utf-8")
        (stub, stub_result), (solved, solved_result) = runs_in_one_kernel(root, cls.kata, [UNTOUCHED, solution], kernel)
        return TwoRuns(stub, stub_result, solved, solved_result)

    def test_the_untouched_notebook_reports_failing_tests_not_errors(self, runs):
        kata, outputs, result = self.kata, runs.stub, runs.stub_result
        assert result.passed == 0 and result.failed > 0, f"every test should fail on the stub:\n{outputs['code']}"
        assert result.first_failure.outcome == "failed", f"a failure, not an error:\n{outputs['code']}"
        assert f"{kata.folder}: 0 of {result.total} tests pass" in outputs["code"], outputs["code"]
        assert "not written yet" in outputs["code"], f"the first failure should be shown whole:\n{outputs['code']}"
        assert "does not pass yet" in outputs["solution"], outputs["solution"]

    def test_the_notebook_with_the_solution_in_its_check_cell_reports_every_test_passing(self, runs):
        kata, outputs, result = self.kata, runs.solved, runs.solved_result
        assert result is not None and result.all_passed, f"the check cell should pass:\n{outputs['code']}"
        assert re.search(rf"{kata.folder}: (\d+) of \1 tests pass( \(\d+ skipped\))?\s+✔ all green", outputs["code"]), (
            outputs["code"]
        )
        assert "def " in outputs["solution"], f"the solution cell should show the solution after a pass:\n{outputs}"
        if "pictures" in outputs:
            assert outputs["pictures"].strip(), "the pictures cell should show the pictures"
        if kata.topic == "mnist":  # training takes minutes: the pictures show its progress (and the check: below)
            assert "Training for real:" in outputs["pictures"], outputs["pictures"]
            assert re.search(r"epoch \d+/\d+ +batch", outputs["pictures"]), outputs["pictures"]


for _kata in KATAS:
    _name = f"TestNotebookOf{_kata.folder}"
    globals()[_name] = type(_name, (NotebookOfAKata,), {"kata": _kata, "__doc__": NotebookOfAKata.__doc__})


MNIST = next(kata for kata in KATAS if kata.topic == "mnist")
# A learner's slip that trains a batch an epoch: the training test runs its epochs in moments, then fails
ONE_BATCH_AN_EPOCH = """

_whole_epoch = train_epoch


def train_epoch(model, inputs, labels, optimizer, batch_size, generator, on_batch=None):
    return _whole_epoch(model, inputs[:batch_size], labels[:batch_size], optimizer, batch_size, generator, on_batch)
"""


def test_the_mnist_check_cell_shows_the_training_as_it_goes(clone, kernel):  # noqa: F811
    reference = (clone / "reference" / MNIST.folder / MNIST.module).read_text(encoding="utf-8")
    code = reference + ONE_BATCH_AN_EPOCH
    outputs = executed(clone, MNIST, kernel, code, last="code", selection=EVERY_TEST)  # its pictures: in the class
    assert "Training for real:" in outputs["code"], outputs["code"]
    assert re.search(r"epoch \d+/\d+ +batch", outputs["code"]), outputs["code"]
    assert not State.load(clone).result(MNIST).all_passed, outputs["code"]  # a batch an epoch is not enough


AUTOGRAD = next(kata for kata in KATAS if kata.topic == "autograd")


def test_running_the_notebook_top_to_bottom_never_replaces_a_file_solved_elsewhere(clone, kernel):  # noqa: F811
    stub = clone / "katas" / AUTOGRAD.folder / AUTOGRAD.module
    solved = (clone / "reference" / AUTOGRAD.folder / AUTOGRAD.module).read_text(encoding="utf-8")
    stub.write_text(solved, encoding="utf-8")  # solved in an editor; the notebook's cell still holds the stub
    outputs = executed(clone, AUTOGRAD, kernel)
    assert stub.read_text(encoding="utf-8") == solved, f"the solved file must stay:\n{outputs['code']}"
    assert "holds code this notebook has not seen" in outputs["code"], outputs["code"]
    assert f"%%kata {AUTOGRAD.folder} --load" in outputs["code"], outputs["code"]


def test_running_the_notebook_twice_uses_up_one_hint_not_two(clone, kernel):  # noqa: F811
    _, (outputs, _) = runs_in_one_kernel(clone, AUTOGRAD, [UNTOUCHED, UNTOUCHED], kernel)
    state = State.load(clone)
    task = state.result(AUTOGRAD).first_failure.task
    assert state.hints_shown(AUTOGRAD, task) == 1, f"the same hint should come again:\n{outputs['hint']}"
    assert "has not changed since this hint" in outputs["hint"], outputs["hint"]
    assert "`katas " not in outputs["code"] + outputs["hint"] + outputs["solution"], outputs


def test_load_replaces_the_check_cell_with_the_file_in_a_real_kernel(clone, kernel):  # noqa: F811
    stub = clone / "katas" / AUTOGRAD.folder / AUTOGRAD.module
    edited = stub.read_text(encoding="utf-8").replace("# Task 1", "# Task 1, edited in an editor", 1)
    stub.write_text(edited, encoding="utf-8")
    client = kernel.client()
    client.start_channels()
    try:
        client.wait_for_ready(timeout=60)
        client.execute_interactive(fresh_start(stub.parent), timeout=60)
        client.execute_interactive("%load_ext katas.notebook", timeout=60)
        reply = client.execute_interactive(f"%%kata {AUTOGRAD.folder} --load\nthe cell's old code\n", timeout=60)
    finally:
        client.stop_channels()
    payloads = [payload for payload in reply["content"]["payload"] if payload["source"] == "set_next_input"]
    assert payloads and payloads[0]["replace"], f"the cell should be replaced: {reply['content']}"
    assert payloads[0]["text"] == f"%%kata {AUTOGRAD.folder}\n{edited.rstrip()}", payloads[0]["text"]
    assert stub.read_text(encoding="utf-8") == edited, "loading must not change the file"
    kept = list((clone / ".katas" / "backups" / AUTOGRAD.folder).iterdir())
    assert [path.read_text(encoding="utf-8") for path in kept] == ["the cell's old code\n"], kept
