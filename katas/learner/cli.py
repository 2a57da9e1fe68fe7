"""The ``katas`` command: the learner's way through the curriculum, a thin layer over pytest."""

from __future__ import annotations

import argparse
import sys
import time
from datetime import datetime
from pathlib import Path

from rich.console import Console
from rich.syntax import Syntax
from rich.text import Text

from katas.authoring.scaffold import NewKataRefused, new_kata
from katas.classroom import grading, junit, manifest
from katas.classroom.constraints import installed_pins
from katas.classroom.grade import grade_katas
from katas.classroom.gradebook import CSV_ENCODING, GradebookRefused, parse_due, read_gradebook
from katas.classroom.platforms import classroom50, gradescope, summary
from katas.classroom.release import ReleaseRefused, write_release
from katas.core import workspace
from katas.core.curriculum import Kata, find_kata, find_root, load_curriculum
from katas.core.stubs import StubUnavailable, original_stub
from katas.learner import actions, report
from katas.learner.medium import TERMINAL
from katas.learner.state import PASSED, State, run_and_record
from katas.runtime.runner import Run, RunFailed


def chosen_kata(name: str | None, state: State) -> Kata | None:
    """The kata the learner means: the one named on the command line, else the one whose folder they stand in,
    else the one they worked on last (unless it passes), else the next one to do (None when every kata passes)."""
    if name:
        return find_kata(name, state.root)
    katas = load_curriculum(state.root)
    here = Path.cwd().resolve()
    standing_in = next((kata for kata in katas if here.is_relative_to(kata.path)), None)
    last = next((kata for kata in katas if kata.folder == state.last_kata), None)
    if standing_in is not None:
        return standing_in
    if last is not None and state.status(last) != PASSED:
        return last
    return state.next_kata()


def init(console: Console, args: argparse.Namespace) -> int:
    files = workspace.init(args.dir)
    report.workspace_written(console, args.dir, files)
    return 0


def update(console: Console, args: argparse.Namespace) -> int:
    done, retested = actions.update_workspace(State.load(args.root))
    report.workspace_updated(console, done, [kata.folder for kata in retested])
    return 0


def list_katas(console: Console, args: argparse.Namespace) -> int:
    report.progress(console, State.load(args.root))
    return 0


def run(console: Console, args: argparse.Namespace) -> int:
    kata = chosen_kata(args.kata, State.load(args.root))
    if kata is None:
        report.next_step(console, None)
        return 0
    with report.running(console, f"pytest {kata.shown(kata.path)}") as on_progress:
        state, verdicts = run_and_record([kata], on_progress=on_progress)
    report.verdict(console, kata, verdicts[kata.folder], state)
    if state.status(kata) != PASSED:
        return 1
    report.next_step(console, state.next_kata())
    return 0


def watch(console: Console, args: argparse.Namespace) -> int:
    from katas.learner.watch import watch_katas

    return watch_katas(console, chosen_kata(args.kata, State.load(args.root)))


def hint(console: Console, args: argparse.Namespace) -> int:
    state = State.load(args.root)
    kata = chosen_kata(args.kata, state) or load_curriculum(args.root)[-1]
    found = actions.next_hint(state, kata)
    state.save()
    report.hint(console, kata, found, state, TERMINAL)
    return 0


def reset(console: Console, args: argparse.Namespace) -> int:
    kata = find_kata(args.kata, args.root)
    original = original_stub(kata)  # before anything changes: it may not be recoverable
    stub = kata.stub_path
    if stub.is_file() and stub.read_text(encoding="utf-8") == original:
        console.print(f"{kata.shown(stub)} is the untouched stub already: nothing to reset.", markup=False)
        return 0
    if not args.yes:
        try:
            answer = input(f"Replace {kata.shown(stub)} with the original stub? A copy of yours is kept first. [y/N] ")
        except EOFError:
            answer = ""
        if answer.strip().lower() not in ("y", "yes"):
            console.print("Nothing changed.")
            return 1
    if stub.exists():
        console.print(f"Your file is kept in {kata.shown(actions.keep_copy(kata))}", markup=False)
    stub.write_text(original, encoding="utf-8")
    console.print(f"{kata.shown(stub)} is the original stub again.", markup=False)
    return 0


