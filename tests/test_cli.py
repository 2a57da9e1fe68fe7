"""The `katas` command, run as a learner runs it, in a git clone of the repository.

The clone is a copy in a temporary folder; the installed package (an editable install of this checkout) must act
on the copy the command is run in, never on this checkout. Most tests run the command's ``main`` forked from a warm
interpreter (tests/warm_command.py: the same code, folder, environment, input and pipes, without a fresh
interpreter's import of torch); those with ``script=True``, ``run_katas`` and ``Watch`` run the installed console
script itself, piped and in a terminal.
"""

import os
import queue
import re
import shutil
import subprocess
import threading
import time
from pathlib import Path

import pytest

from katas.core import results
from katas.core.curriculum import INSTALLED_ROOT, find_kata, load_curriculum
from katas.core.outcomes import KataResult
from katas.core.stubs import is_untouched_stub
from katas.runtime import runner
from tests import warm_command

KATAS = load_curriculum(INSTALLED_ROOT)

# The 15 s default is a learner's guard against hangs; each test runs the katas command, or pytest, in a process.
pytestmark = pytest.mark.timeout(600)

KATAS_COMMAND = warm_command.CONSOLE_SCRIPT
STUB = Path("katas/00_tensors/tensors.py")
SOLUTION = Path("reference/00_tensors/tensors.py")


def run_katas(*args: str) -> str:
    completed = subprocess.run([KATAS_COMMAND, *args], capture_output=True, text=True, timeout=60, check=True)
    return completed.stdout


def test_katas_lists_every_kata_in_order_and_where_to_start():
    output = run_katas("list")
    positions = [output.index(kata.folder) for kata in KATAS]
    assert positions == sorted(positions), f"katas should be listed in curriculum order:\n{output}"
    assert "pytest katas/00_tensors" in output, output


def test_katas_without_a_command_lists_the_katas():
    assert run_katas() == run_katas("list")


@pytest.mark.parametrize("kata", KATAS, ids=lambda kata: kata.folder)
def test_stubs_are_untouched_and_solutions_are_not(kata):
    assert is_untouched_stub(kata.stub_path.read_text()), f"{kata.stub_path} should count as an untouched stub"
    assert not is_untouched_stub(kata.reference_path.read_text()), f"{kata.reference_path} should not"


def test_a_syntax_error_is_not_an_untouched_stub():
    assert not is_untouched_stub("def f(:\n    raise NotImplementedError('x')\n")


# --- On a learner's clone ------------------------------------------------------------------


def git(repo: Path, *args: str) -> None:
    identity = ["-c", "user.name=Learner", "-c", "user.email=learner@example.com"]
    subprocess.run(["git", *identity, *args], cwd=repo, check=True, capture_output=True)


@pytest.fixture
def clone(tmp_path: Path) -> Path:
    """A copy of the repository, git-initialised and committed, as a learner's clone is."""
    return cloned_into(tmp_path)


def cloned_into(folder: Path) -> Path:
    """A copy of the repository in ``folder``, git-initialised and committed, as a learner's clone is."""
    repo = folder / "torch-katas"
    ignore = shutil.ignore_patterns("__pycache__", ".pytest_cache", ".katas")
    for tree in ("katas", "reference"):
        shutil.copytree(INSTALLED_ROOT / tree, repo / tree, ignore=ignore)
    for file in ("pyproject.toml", ".gitignore"):
        shutil.copy(INSTALLED_ROOT / file, repo / file)
    git(repo, "init", "-q")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "torch-katas")
    return repo


def learner_env() -> dict[str, str]:
    """A learner's shell, with KATAS_REFERENCE=1 left over from somewhere: the command must test their code anyway."""
    env = {key: value for key, value in os.environ.items() if key != "NO_COLOR"}
    return env | {"KATAS_REFERENCE": "1", "PYTHONUNBUFFERED": "1", "NO_COLOR": "1", "COLUMNS": "200"}


def katas_in(repo: Path, *args: str, stdin: str = "", expect: int = 0, script: bool = False) -> str:
    """The output of the ``katas`` command, run in ``repo``, which must exit with ``expect``: its ``main`` forked from
    a warm interpreter (tests/warm_command.py), or the installed console script itself if ``script``."""
    if script:
        completed = subprocess.run(
            [KATAS_COMMAND, *args],
            cwd=repo,
            env=learner_env(),
            input=stdin,
            capture_output=True,
            text=True,
            timeout=300,
        )
    else:
        completed = warm_command.run(args, repo, learner_env(), stdin)
    output = completed.stdout + completed.stderr
    assert completed.returncode == expect, f"katas {' '.join(args)} exited with {completed.returncode}:\n{output}"
    return output


