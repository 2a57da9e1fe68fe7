"""Gradescope: a grade as the ``results.json`` its harness reads, and the autograder zip that writes it.

Gradescope's specification (https://gradescope-autograders.readthedocs.io/en/latest/specs/): the zip holds
``setup.sh`` (run once, as root, when the autograder's Ubuntu image is built) and an executable ``run_autograder``
at its root; both are unpacked into ``/autograder/source``. Each submission is unpacked into
``/autograder/submission``, ``run_autograder`` runs in ``/autograder`` and must leave
``/autograder/results/results.json``: ``tests`` rows of ``name``, ``score``, ``max_score``, ``status``, ``output``
and ``visibility`` (``visible``, ``hidden``, ``after_due_date`` or ``after_published``), an optional top-level
``score`` (it overrides the tests' total), ``execution_time`` (seconds), ``output`` and ``stdout_visibility``.

Each task is a visible row worth its points; it earns them when its visible and held-out tests pass, and its
output names only a visible test. The held-out tests of a task get a row of their own, worth nothing
(``max_score`` 0) and ``hidden``: a student never sees it, and it hides no total (the specification: hidden
rows are for tests that add no points). The stdout of ``run_autograder`` (the console report) stays with the
instructors, as by default.
"""

from __future__ import annotations

import json
import shutil
import stat
import sys
import zipfile
from pathlib import Path

from katas.classroom.constraints import CONSTRAINTS_FILE, TORCH_INDEX, Pins
from katas.classroom.grade import Grade, KataGrade, TaskGrade
from katas.classroom.platforms import earned, graded_tasks, passed, row_name, verdict
from katas.core.curriculum import load_curriculum

VISIBLE, HIDDEN = "visible", "hidden"
PASSED, FAILED = "passed", "failed"


def results_json(grade: Grade, seconds: float) -> dict:
    """Gradescope's ``results.json`` of ``grade``, which took ``seconds`` to run."""
    tests = []
    for kata in grade.katas:
        for task in graded_tasks(kata):
            tests.append(_task_row(grade, kata, task))
            if task.hidden:
                tests.append(_held_out_row(kata, task))
    points = grade.points if grade.valid else 0
    output = f"{points} of {grade.max_points} points"
    if not grade.valid:
        output += ". The grade is not valid, so it earns no points:\n" + "\n".join(grade.problems)
    return {
        "score": points,
        "execution_time": round(seconds),
        "output": output,
        "stdout_visibility": HIDDEN,
        "tests": tests,
    }


def _task_row(grade: Grade, kata: KataGrade, task: TaskGrade) -> dict:
    return {
        "name": row_name(kata, task),
        "score": earned(grade, task),
        "max_score": task.max_points,
        "status": PASSED if passed(grade, task) else FAILED,
        "output": verdict(grade, kata, task),
        "visibility": VISIBLE,
    }


def _held_out_row(kata: KataGrade, task: TaskGrade) -> dict:
    failing = [test for test in task.hidden if not test.passed]
    lines = [f"{test.id}: {test.outcome}\n{test.message}".rstrip() for test in failing]
    return {
        "name": f"{row_name(kata, task)} (held-out tests)",
        "score": 0,
        "max_score": 0,
        "status": FAILED if failing else PASSED,
        "output": "\n\n".join(lines) or f"All {len(task.hidden)} held-out tests pass.",
        "visibility": HIDDEN,
    }


def write_results(grade: Grade, seconds: float, path: Path) -> None:
    path.write_text(json.dumps(results_json(grade, seconds), indent=2) + "\n", encoding="utf-8")


# --- The autograder zip ------------------------------------------------------------------------------------------

