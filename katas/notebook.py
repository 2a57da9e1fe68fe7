"""Katas in a notebook (JupyterLab, Notebook, VS Code, Colab): the same checks and verdicts as ``katas run``.

    %load_ext katas.notebook
    from katas.notebook import kata
    k = kata("03")

A cell that starts with ``%%kata 03`` holds the kata's whole module: running it writes the cell to the stub
file (``katas/03_autograd/autograd.py``) and checks it. ``k.check()`` checks the file as it is; ``k.hint()``,
``k.solution()`` (once the kata passes) and ``k.lesson()`` do what the ``katas`` command does; ``k.pictures()``
draws the pictures of the katas that have some.

The cell is the whole file, never a part of it: the file stays the one source of truth, byte for byte what the
notebook shows, and nothing has to be merged (imports and helpers shared by several tasks have one place). A cell
never replaces work it has not seen: when the file was changed elsewhere (an editor, an older cell run again), the
cell is refused, and ``%%kata 03 --load`` puts the file into the cell or ``%%kata 03 --overwrite`` replaces it
(a copy kept first). Tests never run in the kernel, so no module the kernel imported can make a verdict stale:
each check is a pytest process forked from a forkserver that ``kata()`` starts, a fresh interpreter that imported
torch and pytest once and never the learner's module (``katas watch``'s :class:`~katas.runtime.runner.WarmRunner`;
a subprocess where there is no forkserver, on Windows). A check that trains for real shows its progress.
"""

from __future__ import annotations

import shlex
import time
import traceback
from pathlib import Path

from rich.console import Console
from rich.markdown import Markdown
from rich.syntax import Syntax
from rich.text import Text

from katas.core.curriculum import Kata, find_kata, find_root
from katas.core.feed import Progress
from katas.learner import actions, report
from katas.learner.actions import CellSaved
from katas.learner.medium import NOTEBOOK, in_a_kernel
from katas.learner.state import PASSED, State, run_and_record
from katas.runtime.runner import ProgressCallback, RunFailed, Training, WarmRunner

_warm: list[WarmRunner] = []  # the kernel's one forkserver for its checks, once a kata is chosen
USAGE = "usage: %%kata 03 [--load | --overwrite]  (the kata's number or name, then its module)"


def kata(name: str, root: Path | None = None) -> NotebookKata:
    """The kata called ``name`` (``3``, ``03``, ``03_autograd`` or ``autograd``) in the repository at or above
    the notebook's folder. The first call starts the forkserver the checks are forked from (a few seconds)."""
    chosen = find_kata(name, root or find_root())
    if not _warm:
        _warm.append(WarmRunner())
        _warm[0].warm_up()
    return NotebookKata(chosen, warm=_warm[0])


def notebook_console() -> Console:
    """A console that draws boxes and colours as HTML in Jupyter (rich takes Jupyter for a non-terminal)."""
    console = Console(highlight=False)
    return Console(highlight=False, force_terminal=True) if console.is_jupyter else console