def solution(console: Console, args: argparse.Namespace) -> int:
    state = State.load(args.root)
    kata = find_kata(args.kata, args.root)
    found = actions.solution(state, kata, args.force)
    if found.refusal is not None:
        report.solution_refused(console, kata, found.refusal, TERMINAL)
        return 1
    notes = Console(stderr=True, highlight=False)  # headers and warnings: never part of the code on stdout
    if found.before_a_pass:
        report.solution_warning(notes)
    if not console.is_terminal:  # the code alone, exactly as it is: `katas solution 03 > answer.py`
        sys.stdout.write(found.code)
        return 0
    notes.print(Text(kata.shown(found.path), style="bold"))
    console.print(Syntax(found.code, "python", word_wrap=True))
    return 0


def verify(console: Console, args: argparse.Namespace) -> int:
    katas, state = list(load_curriculum(args.root)), State.load(args.root)
    passing = [] if args.again else [kata for kata in katas if state.status(kata) == PASSED]
    if passing:
        console.print(
            f"Not run again: {', '.join(kata.folder for kata in passing)} passed on these very files "
            "(`katas verify --again` runs them too).",
            markup=False,
        )
    to_run = [kata for kata in katas if kata not in passing]
    if to_run:
        with report.running(console, f"pytest on {len(to_run)} katas") as on_progress:
            state, _ = run_and_record(to_run, on_progress=on_progress)
    report.progress(console, state)
    return 0 if all(state.status(kata) == PASSED for kata in katas) else 1


def grade(console: Console, args: argparse.Namespace) -> int:
    katas = [find_kata(name, args.root) for name in args.katas] or list(load_curriculum(args.root))
    started = time.monotonic()
    tamper_check = manifest.check(args.root, args.manifest)  # before any learner's code runs
    try:
        with report.running(console, "pytest on each kata in turn, to grade") as feed:
            run = grading.run_for_grading(katas, args.extra_tests, feed)
    except grading.HeldOutTestsRefused as refused:
        console.print(Text(f"katas grade: {refused}", style="red"))
        return 2
    graded = grade_katas(katas, run.results, tamper_check, grading.provenance(args.root), run.problems, run.hidden)
    if args.json:
        args.json.write_text(graded.to_json(), encoding="utf-8")
    if args.junit:
        args.junit.write_text(junit.junit_xml(graded), encoding="utf-8")
    if args.summary:
        with args.summary.open("a", encoding="utf-8") as file:  # $GITHUB_STEP_SUMMARY is appended to
            file.write(summary.markdown(graded))
    if args.classroom50:
        classroom50.write_result(graded, args.classroom50)
    if args.gradescope:
        gradescope.write_results(graded, time.monotonic() - started, args.gradescope)
    report.grade(console, graded)
    return 0 if graded.valid else 1


def gradebook(console: Console, args: argparse.Namespace) -> int:
    book = read_gradebook(args.grades, args.due)
    if args.csv and args.csv.resolve() in {grade.path.resolve() for grade in book.grades}:
        raise GradebookRefused(f"--csv {args.csv} is one of the grades: write the gradebook elsewhere")
    if args.csv:
        try:
            args.csv.write_text(book.to_csv(), encoding=CSV_ENCODING, newline="")
        except OSError as error:
            raise GradebookRefused(f"cannot write {args.csv}: {error.strerror}") from error
    report.gradebook(console, book, args.csv)
    return 0


