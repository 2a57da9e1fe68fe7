"""What the ``katas`` command prints: the progress table, a kata's verdict, the way on."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from rich.console import Console, RenderableType
from rich.markdown import Markdown
from rich.panel import Panel
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from katas.classroom.grade import EARNED, NEEDS_GPU, Grade, KataGrade
from katas.classroom.gradebook import NO, YES, Gradebook
from katas.core.curriculum import Kata, hints_given, load_curriculum
from katas.core.feed import Progress as ProgressLine
from katas.core.outcomes import KataResult
from katas.core.results import TestResult
from katas.core.workspace import Update
from katas.learner.actions import Hint, HintKind, Refusal
from katas.learner.medium import TERMINAL, Medium
from katas.learner.state import CHANGED, FAILING, NOT_STARTED, PASSED, State
from katas.runtime.runner import Training

STATUS_STYLE = {PASSED: "green", FAILING: "red", NOT_STARTED: "dim", CHANGED: "yellow"}
OUTPUT_LINES = 40  # of a failing test's printed output; the rest is one pytest command away


def as_sentence(test_name: str) -> str:
    """``test_count_stops_before_the_end[0-5-1]`` as ``count stops before the end [0-5-1]``."""
    name, bracket, params = test_name.partition("[")
    words = name.removeprefix("test_").replace("_", " ")
    return f"{words} [{params}" if bracket else words


def progress(console: Console, state: State) -> None:
    """Every kata with its status, a progress bar, and the next kata to do."""
    katas = load_curriculum(state.root)
    statuses = {kata.folder: state.status(kata) for kata in katas}
    rows = []
    for kata in katas:
        status, result = statuses[kata.folder], state.result(kata)
        tests = f"{result.passed}/{result.total}" if result and status in (PASSED, FAILING) else ""
        rows.append((f"{kata.number:02d}", kata.folder, status, tests, kata.title))
    if console.is_terminal:
        table = Table(title="torch-katas", title_justify="left")
        for column, justify in (
            ("#", "right"),
            ("kata", "left"),
            ("status", "left"),
            ("tests", "right"),
            ("topic", "left"),
        ):
            table.add_column(column, justify=justify)
        for number, folder, status, tests, title in rows:
            table.add_row(number, folder, Text(status.value, style=STATUS_STYLE[status]), tests, title)
        console.print(table)
    else:  # plain lines, nothing padded after the last column
        width = max(len(folder) for _, folder, *_ in rows)
        for number, folder, status, tests, title in rows:
            console.print(f"{number}  {folder:<{width}}  {status.value:<11}  {tests:>7}  {title}", markup=False)
    for kata in katas:
        result = state.result(kata)
        if statuses[kata.folder] == CHANGED and result is not None:
            console.print(
                f"{kata.folder}: your file changed since its last run ({result.passed} of {result.total} tests "
                f"passed then); {TERMINAL.check(kata)} checks it as it is now.",
                style="yellow",
                markup=False,
            )
    done = sum(status == PASSED for status in statuses.values())
    filled = round(40 * done / len(katas))
    console.print(Text.assemble(("█" * filled, "green"), ("░" * (40 - filled), "dim"), f" {done}/{len(katas)} katas"))
    next_step(console, state.next_kata())


def next_step(console: Console, kata: Kata | None, medium: Medium = TERMINAL) -> None:
    if kata is None:
        console.print(Text("Every kata passes. Well done!", style="bold green"))
        return
    console.print(Text.assemble(("Next: ", "bold"), (kata.folder, "bold cyan"), f" ({kata.title})"))
    for label, text in medium.start(kata):
        console.print(Text.assemble(f"  {label:6}", (text, "cyan")))


def verdict(console: Console, kata: Kata, result: KataResult, state: State, medium: Medium = TERMINAL) -> None:
    """Which tests pass, per task; the first failure in a panel; the task and hint that match it."""
    headline = Text.assemble((kata.folder, "bold"), f": {result.passed} of {result.total} tests pass")
    if result.skipped:
        headline.append(f" ({result.skipped} skipped)", style="dim")
    if result.all_passed:
        headline.append("  ✔ all green", style="bold green")
    console.print(headline)
    tasks = [
        Text(f"Task {task} {passed}/{total}", style="green" if passed == total else "red")
        for task, (passed, total) in sorted(result.tasks.items())
    ]
    if tasks:
        console.print(Text("  ").join(tasks))
    for name, value in result.notes.items():
        console.print(f"{name}: {value}", markup=False)
    failure = result.first_failure
    if failure is None:
        return
    boxed(console, failure_text(failure), as_sentence(failure.name), "red")
    if failure.output:
        console.print(printed_output(failure))
    if failure.task is None:
        return
    title = kata.task_titles().get(failure.task, "")
    if not hints_given(kata.root):
        console.print(
            f"Task {failure.task}: {title} — the lesson, {kata.shown(kata.lesson_path)}, states it.", markup=False
        )
        return
    hints = kata.hints_by_task().get(failure.task, [])
    seen = state.hints_shown(kata, failure.task)
    which = f"hint {seen + 1} of {len(hints)}" if seen < len(hints) else f"all {len(hints)} hints shown"
    console.print(
        f"Task {failure.task}: {title} — {medium.hint(kata)} shows the next hint for it ({which}).", markup=False
    )


def hint(console: Console, kata: Kata, found: Hint, state: State, medium: Medium = TERMINAL) -> None:
    """A hint in a box, or why there is none to show."""
    if found.kind == HintKind.NOT_GIVEN:
        console.print(
            f"Hints are not part of this class: {kata.shown(kata.lesson_path)} states each task, and a failing test "
            "says what it expected.",
            markup=False,
        )
        return
    if found.kind == HintKind.PASSES:
        console.print(f"{kata.folder} passes already: every test is green, no hint needed.", markup=False)
        next_step(console, state.next_kata(), medium)
        return
    if found.kind == HintKind.ALL_DONE:
        console.print(
            f"You have seen every hint of {kata.folder}; they are all in {kata.shown(kata.hints_path)}.", markup=False
        )
        return
    task = f"Task {found.task} ({found.title})"
    if found.kind == HintKind.TASK_DONE:
        console.print(
            f"You have seen all {found.total} hints for {task} of {kata.folder}; read them again in "
            f"{kata.shown(kata.hints_path)}, or the lesson {kata.shown(kata.lesson_path)}.",
            markup=False,
        )
        return
    title = f"{kata.folder}, Task {found.task}: {found.title} — hint {found.number} of {found.total}"
    text = found.text  # piped: the hint's own text (Markdown pads its lines to the console's width)
    boxed(console, Markdown(text) if console.is_terminal else Text(text), title, "cyan")
    if found.kind == HintKind.AGAIN:
        more = (
            "the next hint comes once you have changed your code and checked it"
            if found.number < found.total
            else "that was the last hint for this task"
        )
        console.print(f"Your file has not changed since this hint: {more}.", style="dim", markup=False)


def solution_refused(console: Console, kata: Kata, refusal: Refusal, medium: Medium = TERMINAL) -> None:
    """Why the solution stays hidden, and what to do instead."""
    text = {
        Refusal.NEVER: 'This course shows no solutions (solutions = "never" in katas/curriculum.toml): '
        f"the tests and {medium.hint(kata) if hints_given(kata.root) else 'the lesson'} are your guide.",
        Refusal.NOT_HERE: "This copy of the katas holds no solutions (it is a class release): they are with your "
        "teacher.",
        Refusal.NOT_PASSED: f"{kata.folder} does not pass yet, so its solution stays hidden. Try {medium.hint(kata)}; "
        f"{medium.check(kata)} records a pass. ({medium.solution_anyway(kata)} shows it anyway.)",
    }[refusal]
    console.print(text, markup=False)


def solution_warning(console: Console) -> None:
    console.print(
        "warning: you have not solved this kata yet. Reading the solution now teaches far less than one more try.",
        style="yellow",
        markup=False,
    )


def grade(console: Console, graded: Grade) -> None:
    """Each kata's points and what kept the rest, the total, and why the grade is not valid if it is not."""
    width = max((len(kata.kata) for kata in graded.katas), default=0)
    for kata in graded.katas:
        points = f"{kata.points}/{kata.max_points}"
        style = "green" if kata.points == kata.max_points else "red"
        console.print(Text.assemble(f"{kata.kata:<{width}}  ", (f"{points:>7} points", style), "  ", _missed(kata)))
        if kata.problem:
            console.print(Text(f"{'':<{width}}  not graded: {kata.problem}", style="red"))
    total = Text(f"Total: {graded.points}/{graded.max_points} points", style="bold")
    if not graded.valid:
        total.append(" — NOT VALID:", style="bold red")
    console.print(total)
    for problem in graded.problems:
        console.print(Text(f"  {problem}", style="red"))


