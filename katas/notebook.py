"""Katas in a notebook (JupyterLab, Notebook, VS Code, Colab): the same checks and verdicts as ``katas run``.

    %load_ext katas.notebook
    from katas.notebook import kata
    k = kata("03")

A cell that starts with ``%%kata 03`` holds the kata's whole module: running it writes the cell to the stub
file (``katas/03_autograd/autograd.py``) and checks it. ``k.check()`` checks the file as it is; ``k.hint()``,
``k.solution()`` (once the kata passes) and ``k.lesson()`` do what the ``katas`` command does; ``k.pictures()``
draws the pictures of the katas that have some.

The cell is the whole file, never a part of it: the file stays the one source of truth, byte for byte what the
notebook shows, and nothing has to be merged (imports and helpers shared by several tasks have one place).
Tests never run in the kernel, so no module the kernel imported can make a verdict stale: each check is a pytest
process forked from a forkserver that ``kata()`` starts, a fresh interpreter that imported torch and pytest once
and never the learner's module (``katas watch``'s :class:`~katas._harness.runner.WarmRunner`; a subprocess where
there is no forkserver, on Windows). The learner's file is copied into ``.katas/backups/`` before the notebook
first overwrites it, as ``katas reset`` keeps its copy.
"""

from __future__ import annotations

import argparse
import traceback
from pathlib import Path

from rich.console import Console
from rich.markdown import Markdown
from rich.text import Text

from katas._harness import cli, report
from katas._harness.curriculum import Kata, find_kata, find_root
from katas._harness.runner import RunFailed, WarmRunner, run_and_record
from katas._harness.state import PASSED

_written: dict[Path, str] = {}  # per stub file: the code this kernel wrote into it last
_warm: list[WarmRunner] = []  # the kernel's one forkserver for its checks, once a kata is chosen


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

    def check(self, code: str | None = None, first_line: int = 1) -> None:
        """Write ``code`` (the whole module; line 1 is the cell's line ``first_line``) to the stub, unless it does
        not compile, then run the kata's tests and show the verdict. Without ``code``: check the file as it is."""
        if code is not None and not self._write(code, first_line):
            return
        try:
            state = run_and_record([self.kata], warm=self.warm)
        except RunFailed as error:
            self.console.print(Text(f"katas: {error}", style="red"))
            return
        report.verdict(self.console, self.kata, state.result(self.kata), state)
        if state.status(self.kata) == PASSED:
            report.next_step(self.console, state.next_kata())

    def hint(self) -> None:
        """The next hint for the first failing task, as ``katas hint`` shows it."""
        cli.hint(self.console, self._arguments())

    def solution(self, force: bool = False) -> None:
        """The reference solution, once the kata passes (or with ``force=True``), as ``katas solution`` shows it."""
        cli.solution(self.console, self._arguments(force=force))

    def lesson(self) -> None:
        """The kata's lesson (its README.md)."""
        text = self.kata.lesson_path.read_text(encoding="utf-8")
        try:
            from IPython import get_ipython
            from IPython.display import Markdown as IPythonMarkdown
            from IPython.display import display
        except ImportError:
            get_ipython = None
        if get_ipython is not None and get_ipython() is not None:
            display(IPythonMarkdown(text))
        else:
            self.console.print(Markdown(text))

    def pictures(self, **options) -> None:
        """Pictures of what the kata's code does (katas/pictures.py), inline."""
        from katas.pictures import draw

        draw(self.kata, **options)

    def _arguments(self, **options) -> argparse.Namespace:
        return argparse.Namespace(kata=self.kata.folder, root=self.kata.root, **options)

    def _write(self, code: str, first_line: int) -> bool:
        """Write ``code`` to the stub (a copy of the file first, unless this kernel wrote it); False on a syntax
        error, which leaves the file as it was."""
        stub, shown = self.kata.stub_path, self.kata.shown(self.kata.stub_path)
        code = code.rstrip("\n") + "\n"
        try:
            compile(code, shown, "exec", dont_inherit=True)
        except (SyntaxError, ValueError) as error:
            self._syntax_error(error, first_line)
            return False
        current = stub.read_text(encoding="utf-8") if stub.is_file() else None
        if current == code:
            return True
        if current is not None and current != _written.get(stub):
            kept = cli.keep_copy(self.kata)
            self.console.print(f"Your file as it was is kept in {self.kata.shown(kept)}", style="dim", markup=False)
        stub.write_text(code, encoding="utf-8")
        _written[stub] = code
        return True

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


def _kata_magic(line: str, cell: str) -> None:
    """``%%kata 03``: the cell is the kata's module; write it to the stub and check it."""
    name = line.strip()
    if not name:
        notebook_console().print(Text("usage: %%kata 03  (the kata's number or name, then its module)", style="red"))
        return
    try:
        chosen = kata(name)
    except LookupError as error:
        notebook_console().print(Text(f"katas: {error}", style="red"))
        return
    chosen.check(cell, first_line=2)


def load_ipython_extension(ipython) -> None:
    """``%load_ext katas.notebook`` registers the ``%%kata`` cell magic."""
    ipython.register_magic_function(_kata_magic, magic_kind="cell", magic_name="kata")