class NotebookKata:
    """One kata, bound to a notebook: :meth:`check`, :meth:`hint`, :meth:`solution`, :meth:`lesson`."""

    def __init__(self, kata: Kata, console: Console | None = None, warm: WarmRunner | None = None) -> None:
        self.kata, self.warm = kata, warm
        self.console = console or notebook_console()

    def __repr__(self) -> str:
        return f"<kata {self.kata.folder}: {self.kata.title}>"

    def check(self, code: str | None = None, first_line: int = 1, overwrite: bool = False) -> None:
        """Write ``code`` (the whole module; line 1 is the cell's line ``first_line``) to the stub, unless it does
        not compile or the file holds work this notebook has not seen (``overwrite``: replace it all the same, a copy
        kept first), then run the kata's tests and show the verdict. Without ``code``: check the file as it is."""
        if code is not None and not self._write(code, first_line, overwrite):
            return
        try:
            state, verdicts = run_and_record([self.kata], on_progress=_training_line(), warm=self.warm)
        except RunFailed as error:
            self.console.print(Text(f"katas: {error}", style="red"))
            return
        report.verdict(self.console, self.kata, verdicts[self.kata.folder], state, NOTEBOOK)
        if state.status(self.kata) == PASSED:
            report.next_step(self.console, state.next_kata(), NOTEBOOK)

    def hint(self) -> None:
        """The next hint for the first failing task. Run again on an unchanged file, it shows the same hint: the
        next one comes after a change to the code (so that running the whole notebook uses up no hints)."""
        state = State.load(self.kata.root)
        found = actions.next_hint(state, self.kata, once_per_change=True)
        state.save()
        report.hint(self.console, self.kata, found, state, NOTEBOOK)

    def solution(self, force: bool = False) -> None:
        """The reference solution, once the kata passes (or with ``force=True``)."""
        found = actions.solution(State.load(self.kata.root), self.kata, force)
        if found.refusal is not None:
            report.solution_refused(self.console, self.kata, found.refusal, NOTEBOOK)
            return
        if found.before_a_pass:
            report.solution_warning(self.console)
        self.console.print(Text(self.kata.shown(found.path), style="bold"))
        if self.console.is_terminal:
            self.console.print(Syntax(found.code, "python", word_wrap=True))
        else:
            self.console.print(found.code, markup=False, soft_wrap=True)

    def lesson(self) -> None:
        """The kata's lesson (its README.md)."""
        text = self.kata.lesson_path.read_text(encoding="utf-8")
        if in_a_kernel():
            from IPython.display import Markdown as IPythonMarkdown
            from IPython.display import display

            display(IPythonMarkdown(text))
        else:
            self.console.print(Markdown(text))

    def pictures(self, **options) -> None:
        """Pictures of what the kata's code does (katas/learner/pictures.py), inline."""
        from katas.learner.pictures import draw

        draw(self.kata, on_progress=_training_line(), **options)

    def load(self, cell: str = "") -> str:
        """The kata's file, for the check cell to hold from now on (``%%kata 03 --load``); ``cell``, the cell's code
        until now, is kept in ``.katas/backups/`` first when it differs."""
        state = State.load(self.kata.root)
        code, kept = actions.load_into_cell(state, self.kata, _normalised(cell))
        state.save()
        if kept is not None:
            self.console.print(f"The cell as it was is kept in {self.kata.shown(kept)}", style="dim", markup=False)
        return code

    def _write(self, code: str, first_line: int, overwrite: bool) -> bool:
        """Write ``code`` to the stub (see :func:`katas.learner.actions.save_cell`); False when nothing should run:
        a syntax error or a refusal, both of which leave the file as it was."""
        code = _normalised(code)
        try:
            compile(code, self.kata.shown(self.kata.stub_path), "exec", dont_inherit=True)
        except (SyntaxError, ValueError) as error:
            self._syntax_error(error, first_line)
            return False
        state = State.load(self.kata.root)
        saved, kept = actions.save_cell(state, self.kata, code, overwrite)
        state.save()
        if saved == CellSaved.REFUSED:
            self._refused()
            return False
        if kept is not None:
            self.console.print(f"Your file as it was is kept in {self.kata.shown(kept)}", style="dim", markup=False)
        return True

    def _refused(self) -> None:
        shown, name = self.kata.shown(self.kata.stub_path), self.kata.folder
        body = Text(
            f"{shown} holds code this notebook has not seen: it was changed elsewhere (an editor, another notebook) "
            "or this cell is older than the file. Nothing was saved or run: your file is as it was.\n\n"
        )
        for call, what in (
            (f"%%kata {name} --load", "as the cell's first line, then run it: the cell becomes your file."),
            (f"%%kata {name} --overwrite", "replaces your file with this cell (a copy is kept in .katas/backups/)."),
            ("k.check()", "checks your file as it is."),
        ):
            body.append(call, style="bold")
            body.append(f"\n    {what}\n")
        body.rstrip()
        report.boxed(self.console, body, "Your file has changed since this notebook saved it", "yellow")

    def _syntax_error(self, error: SyntaxError | ValueError, first_line: int) -> None:
        shown = self.kata.shown(self.kata.stub_path)
        if isinstance(error, SyntaxError) and error.lineno is not None:
            error.filename, error.lineno = "the cell", error.lineno + first_line - 1
            if error.end_lineno is not None:
                error.end_lineno += first_line - 1
        where = "".join(traceback.format_exception_only(type(error), error)).rstrip()
        body = Text(where)
        body.append(f"\n\nNothing was run, and {shown} is unchanged: fix the cell and run it again.", style="bold")
        report.boxed(self.console, body, "The cell is not valid Python", "red")