def _missed(kata: KataGrade) -> str:
    """What a kata's tasks missed: the first task that did not earn its points, and the tasks not graded here."""
    missed = [task for task in kata.tasks if task.status not in (EARNED, NEEDS_GPU)]
    gpu = [str(task.task) for task in kata.tasks if task.status == NEEDS_GPU]
    parts = []
    if missed:
        first = missed[0]
        why = first.first_failure.message.splitlines()[0] if first.first_failure and first.first_failure.message else ""
        if first.hidden and not first.first_failure:
            why = "a test your teacher keeps back fails"
        more = f" (and {len(missed) - 1} more)" if len(missed) > 1 else ""
        parts.append(f"Task {first.task} {first.status}{more}" + (f": {why}" if why else ""))
    else:
        parts.append("every task earned" if kata.max_points else "")
    if gpu:
        parts.append(f"(Task {', '.join(gpu)}: needs a GPU, not graded here)")
    return " ".join(part for part in parts if part)


def gradebook(console: Console, book: Gradebook, written: Path | None) -> None:
    """A line per learner (points, validity, commit date, lateness), then the problems of each grade that has any,
    the gradebook's warnings, and the CSV file written."""
    late = ["late"] if book.due else []
    header = ["learner", "points", "valid", "commit date", *late]
    rows = [
        [
            grade.learner,
            f"{grade.points}/{grade.max_points}",
            YES if grade.valid else NO,
            grade.commit_date or "",
            *([grade.late(book.due)] if book.due else []),
        ]
        for grade in book.grades
    ]
    counts = f"{len(book.grades)} learners, {len(book.katas)} katas"
    if console.is_terminal:
        table = Table(title=counts, title_justify="left")
        for column in header:
            table.add_column(column, justify="right" if column == "points" else "left")
        for learner, points, valid, date, *lateness in rows:
            flagged = [
                Text(valid, style="red" if valid == NO else ""),
                date,
                *(Text(cell, style="red" if cell == YES else "") for cell in lateness),
            ]
            table.add_row(learner, points, *flagged)
        console.print(table)
    else:  # plain lines, nothing padded after the last column
        widths = [max(len(row[column]) for row in [header, *rows]) for column in range(len(header))]
        for row in [header, *rows]:
            console.print("  ".join(f"{cell:<{width}}" for cell, width in zip(row, widths)).rstrip(), markup=False)
    for grade in book.grades:
        if grade.problems:
            console.print(Text(f"{grade.learner}: {'; '.join(grade.problems)}", style="" if grade.valid else "red"))
    if book.due:
        console.print(f"late: committed after {book.due.isoformat(timespec='seconds')}", markup=False)
    for warning in book.warnings():
        console.print(Text(f"warning: {warning}", style="yellow"))
    if written:
        console.print(f"Wrote {written}: {counts}.", markup=False)