SETUP = """\
#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder's image: it installs the grader as the release
# pins it (Python {python}, PyTorch's CPU build, {constraints}) into /opt/katas, and fetches MNIST.
set -euxo pipefail
apt-get update
apt-get install -y --no-install-recommends python3 python3-venv ca-certificates
python3 -m venv /opt/uv
/opt/uv/bin/pip install --quiet uv
/opt/uv/bin/uv venv --python {python} /opt/katas  # uv fetches Python {python} when the image has another
export VIRTUAL_ENV=/opt/katas KATAS_DATA_DIR=/autograder/katas-data
/opt/uv/bin/uv pip install --no-deps --index-url {index} {torch}
/opt/uv/bin/uv pip install --constraint /autograder/source/release/{constraints} \\
  -r /autograder/source/release/pyproject.toml
cd /autograder/source/release
/opt/katas/bin/python -c "from katas.datasets import load_mnist; load_mnist(True); load_mnist(False)"
"""

RUN_AUTOGRADER = """\
#!/usr/bin/env bash
# Gradescope runs this for each submission: the learner's stubs go into a fresh copy of the release (the tests,
# the harness and the manifest stay the teacher's), and `katas grade` writes /autograder/results/results.json.
set -uo pipefail
rm -rf /autograder/grading
cp -a /autograder/source/release /autograder/grading
cd /autograder/grading
export KATAS_DATA_DIR=/autograder/katas-data
/opt/katas/bin/python -m katas.classroom.platforms.gradescope /autograder/submission
held_out=()
if [ -d /autograder/source/held-out ]; then held_out=(--extra-tests /autograder/source/held-out); fi
/opt/katas/bin/python -m katas.learner.cli grade --gradescope /autograder/results/results.json "${{held_out[@]}}"
test -f /autograder/results/results.json  # a grade that is not valid exits 1, and is still a result
"""
EXECUTABLE = 0o755


def write_bundle(release: Path, path: Path, pins: Pins, held_out: Path | None = None) -> list[str]:
    """Write Gradescope's autograder zip for ``release`` (a folder ``katas release`` wrote) to ``path``; the names
    it holds. The release goes in as ``release/``, without its git history; the teacher's held-out tests
    (``held_out``, a folder per kata) as ``held-out/``."""
    torch = " ".join(pins.torch_builds())
    values = dict(python=pins.python, index=TORCH_INDEX, torch=torch, constraints=CONSTRAINTS_FILE.as_posix())
    files = sorted(
        file for file in release.rglob("*") if file.is_file() and ".git" not in file.relative_to(release).parts
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as bundle:
        for name, text in (("setup.sh", SETUP), ("run_autograder", RUN_AUTOGRADER)):
            info = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))
            info.external_attr = (stat.S_IFREG | EXECUTABLE) << 16
            bundle.writestr(info, text.format(**values), zipfile.ZIP_DEFLATED)
        for file in files:
            bundle.write(file, f"release/{file.relative_to(release).as_posix()}")
        for file in sorted(held_out.rglob("*")) if held_out else []:
            if file.is_file() and "__pycache__" not in file.parts:
                bundle.write(file, f"held-out/{file.relative_to(held_out).as_posix()}")
        return bundle.namelist()


def place_stubs(submission: Path, root: Path) -> dict[str, str | None]:
    """Copy the learner's stub of each kata from ``submission`` into the release at ``root``: the file at the
    stub's own path (a repository uploaded whole), else the one file of the stub's name (files uploaded one by
    one). Each stub's path, with where it came from (None: not submitted, the untouched stub is graded)."""
    placed: dict[str, str | None] = {}
    for kata in load_curriculum(root):
        relative = kata.stub_path.relative_to(root)
        candidates = sorted(path for path in submission.rglob(kata.stub_path.name) if path.is_file())
        whole = [path for path in candidates if path.as_posix().endswith(relative.as_posix())]
        chosen = whole[:1] or (candidates if len(candidates) == 1 else [])
        placed[relative.as_posix()] = chosen[0].relative_to(submission).as_posix() if chosen else None
        if chosen:
            shutil.copyfile(chosen[0], kata.stub_path)
    return placed


if __name__ == "__main__":  # run_autograder: python -m katas.classroom.platforms.gradescope /autograder/submission
    for stub, source in place_stubs(Path(sys.argv[1]), Path.cwd()).items():
        print(f"{stub}: {'from ' + source if source else 'not submitted, graded as the untouched stub'}")