def test_list_on_untouched_stubs_shows_nothing_done_and_where_to_start(clone):
    output = katas_in(clone, "list")
    assert f"0/{len(KATAS)} katas" in output and output.count("not started") == len(KATAS), output
    assert "Next: 00_tensors" in output, output


def test_run_on_the_stub_shows_the_verdict_the_first_failure_and_its_hint(clone):
    output = katas_in(clone, "run", expect=1, script=True)  # the next kata to do: 00; a fresh pytest process
    assert "00_tensors: 0 of " in output, output
    assert "from data keeps the shape and infers the dtype" in output and "not written yet" in output, output
    assert "Task 1: Creating tensors — `katas hint 00` shows the next hint for it (hint 1 of 4)" in output, output
    assert (clone / ".katas/state.json").is_file(), "the state file should be written in the clone, not elsewhere"
    first, second = katas_in(clone, "hint"), katas_in(clone, "hint", "00")
    assert "Task 1: Creating tensors — hint 1 of 4" in first and "lower-case" not in first, first
    assert "hint 2 of 4" in second and "lower-case" in second, second


def test_a_solved_kata_counts_as_done_until_the_file_changes(clone):
    shutil.copy(clone / SOLUTION, clone / STUB)
    output = katas_in(clone, "run", "00")
    assert "all green" in output and "Next: 01_stack_vs_cat" in output, output
    output = katas_in(clone, "list")
    assert f"1/{len(KATAS)} katas" in output and "Next: 01_stack_vs_cat" in output, output
    assert "def from_data" in katas_in(clone, "solution", "00")
    with (clone / STUB).open("a") as file:
        file.write("\n# an edit after the pass\n")
    output = katas_in(clone, "list")
    assert f"0/{len(KATAS)} katas" in output, "an edited file needs a new run to count as passed"
    assert re.search(r"00_tensors +changed", output) and "your file changed since its last run" in output, output


def test_verify_runs_again_only_what_did_not_pass_on_the_file_as_it_is(clone):
    shutil.copy(clone / SOLUTION, clone / STUB)
    katas_in(clone, "run", "00")
    output = katas_in(clone, "verify", expect=1)
    assert "Not run again: 00_tensors passed on these very files" in output, output
    assert f"pytest on {len(KATAS) - 1} katas" in output and f"1/{len(KATAS)} katas" in output, output


def test_hints_reach_the_terminal_without_their_markdown_indentation():
    indented = [
        f"{kata.folder} Task {task}: {line!r}"
        for kata in KATAS
        for task, hints in kata.hints_by_task().items()
        for hint in hints
        for line in hint.splitlines()
        if line != line.lstrip()
    ]
    assert not indented, indented


def test_run_shows_a_long_failure_message_whole(clone):
    """A train() that never zeroes its gradients: the message runs past 500 characters, and all of it must show."""
    solution = (clone / "reference/05_training_loop/training_loop.py").read_text()
    assert "        zero_grad(params)\n" in solution
    (clone / "katas/05_training_loop/training_loop.py").write_text(solution.replace("        zero_grad(params)\n", ""))
    output = katas_in(clone, "run", "05", expect=1)
    failure = KataResult.of(runner.run_katas([find_kata("05", clone)], warm=runner.WarmRunner()).tests).first_failure
    assert len(failure.message) > 500, failure.message
    for line in failure.message.splitlines():
        assert line.strip() in output, (
            f"this line of the failure message is missing from the output: {line!r}\n{output}"
        )
    assert "backward *adds* to .grad" in output and "got" in output, output


def test_run_shows_what_a_failing_test_printed(clone):
    stub = (clone / STUB).read_text()
    written = stub.replace(
        'raise NotImplementedError("Task 1: write from_data (see README.md)")',
        'print("converting", data)\n    return None',
    )
    (clone / STUB).write_text(written)
    output = katas_in(clone, "run", "00", expect=1)
    assert "from data keeps the shape" in output and "Printed while the test ran:" in output, output
    assert "converting [3, 1, 4]" in output, output