def created(console: Console, kata: Kata, renumbered: list[str]) -> None:
    """What ``katas new`` wrote, and what the author does next."""
    console.print(f"Wrote {kata.folder}: {kata.title}", style="bold", markup=False)
    for path in (kata.lesson_path, kata.stub_path, *sorted(kata.path.glob("test_*.py")), kata.hints_path):
        console.print(f"  {kata.shown(path)}", markup=False)
    console.print(f"  {kata.shown(kata.notebook_path)}  (python tools/make_notebooks.py rewrites it)", markup=False)
    console.print(f"  {kata.shown(kata.reference_path)}", markup=False)
    console.print("  its entry in katas/curriculum.toml and its row in README.md", markup=False)
    if renumbered:
        console.print(f"Renumbered: {', '.join(renumbered)} (one up each).", markup=False)
    console.print(
        f"Next: replace the template's task with yours, then `katas check {kata.number:02d}` (seconds).", markup=False
    )


def checked(console: Console, kata: Kata, found: dict[str, list[str]]) -> None:
    """Each part of the contract, met or not, with what is wrong (``katas check``)."""
    for part, problems in found.items():
        mark, style = ("✔", "green") if not problems else ("✘", "red")
        console.print(Text.assemble((f"{mark} ", style), part))
        for problem in problems:
            console.print(Text(f"    {problem}", style=style))
    broken = sum(bool(problems) for problems in found.values())
    if broken:
        console.print(
            Text(f"{kata.folder}: {broken} of {len(found)} parts of the contract are not met.", style="bold red")
        )
    else:
        console.print(Text(f"{kata.folder} meets the contract.", style="bold green"))


