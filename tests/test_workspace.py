"""A learner's workspace: ``katas init`` writes one from the installed curriculum, ``katas update`` brings a newer
one in without replacing the learner's files, and every command works inside it."""

import functools
import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from katas.core import workspace
from katas.core.curriculum import (
    INSTALLED_ROOT,
    PACKAGED_REFERENCE,
    WORKSPACE_FILE,
    find_kata,
    find_root,
    load_curriculum,
)
from katas.core.stubs import is_untouched_stub
from katas.core.workspace import WorkspaceRefused
from katas.learner import cli
from katas.learner.state import CHANGED, PASSED, State
from tests.test_cli import katas_in

KATAS = load_curriculum(INSTALLED_ROOT)


def test_init_writes_every_kata_untouched_with_its_settings_readme_and_first_commit(tmp_path):
    target = tmp_path / "torch-katas"
    files = workspace.init(target)
    for kata in KATAS:
        for name in (kata.module, kata.lesson_path.name, kata.hints, kata.notebook_path.name):
            assert f"katas/{kata.folder}/{name}" in files
        assert is_untouched_stub((target / "katas" / kata.folder / kata.module).read_text(encoding="utf-8"))
    assert {"README.md", "pyproject.toml", ".gitignore", "katas/curriculum.toml", WORKSPACE_FILE.as_posix()} <= set(
        files
    )
    assert git(target, "status", "--porcelain") == "", "everything written is in the first commit"
    assert git(target, "log", "--format=%s").splitlines() == [
        workspace.FIRST_COMMIT.format(version=workspace.version())
    ]
    assert find_root(target / "katas" / "03_autograd") == target
    record = json.loads((target / WORKSPACE_FILE).read_text(encoding="utf-8"))
    assert record["torch-katas"] == workspace.version()
    assert set(record["files"]) == {path for path in files if path.startswith("katas/")} - {WORKSPACE_FILE.as_posix()}


def test_a_workspace_holds_no_reference_solution_anywhere(tmp_path):
    target = tmp_path / "ws"
    workspace.init(target)
    solutions = {path.read_bytes() for path in PACKAGED_REFERENCE.rglob("*.py")}
    written = [path for path in target.rglob("*") if path.is_file() and ".git" not in path.parts]
    assert not (target / "reference").exists()
    assert [path for path in written if path.read_bytes() in solutions] == []
    assert not [path for path in written if "reference" in path.relative_to(target).parts]


@pytest.mark.parametrize("where", ["twice", "not-empty", "inside-a-workspace"])
def test_init_refuses_a_folder_that_is_not_new_and_changes_nothing(tmp_path, where):
    first = tmp_path / "ws"
    workspace.init(first)
    target = {"twice": first, "not-empty": tmp_path / "notes", "inside-a-workspace": first / "again"}[where]
    if where == "not-empty":
        target.mkdir()
        (target / "mine.txt").write_text("my notes", encoding="utf-8")
    before = snapshot(tmp_path)
    with pytest.raises(WorkspaceRefused, match="workspace already|not empty|inside the katas"):
        workspace.init(target)
    assert snapshot(tmp_path) == before


def test_init_without_git_refuses_before_writing_anything(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path / "no-tools"))
    with pytest.raises(WorkspaceRefused, match="git is not installed: install it"):
        workspace.init(tmp_path / "ws")
    assert not (tmp_path / "ws").exists()


def test_update_adds_new_katas_refreshes_unchanged_files_and_never_replaces_the_learners(tmp_path):
    ws, newer = tmp_path / "ws", tmp_path / "newer"
    workspace.init(ws)
    solved = ws / "katas" / "00_tensors" / "tensors.py"
    solved.write_text("# my solution\n", encoding="utf-8")
    notes = ws / "katas" / "01_stack_vs_cat" / "README.md"
    notes.write_text(notes.read_text(encoding="utf-8") + "\nMy notes.\n", encoding="utf-8")
    workspace.write_files(newer, workspace.curriculum_files())
    (newer / "katas" / "00_tensors" / "tensors.py").write_text('def f():\n    raise NotImplementedError("T")\n')
    (newer / "katas" / "01_stack_vs_cat" / "README.md").write_text("# Stack vs cat, rewritten\n", encoding="utf-8")
    (newer / "katas" / "02_unsqueeze" / "hints.md").write_text("## Task 1: new hints\n\n1. One.\n", encoding="utf-8")
    add_kata(newer, "18_extra")

    done = workspace.update(ws, source=newer)

    assert done.new_katas == ["18_extra"]
    assert set(done.added) == {"katas/18_extra/README.md", "katas/18_extra/extra.py", "katas/18_extra/test_extra.py"}
    assert sorted(done.refreshed) == ["katas/02_unsqueeze/hints.md", "katas/curriculum.toml"]
    assert sorted(done.kept) == ["katas/00_tensors/tensors.py", "katas/01_stack_vs_cat/README.md"]
    assert solved.read_text(encoding="utf-8") == "# my solution\n"
    assert notes.read_text(encoding="utf-8").endswith("My notes.\n")
    assert notes.with_name("README.md.new").read_text(encoding="utf-8") == "# Stack vs cat, rewritten\n"
    assert [kata.folder for kata in load_curriculum(ws)][-1] == "18_extra"
    assert done.committed and git(ws, "log", "-1", "--format=%s").startswith("katas update")
    assert git(ws, "status", "--porcelain", "--", "katas/18_extra", "katas/02_unsqueeze") == ""
    assert "tensors.py" in git(ws, "status", "--porcelain"), "the learner's work is never committed for them"

    again = workspace.update(ws, source=newer)
    assert (again.added, again.refreshed, again.kept) == ([], [], done.kept), "a second update changes nothing"