def _training_line() -> ProgressCallback | None:
    """What follows a training run in this notebook: a :class:`TrainingLine` in a kernel, else nothing."""
    return TrainingLine().on_progress if in_a_kernel() else None


def _normalised(code: str) -> str:
    return code.rstrip("\n") + "\n"


class TrainingLine:
    """A line under the cell that follows a test (or a picture) that trains for real: epoch, batch, loss, time.

    It is an IPython display updated in place, which every notebook front end shows without widgets."""

    REFRESH_SECONDS = 0.25

    def __init__(self) -> None:
        self.training, self.handle, self.started, self.shown_at = Training(), None, 0.0, 0.0

    def on_progress(self, news: list[Progress]) -> None:
        from IPython.display import Pretty, display

        for line in news:
            if self.training.add(line):
                self.started = time.monotonic()
                print(f"Training for real: {self.training.describe()}. This takes minutes on a CPU.")
        now, finished = time.monotonic(), self.training.done >= self.training.total
        if not self.training.done or (now - self.shown_at < self.REFRESH_SECONDS and not finished):
            return
        self.shown_at = now
        minutes, seconds = divmod(int(now - self.started), 60)
        line = Pretty(
            f"{self.training.describe()}  ({self.training.done}/{self.training.total}, {minutes}:{seconds:02d})"
        )
        if self.handle is None:
            self.handle = display(line, display_id=True)
        else:
            self.handle.update(line)


def _kata_magic(line: str, cell: str) -> None:
    """``%%kata 03``: the cell is the kata's module; write it to the stub and check it. ``--load``: replace the cell
    with the kata's file instead; ``--overwrite``: write the cell even over work the notebook has not seen."""
    words = shlex.split(line)
    flags, names = (
        {word for word in words if word.startswith("--")},
        [word for word in words if not word.startswith("--")],
    )
    if len(names) != 1 or not flags <= {"--load", "--overwrite"} or len(flags) > 1:
        notebook_console().print(Text(USAGE, style="red"))
        return
    try:
        chosen = kata(names[0])
    except LookupError as error:
        notebook_console().print(Text(f"katas: {error}", style="red"))
        return
    if "--load" in flags:
        _load_into_this_cell(chosen, cell)
        return
    chosen.check(cell, first_line=2, overwrite="--overwrite" in flags)


def _load_into_this_cell(chosen: NotebookKata, cell: str) -> None:
    """Replace the running cell with ``%%kata <folder>`` and the kata's file (as IPython's ``%load`` does)."""
    from IPython import get_ipython

    code = chosen.load(cell)
    get_ipython().set_next_input(f"%%kata {chosen.kata.folder}\n{code.rstrip()}", replace=True)
    shown = chosen.kata.shown(chosen.kata.stub_path)
    chosen.console.print(
        f"The cell now holds {shown}, your file: run it to check it. Where the notebook app cannot replace a cell "
        "(Colab, some VS Code versions), the file follows: copy it into the cell below the %%kata line.",
        markup=False,
    )
    print(code)


def load_ipython_extension(ipython) -> None:
    """``%load_ext katas.notebook`` registers the ``%%kata`` cell magic."""
    ipython.register_magic_function(_kata_magic, magic_kind="cell", magic_name="kata")