def test_piped_output_is_plain_text_with_nothing_padded(clone):
    output = katas_in(clone, "run", "00", expect=1) + katas_in(clone, "hint", "00") + katas_in(clone, "list")
    padded = [line for line in output.splitlines() if line != line.rstrip()]
    assert not padded, f"piped output should not pad lines with spaces: {padded}"
    assert not set("╭╮╰╯│━") & set(output), f"piped output should have no boxes:\n{output}"


def test_solution_piped_to_a_file_is_exactly_the_reference_code(clone):
    completed = subprocess.run(
        [KATAS_COMMAND, "solution", "03", "--force"], cwd=clone, env=learner_env(), capture_output=True, text=True
    )
    assert completed.stdout == (clone / "reference/03_autograd/autograd.py").read_text(), completed.stdout[:500]
    assert "warning" in completed.stderr and "not solved" in completed.stderr, completed.stderr
    compile(completed.stdout, "answer.py", "exec")


def test_hint_on_a_passing_kata_says_it_passes(clone):
    shutil.copy(clone / SOLUTION, clone / STUB)
    katas_in(clone, "run", "00")
    output = katas_in(clone, "hint", "00")
    assert "00_tensors passes already" in output and "hint 1 of" not in output, output


def test_reset_of_an_untouched_stub_changes_nothing_and_keeps_no_backup(clone):
    output = katas_in(clone, "reset", "00", "--yes")
    assert "untouched stub already" in output, output
    assert not (clone / ".katas/backups").exists(), "an untouched stub needs no backup"


def test_run_and_hint_without_a_kata_take_the_one_stood_in_else_the_one_run_last(clone):
    katas_in(clone, "run", "03", expect=1)
    assert "03_autograd: 0 of " in katas_in(clone, "run", expect=1), "`katas run` should go on with the kata run last"
    assert "03_autograd, Task 1" in katas_in(clone, "hint"), "`katas hint` should give a hint for the kata run last"
    output = katas_in(clone / "katas/05_training_loop", "hint")
    assert "05_training_loop, Task 1" in output, f"`katas hint` in a kata's folder should be about that kata:\n{output}"


def test_a_hanging_function_costs_one_time_limit_not_one_per_test(clone):
    settings = (clone / "pyproject.toml").read_text()
    assert "\ntimeout = 10\n" in settings, "the time limit a test gets (pytest-timeout's), in the clone's settings"
    (clone / "pyproject.toml").write_text(settings.replace("\ntimeout = 10\n", "\ntimeout = 3\n"))  # a shorter wait
    solution = (clone / "reference/07_losses/losses.py").read_text()
    start = solution.index("def reduce_loss")
    body = solution.index("\n", start) + 1
    (clone / "katas/07_losses/losses.py").write_text(
        solution[:body] + "    while True:\n        pass\n" + solution[body:]
    )
    output = katas_in(clone, "run", "07", expect=1)
    assert "Stopped after" in output and "in reduce_loss()" in output, output
    failures = [test for test in run_results(clone) if test.outcome == "failed"]
    stopped = [test.id for test in failures if test.message.startswith("Stopped after")]
    assert len(stopped) == 1, f"only the first call of reduce_loss should wait out the time limit: {stopped}"
    not_run = [test for test in failures if test.message.startswith("Not run: an earlier call of reduce_loss()")]
    assert len(not_run) >= 6, [test.message for test in failures]


def run_results(clone: Path) -> list:
    """Every test of the last `katas run`, from pytest run again the way the command runs it, with the results file."""
    path = clone / "results.json"
    warm_command.pytest(["katas/07_losses", "--no-reference", f"--katas-results={path}", "-q"], clone, os.environ)
    return results.load(path).tests


def test_solution_is_refused_before_a_pass_unless_forced(clone):
    output = katas_in(clone, "solution", "00", expect=1)
    assert "does not pass yet" in output and "def from_data" not in output, output
    output = katas_in(clone, "solution", "00", "--force")
    assert "warning" in output and "torch.tensor(data)" in output, output


def test_reset_keeps_a_copy_of_the_learners_file_and_restores_the_stub(clone):
    original = (clone / STUB).read_text()
    mine = original.replace('raise NotImplementedError("Task 1: write count (see README.md)")', "return 42")
    (clone / STUB).write_text(mine)
    git(clone, "commit", "-q", "-am", "my work")  # HEAD now holds a touched file: the stub comes from an older commit
    assert "Nothing changed" in katas_in(clone, "reset", "00", stdin="n\n", expect=1)
    assert (clone / STUB).read_text() == mine
    output = katas_in(clone, "reset", "00", "--yes")
    backups = list((clone / ".katas/backups/00_tensors").glob("tensors-*.py"))
    assert len(backups) == 1 and backups[0].read_text() == mine, output
    assert backups[0].relative_to(clone).as_posix() in output, output
    assert (clone / STUB).read_text() == original