def released(
    console: Console, target: Path, files: list[Path], graded: bool = False, repository: str | None = None
) -> None:
    """What a class release holds, and what the teacher does next."""
    katas = sorted({path.parts[1] for path in files if path.parts[0] == "katas" and len(path.parts) > 2})
    grader = [name for name in (".github/workflows/grade.yml", "constraints.txt") if Path(name) in files]
    without = "without solutions, hints or the lessons' worked solutions" if graded else "without solutions"
    console.print(
        f"{target}: a {'graded ' if graded else ''}class release of {len(files)} files in one git commit, {without} "
        f"({len([name for name in katas if name[:2].isdigit()])} katas, the harness, "
        f"{', '.join([*grader, 'katas/manifest.json'])}).",
        markup=False,
    )
    console.print(
        f"  - Push it to a new, empty GitHub repository: git -C {target} remote add origin <URL> && "
        f"git -C {target} push -u origin main, and mark it a template (Settings > Template repository).",
        markup=False,
    )
    if ".github/workflows/grade.yml" in grader:
        console.print(
            "  - Each push of a learner's copy is graded on GitHub Actions: the run's summary has the points per task, "
            "its artifact the grade.",
            markup=False,
        )
    if repository is None:
        console.print(
            "  - Its notebooks ask for the class repository's URL on Colab; `--repository URL` writes it in.",
            markup=False,
        )


def classroom50_autograder(console: Console, folder: Path, files: list[Path]) -> None:
    console.print(
        f"{folder}: Classroom 50's autograder ({', '.join(path.name for path in files)}). Copy these files into your "
        "classroom50 repository as CLASSROOM/autograders/ASSIGNMENT/, make the release the assignment's template, "
        "and set its runtime's Python to the one autograder.py names.",
        markup=False,
    )


def gradescope_bundle(console: Console, path: Path) -> None:
    console.print(
        f"{path}: Gradescope's autograder (setup.sh, run_autograder, the release). Upload it on the assignment's "
        "Configure Autograder page; learners submit their stubs, or the whole repository.",
        markup=False,
    )


def boxed(console: Console, body: RenderableType, title: str, style: str) -> None:
    """``body`` in a titled box on a terminal; piped, the title on a line of its own, then the body, as plain text."""
    if console.is_terminal:
        console.print(Panel(body, title=Text(title), title_align="left", border_style=style))
    else:
        console.print(Text(f"--- {title} ---"), body, sep="\n")


def failure_text(failure: TestResult) -> Text:
    """A failure's whole message, and where it happened."""
    text = Text(failure.message)
    if failure.location and failure.location.rpartition(":")[0] not in failure.message:
        text.append(f"\n\nat {failure.location}", style="dim")
    return text