def test_update_with_new_tests_for_a_passed_kata_takes_its_verdict_back(tmp_path, monkeypatch, capsys):
    ws, newer = tmp_path / "ws", tmp_path / "newer"
    workspace.init(ws)
    kata = find_kata("02", ws)
    shutil.copy(PACKAGED_REFERENCE / kata.folder / kata.module, kata.stub_path)
    katas_in(ws, "run", "02")
    assert State.load(ws).status(kata) == PASSED
    monkeypatch.chdir(ws)
    workspace.write_files(newer, workspace.curriculum_files())
    tests = newer / "katas" / kata.folder / "test_unsqueeze.py"
    tests.write_text(tests.read_text(encoding="utf-8") + "\n\ndef test_more():\n    pass\n", encoding="utf-8")
    monkeypatch.setattr(workspace, "update", functools.partial(workspace.update, source=newer))
    assert katas_main("update") == 0
    assert "New tests for 02_unsqueeze: their last verdicts no longer hold" in capsys.readouterr().out
    assert State.load(ws).status(kata) == CHANGED


def test_update_leaves_a_learners_file_alone_when_its_kata_did_not_change(tmp_path):
    ws = tmp_path / "ws"
    workspace.init(ws)
    solved = ws / "katas" / "00_tensors" / "tensors.py"
    solved.write_text("# my solution\n", encoding="utf-8")
    done = workspace.update(ws)
    assert (done.added, done.refreshed, done.kept, done.committed) == ([], [], [], False)
    assert not solved.with_name("tensors.py.new").exists()


def test_update_refuses_a_clone_of_the_project_and_a_folder_katas_init_did_not_write(tmp_path):
    with pytest.raises(WorkspaceRefused, match="git pull"):
        workspace.update(INSTALLED_ROOT)
    ws = tmp_path / "ws"
    workspace.init(ws)
    (ws / WORKSPACE_FILE).write_text("{", encoding="utf-8")
    with pytest.raises(WorkspaceRefused, match="workspace.json is damaged"):
        workspace.update(ws)


@pytest.mark.timeout(300)  # the real command, in processes of its own
def test_the_katas_command_in_a_workspace_runs_resets_and_refuses_a_second_init(tmp_path):
    ws = tmp_path / "ws"
    katas_in(tmp_path, "init", "ws")
    stub = ws / "katas" / "01_stack_vs_cat" / "stack_vs_cat.py"
    untouched = stub.read_text(encoding="utf-8")
    assert "not written yet" in katas_in(ws, "run", "01", expect=1)
    stub.write_text(untouched.replace("import torch", "import torch  # mine"), encoding="utf-8")
    assert "is the original stub again" in katas_in(ws, "reset", "01", "--yes")
    assert stub.read_text(encoding="utf-8") == untouched
    refused = katas_in(tmp_path, "init", "ws", expect=2)
    assert "workspace already: nothing was written" in refused
    assert "Up to date" in katas_in(ws, "update")