def due_date(text: str) -> datetime:
    """``--due``: an ISO date or date-time (see :func:`parse_due`)."""
    try:
        return parse_due(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def check(console: Console, args: argparse.Namespace) -> int:
    from katas.authoring import contract

    kata = find_kata(args.kata, args.root)
    with report.running(console, f"pytest {kata.shown(kata.path)}, on the stub and on the reference"):
        on_the_stub, on_the_reference = Run([kata]), Run([kata], reference=True)  # both at once
        stub_run, reference_run = on_the_stub.results(), on_the_reference.results()
    found = {
        "its files, lesson, hints and notebook": contract.static_problems(kata),
        "ruff": contract.lint_problems(kata),
        f"every test fails on the untouched stub ({len(stub_run.tests)} tests)": contract.stub_verdict_problems(
            stub_run
        ),
        f"every test passes on the reference ({len(reference_run.tests)} tests)": (
            contract.reference_verdict_problems(reference_run)
        ),
    }
    report.checked(console, kata, found)
    return 1 if any(found.values()) else 0


def new(console: Console, args: argparse.Namespace) -> int:
    after = find_kata(args.after, args.root)
    following = [kata.folder for kata in load_curriculum(args.root) if kata.number > after.number]
    kata = new_kata(args.root, args.topic, after, args.title or args.topic.replace("_", " ").capitalize())
    report.created(console, kata, following)
    return 0


def release(console: Console, args: argparse.Namespace) -> int:
    if args.extra_tests and not (args.classroom50 or args.gradescope):
        raise ReleaseRefused(
            "--extra-tests go into a platform's autograder (--classroom50 or --gradescope), never into the release: "
            "to grade with them yourself, use `katas grade --extra-tests DIR`"
        )
    if args.extra_tests and not args.extra_tests.is_dir():
        raise ReleaseRefused(f"{args.extra_tests} is not a folder of held-out tests (DIR/<kata folder>/test_*.py)")
    taken = [path for path in (args.classroom50, args.gradescope) if path and path.exists() and any_file(path)]
    if taken:
        raise ReleaseRefused(f"{taken[0]} exists already: name a new one")
    files = write_release(
        args.root, args.dir, graded=args.graded, repository=args.repository, grade_workflow=not args.classroom50
    )
    report.released(console, args.dir, files, args.graded, args.repository)
    if args.classroom50:
        written = classroom50.write_autograder(args.dir, args.classroom50, installed_pins(args.root), args.extra_tests)
        report.classroom50_autograder(console, args.classroom50, written)
    if args.gradescope:
        gradescope.write_bundle(args.dir, args.gradescope, installed_pins(args.root), args.extra_tests)
        report.gradescope_bundle(console, args.gradescope)
    return 0


def any_file(path: Path) -> bool:
    """Whether ``path`` is a file, or a folder that holds anything."""
    return path.is_file() or any(path.iterdir())


def pictures(console: Console, args: argparse.Namespace) -> int:
    kata = chosen_kata(args.kata, State.load(args.root)) or load_curriculum(args.root)[-1]
    if not kata.has_pictures:
        having = ", ".join(other.folder for other in load_curriculum(args.root) if other.has_pictures)
        console.print(f"{kata.folder} has no pictures; these katas do: {having}", markup=False)
        return 1
    from katas.learner import pictures as drawing  # torch and matplotlib: seconds to import

    try:
        with report.running(console, f"the pictures of {kata.folder}") as on_progress:
            written = drawing.draw(kata, args.reference, on_progress)
    except ModuleNotFoundError as error:  # matplotlib: the notebook extra
        console.print(Text(f'katas: pictures need {error.name}: pip install -e ".[notebook]"', style="red"))
        return 2
    return 0 if written else 1


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="katas", description="Test-driven katas for learning PyTorch.")
    parser.set_defaults(handler=list_katas)
    commands = parser.add_subparsers(dest="command")
    commands.add_parser("list", help="every kata, its status, and the next one to do (the default)")
    command = commands.add_parser("init", help="write your own workspace of katas: a new folder, a git repository")
    command.add_argument(
        "dir", nargs="?", type=Path, default=workspace.DEFAULT_FOLDER, help="a new (or empty) folder (torch-katas)"
    )
    command.set_defaults(handler=init)
    command = commands.add_parser(
        "update", help="bring the installed version's katas into your workspace; your changed files are kept"
    )
    command.set_defaults(handler=update)
    for name, handler, help_text in (
        ("run", run, "run one kata's tests (default: the next unfinished one) and show the verdict"),
        ("watch", watch, "re-run the kata on every save (Enter re-runs, q quits)"),
        ("hint", hint, "show the next hint for the kata's first failing task"),
    ):
        command = commands.add_parser(name, help=help_text)
        command.add_argument("kata", nargs="?", help="e.g. 3, 03, 03_autograd or autograd")
        command.set_defaults(handler=handler)
    command = commands.add_parser("reset", help="restore the original stub, keeping a copy of your file")
    command.add_argument("kata")
    command.add_argument("--yes", "-y", action="store_true", help="do not ask for confirmation")
    command.set_defaults(handler=reset)
    command = commands.add_parser("solution", help="show the reference solution of a kata you have passed")
    command.add_argument("kata")
    command.add_argument("--force", action="store_true", help="show it even though the kata does not pass yet")
    command.set_defaults(handler=solution)
    command = commands.add_parser(
        "verify", help="run every kata not passed on its file as it is, and show the progress table"
    )
    command.add_argument("--again", action="store_true", help="run the katas that pass already too")
    command.set_defaults(handler=verify)
    command = commands.add_parser("pictures", help="draw what a kata's code does, as PNG files (05: loss curves)")
    command.add_argument("kata", nargs="?", help="e.g. 3, 03, 03_autograd or autograd")
    command.add_argument("--reference", action="store_true", help="draw with the reference solution")
    command.set_defaults(handler=pictures)
    command = commands.add_parser("grade", help="run every kata once and grade it: points per task, tamper check")
    command.add_argument("katas", nargs="*", help="grade only these katas (default: every one)")
    command.add_argument("--json", type=Path, metavar="FILE", help="write the whole grade as JSON")
    command.add_argument("--junit", type=Path, metavar="FILE", help="write the grade as JUnit XML, a case per task")
    command.add_argument(
        "--summary",
        type=Path,
        metavar="FILE",
        help="append a Markdown table of the points per task ($GITHUB_STEP_SUMMARY)",
    )
    command.add_argument("--classroom50", type=Path, metavar="FILE", help="write Classroom 50's result.json")
    command.add_argument("--gradescope", type=Path, metavar="FILE", help="write Gradescope's results.json")
    command.add_argument("--manifest", type=Path, metavar="FILE", help="check against this manifest, not the own")
    command.add_argument(
        "--extra-tests",
        type=Path,
        metavar="DIR",
        help="also run your held-out tests: DIR/<kata folder>/test_*.py, with task marks like the kata's own",
    )
    command.set_defaults(handler=grade)
    command = commands.add_parser(
        "gradebook", help="for teachers: a class's grade JSON files as a table and a CSV file, a row per learner"
    )
    command.add_argument(
        "grades",
        nargs="+",
        type=Path,
        metavar="GRADES",
        help="grade files (`katas grade --json`), or folders of them: <learner>.json or <learner>/grade.json",
    )
    command.add_argument(
        "--csv", type=Path, metavar="FILE", help="write the gradebook as CSV (UTF-8, for spreadsheets)"
    )
    command.add_argument(
        "--due",
        type=due_date,
        metavar="DATE",
        help="mark the rows whose commit is dated later: 2026-12-07 (the end of that day, UTC) or 2026-12-07T18:00+01:00",
    )
    command.set_defaults(handler=gradebook)
    command = commands.add_parser("new", help="for authors: a new kata from a template, after another one")
    command.add_argument(
        "topic", help="the new kata's topic, a Python name: its folder is NN_topic, its module topic.py"
    )
    command.add_argument("--after", required=True, metavar="KATA", help="the kata it comes after (the rest move up)")
    command.add_argument("--title", help="its title in the curriculum (default: from the topic)")
    command.set_defaults(handler=new)
    command = commands.add_parser(
        "check", help="for authors: check one kata against the contract (files, ruff, stub and reference runs)"
    )
    command.add_argument("kata", help="e.g. 3, 03, 03_autograd or autograd")
    command.set_defaults(handler=check)
    command = commands.add_parser("release", help="write a class release: no solutions, a fresh git repository")
    command.add_argument("dir", type=Path, help="a new (or empty) folder")
    command.add_argument(
        "--classroom50",
        type=Path,
        metavar="FOLDER",
        help="write Classroom 50's autograder into FOLDER (for CLASSROOM/autograders/ASSIGNMENT/); the release then "
        "has no workflow of its own, Classroom 50's grades each push",
    )
    command.add_argument(
        "--gradescope", type=Path, metavar="ZIP", help="write Gradescope's autograder zip (setup.sh, run_autograder)"
    )
    command.add_argument(
        "--extra-tests",
        type=Path,
        metavar="DIR",
        help="your held-out tests (DIR/<kata folder>/test_*.py), for the Classroom 50 or Gradescope autograder only: "
        "never in the release",
    )
    command.add_argument(
        "--graded",
        action="store_true",
        help='for graded work: no hints, lessons without their worked solutions, solutions = "never"',
    )
    command.add_argument(
        "--repository",
        metavar="URL",
        help="the git URL of the class's repository, which the notebooks clone on Colab (else they ask for it)",
    )
    command.set_defaults(handler=release)
    commands.choices["list"].set_defaults(handler=list_katas)
    return parser


def main(argv: list[str] | None = None) -> None:
    args = parser().parse_args(argv)
    # Piped or redirected: plain text, lines whole, nothing padded to a width (see report.boxed)
    console = Console(highlight=False) if sys.stdout.isatty() else Console(highlight=False, width=1_000_000)
    try:
        args.root = None if args.handler in (init, gradebook) else find_root()
        code = args.handler(console, args)
    except (
        LookupError,
        NewKataRefused,
        StubUnavailable,
        RunFailed,
        ReleaseRefused,
        GradebookRefused,
        workspace.WorkspaceRefused,
    ) as error:
        console.print(Text(f"katas: {error}", style="red"))
        code = 2
    except KeyboardInterrupt:
        code = 130
    sys.exit(code)


if __name__ == "__main__":
    main()