def printed_output(failure: TestResult) -> Text:
    """What the failing test printed: its first lines, and how to see the rest."""
    lines = failure.output.splitlines()
    text = Text("Printed while the test ran:\n", style="bold")
    text.append("\n".join(lines[:OUTPUT_LINES]))
    if len(lines) > OUTPUT_LINES:
        command = f'pytest "{failure.id}"'
        text.append(f"\n… {len(lines) - OUTPUT_LINES} more lines: `{command}` shows them all.", style="dim")
    return text


@contextmanager
def running(console: Console, what: str) -> Iterator[Callable[[list[ProgressLine]], None]]:
    """A spinner while ``what`` runs (see :class:`Running`); yields its ``on_progress`` callback."""
    spinner = Running(console, what)
    try:
        yield spinner.on_progress
    finally:
        spinner.stop()


class Running:
    """A spinner from now until :meth:`stop`; a bar with epochs and batches while a test trains for real. Where
    the output is no terminal, a line each instead."""

    def __init__(self, console: Console, what: str) -> None:
        self.console, self.what = console, what
        self.bar = Progress(
            SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), console=console, transient=True
        )
        self.task = self.bar.add_task(what, total=None)
        self.training = Training()
        self._show(f"running {what} ...")

    def on_progress(self, news: list[ProgressLine]) -> None:
        for line in news:
            if self.training.add(line):
                self._plan()
        if self.training.done:
            self.bar.update(self.task, completed=self.training.done, training=self.training.describe())

    def _plan(self) -> None:
        """A training test has started: swap the spinner for a bar with totals."""
        self.bar.stop()
        columns = (
            TextColumn(f"{self.what}: training"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[training]}"),
            TimeElapsedColumn(),
        )
        self.bar = Progress(*columns, console=self.console, transient=True)
        self.task = self.bar.add_task("training", total=self.training.total, training="")
        self._show(f"training: {self.training.describe()} ...")

    def _show(self, line: str) -> None:
        """Start the bar on a terminal; elsewhere, where there is none to draw (and no thread to draw it), say
        ``line`` once."""
        if self.console.is_terminal:
            self.bar.start()
        else:
            self.console.print(line, markup=False)

    def stop(self) -> None:
        self.bar.stop()


def workspace_written(console: Console, target: Path, files: list[str]) -> None:
    """What ``katas init`` wrote, and the learner's first steps in it."""
    katas = sorted({path.split("/")[1] for path in files if path.count("/") == 2 and path.startswith("katas/")})
    console.print(
        f"{target}: your workspace, {len(katas)} katas ({len(files)} files) in a new git repository whose first "
        "commit holds every stub untouched (`katas reset` restores from it).",
        markup=False,
    )
    first = katas[0] if katas else "00_tensors"
    console.print(
        f"  Next: cd {target} && katas. Read katas/{first}/README.md and write your code in its stub.", markup=False
    )


def workspace_updated(console: Console, done: Update, retested: list[str]) -> None:
    """What ``katas update`` changed; ``retested``: the katas whose tests changed, so that their verdicts went."""
    if not (done.added or done.refreshed or done.kept):
        console.print(f"Up to date with torch-katas {done.version}: nothing changed.", markup=False)
        return
    console.print(f"Updated to torch-katas {done.version}.", markup=False)
    if done.new_katas:
        console.print(f"  New katas: {', '.join(done.new_katas)}", markup=False)
    for heading, paths in (("Added", done.added), ("Refreshed", done.refreshed)):
        if paths:
            console.print(f"  {heading} ({len(paths)}): {', '.join(paths)}", markup=False)
    for path in done.kept:
        console.print(
            Text(f"  Kept yours: {path} (you changed it; the new version is {path}.new, to compare)", style="yellow")
        )
    if retested:
        console.print(
            f"  New tests for {', '.join(retested)}: their last verdicts no longer hold (`katas verify` runs them).",
            markup=False,
        )
    if (done.added or done.refreshed) and not done.committed:
        console.print("  Not committed: this folder is not a git repository.", markup=False)