@pytest.mark.timeout(600)  # two wheels built and installed, the real command in a fresh environment
def test_the_built_wheel_in_a_fresh_environment_gives_a_learner_the_whole_path(tmp_path):
    source = working_tree_copy(tmp_path / "source")
    env = Environment(tmp_path / "env")
    env.install(build_wheel(source, tmp_path / "dist"))
    assert "`katas init` writes your own workspace" in env.katas(tmp_path, expect=2)
    env.katas(tmp_path, "init")
    ws = tmp_path / "torch-katas"
    stub = ws / "katas" / "01_stack_vs_cat" / "stack_vs_cat.py"
    untouched, solution = stub.read_text(encoding="utf-8"), env.reference("01_stack_vs_cat/stack_vs_cat.py")

    stub.write_text(solution.replace("torch.stack(images)", "torch.cat(images)"), encoding="utf-8")
    assert "batch images puts the images along a new leading batch dimension" in env.katas(ws, "run", "01", expect=1)
    stub.write_text(solution, encoding="utf-8")
    assert "all green" in env.katas(ws, "run", "01")
    assert env.katas(ws, "solution", "01") == solution
    env.katas(ws, "reset", "01", "--yes")
    assert stub.read_text(encoding="utf-8") == untouched
    pytest_run = env.run([env.python, "-m", "pytest", "katas/01_stack_vs_cat", "-q", "-p", "no:randomly"], ws, 1)
    assert re.search(r"\b49 failed", pytest_run), pytest_run

    (ws / "katas" / "00_tensors" / "tensors.py").write_text("# mine\n", encoding="utf-8")
    add_kata(source, "18_extra")
    pyproject = source / "pyproject.toml"
    pyproject.write_text(pyproject.read_text(encoding="utf-8").replace('version = "0.1.0"', 'version = "0.1.1"'))
    env.install(build_wheel(source, tmp_path / "newer"))
    updated = env.katas(ws, "update")
    assert "Updated to torch-katas 0.1.1" in updated and "New katas: 18_extra" in updated, updated
    assert (ws / "katas" / "00_tensors" / "tensors.py").read_text(encoding="utf-8") == "# mine\n"
    assert "18_extra" in env.katas(ws, "list")


# Helpers


def katas_main(*args: str) -> int:
    """The katas command's exit status, run in this process."""
    with pytest.raises(SystemExit) as exited:
        cli.main(list(args))
    return exited.value.code


def git(root: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=True).stdout.strip()


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(path): path.read_bytes() for path in folder.rglob("*") if path.is_file()}


def add_kata(root: Path, folder: str) -> None:
    """A small kata at the end of the curriculum at ``root``."""
    topic = folder.split("_", 1)[1]
    kata = root / "katas" / folder
    kata.mkdir()
    (kata / "README.md").write_text(f"# {topic}\n\n## Task 1: one\n", encoding="utf-8")
    (kata / f"{topic}.py").write_text('def one():\n    raise NotImplementedError("Task 1: write one")\n')
    (kata / f"test_{topic}.py").write_text("def test_one():\n    pass\n", encoding="utf-8")
    curriculum = root / "katas" / "curriculum.toml"
    entry = f'\n[[kata]]\nfolder = "{folder}"\ntitle = "Extra"\n'
    curriculum.write_text(curriculum.read_text(encoding="utf-8") + entry, encoding="utf-8")


class Environment:
    """A fresh virtual environment with the wheel installed and no pip of its own; this environment's packages
    (torch, pytest...) are visible to it, so that nothing is downloaded."""

    def __init__(self, folder: Path) -> None:
        subprocess.run([sys.executable, "-m", "venv", "--without-pip", folder], check=True)
        scripts = "Scripts" if os.name == "nt" else "bin"
        self.python = folder / scripts / ("python.exe" if os.name == "nt" else "python")
        self.command = folder / scripts / ("katas.exe" if os.name == "nt" else "katas")
        purelib = self.run([self.python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"])
        (Path(purelib.strip()) / "dependencies.pth").write_text(sysconfig.get_paths()["purelib"], encoding="utf-8")

    def install(self, wheel: Path) -> None:
        pip = [sys.executable, "-m", "pip", "--python", self.python, "install", "-q", "--no-index", "--no-deps"]
        self.run([*pip, wheel])

    def katas(self, where: Path, *args: str, expect: int = 0) -> str:
        return self.run([self.command, *args], where, expect)

    def reference(self, relative: str) -> str:
        """A reference solution, as the installed wheel holds it."""
        code = "from katas.core.curriculum import PACKAGED_REFERENCE as r; print(r)"
        return (Path(self.run([self.python, "-c", code]).strip()) / relative).read_text(encoding="utf-8")

    def run(self, command: list, where: Path | None = None, expect: int = 0) -> str:
        environment = {key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "VIRTUAL_ENV")}
        environment |= {"NO_COLOR": "1", "COLUMNS": "200", "PYTHONUNBUFFERED": "1"}
        done = subprocess.run(command, cwd=where, env=environment, capture_output=True, text=True, timeout=300)
        assert done.returncode == expect, f"{command} exited with {done.returncode}:\n{done.stdout}\n{done.stderr}"
        return done.stdout


def working_tree_copy(target: Path) -> Path:
    """The files of this checkout that git tracks or would track, as they are now."""
    listed = git(INSTALLED_ROOT, "ls-files", "--cached", "--others", "--exclude-standard", "-z")
    for name in filter(None, listed.split("\0")):
        if (INSTALLED_ROOT / name).is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(INSTALLED_ROOT / name, target / name)
    return target


def build_wheel(source: Path, into: Path) -> Path:
    """The wheel of the project at ``source``, built with this environment's setuptools."""
    command = [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", "-w", into, source]
    subprocess.run(command, check=True, capture_output=True)
    (wheel,) = into.glob("torch_katas-*.whl")
    return wheel