def test_watch_reruns_on_save_and_moves_on_after_a_pass(clone):
    with Watch(clone, "00") as watch:
        watch.wait_for("Watching katas/00_tensors/", 120)
        assert "00_tensors: 0 of " in watch.output, watch.output
        shutil.copy(clone / SOLUTION, clone / STUB)  # the learner saves a solution
        watch.wait_for("00_tensors passes. On to 01_stack_vs_cat", 60)
        watch.wait_for("01_stack_vs_cat: 0 of ", 60)
        watch.type("q\n")
        assert watch.process.wait(timeout=30) == 0, watch.output


def test_watch_starts_again_when_a_file_is_saved_during_a_run(clone):
    stub, hanging = (clone / STUB).read_text(), clone / "hanging"
    hang = f"open({str(hanging)!r}, 'w').close()\n    while True:\n        pass"  # says it hangs, then hangs
    (clone / STUB).write_text(stub.replace(FROM_DATA_STUB, hang))
    with Watch(clone, "00") as watch:
        watch.wait_for("running pytest katas/00_tensors", 120)
        deadline = time.monotonic() + 60
        while not hanging.exists():  # once it does, the run hangs for 10 s
            assert time.monotonic() < deadline, f"the run never reached the hanging stub:\n{watch.output}"
            time.sleep(0.05)
        shutil.copy(clone / SOLUTION, clone / STUB)  # saved while the hanging run goes on
        watch.wait_for("Changed while running: starting again.", 30)
        watch.wait_for("00_tensors passes. On to 01_stack_vs_cat", 60)
        assert "Stopped after" not in watch.output, "the hanging run should have been cancelled:\n" + watch.output


@pytest.mark.skipif(os.name == "nt", reason="single keys need a POSIX terminal (Windows reads q then Enter)")
def test_watch_quits_on_q_without_enter_in_a_terminal(clone):
    with Watch(clone, "00", terminal=True) as watch:
        watch.wait_for("Enter re-runs, q quits", 120)
        watch.type("q")
        assert watch.process.wait(timeout=30) == 0, watch.output


FROM_DATA_STUB = 'raise NotImplementedError("Task 1: write from_data (see README.md)")'
ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07")


class Watch:
    """The real ``katas watch`` in ``repo``, fed keys and read as it prints; on a pseudo-terminal if ``terminal``."""

    def __init__(self, repo: Path, *args: str, terminal: bool = False) -> None:
        command = [KATAS_COMMAND, "watch", *args]
        if terminal:
            import pty

            self.keyboard, screen = pty.openpty()
            self.process = subprocess.Popen(
                command, cwd=repo, env=learner_env(), stdin=screen, stdout=screen, stderr=screen
            )
            os.close(screen)
            chunks = iter(lambda: _read_terminal(self.keyboard), "")
        else:
            self.process = subprocess.Popen(
                command,
                cwd=repo,
                env=learner_env(),
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )
            self.keyboard, chunks = None, self.process.stdout
        self.printed: queue.Queue[str] = queue.Queue()
        threading.Thread(target=lambda: [self.printed.put(chunk) for chunk in chunks], daemon=True).start()
        self.output = ""

    def wait_for(self, text: str, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while text not in self.output:
            try:
                self.output += ANSI_ESCAPE.sub("", self.printed.get(timeout=max(0.0, deadline - time.monotonic())))
            except queue.Empty:
                pytest.fail(f"watch did not print {text!r} within {seconds} s; it printed:\n{self.output}")

    def type(self, keys: str) -> None:
        if self.keyboard is None:
            self.process.stdin.write(keys)
            self.process.stdin.flush()
        else:
            os.write(self.keyboard, keys.encode())

    def __enter__(self) -> "Watch":
        return self

    def __exit__(self, *exc_info) -> None:
        self.process.kill()
        self.process.wait()
        if self.keyboard is not None:
            os.close(self.keyboard)


def _read_terminal(fd: int) -> str:
    try:
        return os.read(fd, 4096).decode(errors="replace")
    except OSError:  # the other end closed: the command ended
        return ""
