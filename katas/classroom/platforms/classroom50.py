"""Classroom 50: a grade as the ``result.json`` its runner reads, and the teacher's ``autograder.py`` that writes it.

Classroom 50 (foundation50/classroom50, wiki page "Advanced Autograding", and the runner's
``cli/gh-teacher/skeleton/dotgithub/scripts/runner.py``) runs ``CLASSROOM/autograders/ASSIGNMENT/autograder.py``
of the teacher's ``classroom50`` repository once per submission, in the learner's checkout, with the files beside
it in ``$CLASSROOM50_BUNDLE_DIR``. The script must leave ``./result.json`` (schema ``classroom50/result/v1``) and
exit 0 when it ran to the end, whatever the score; it may leave ``./release-body.md``, the Release's text. The
runner stamps ``owner``, ``assignment_type``, ``datetime``, ``graded_at`` and ``submitted_by`` itself, then checks
the rest: ``classroom``, ``assignment`` and ``submission`` as it passed them (``$CLASSROOM``, ``$ASSIGNMENT``,
``$SUBMISSION_TAG``), the URLs ``commit``, ``release`` and ``review``, integer ``score`` <= ``max-score``, and
``tests`` rows of ``test-name``, boolean ``passed``, integer ``score`` <= ``max-score``; it keeps other fields of a
row as they are (here ``message``). Outside the runner, the fields it passes are left out.
"""

from __future__ import annotations

import datetime
import json
import os
import shutil
from collections.abc import Mapping
from pathlib import Path

from katas.classroom import manifest
from katas.classroom.constraints import CONSTRAINTS_FILE, TORCH_INDEX, Pins
from katas.classroom.grade import Grade
from katas.classroom.platforms import earned, graded_tasks, passed, row_name, verdict

SCHEMA = "classroom50/result/v1"
IDENTITY = {  # result.json's field: the runner's environment variable that holds it
    "classroom": "CLASSROOM",
    "assignment": "ASSIGNMENT",
    "submission": "SUBMISSION_TAG",
    "commit": "COMMIT_URL",
    "release": "RELEASE_URL",
    "review": "REVIEW_URL",
}


def result_json(grade: Grade, environ: Mapping[str, str] = os.environ) -> dict:
    """Classroom 50's ``result.json`` of ``grade``: a row per graded task."""
    identity = {field: environ[variable] for field, variable in IDENTITY.items() if environ.get(variable)}
    if "commit" in identity:
        identity.setdefault("review", identity["commit"])  # the runner's own fallback, as its template does
    tests = [
        {
            "test-name": row_name(kata, task),
            "passed": passed(grade, task),
            "score": earned(grade, task),
            "max-score": task.max_points,
            "message": verdict(grade, kata, task),
        }
        for kata in grade.katas
        for task in graded_tasks(kata)
    ]
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    return {
        "schema": SCHEMA,
        **identity,
        "datetime": now,  # the runner replaces it with the graded commit's date
        "score": sum(test["score"] for test in tests),
        "max-score": sum(test["max-score"] for test in tests),
        "tests": tests,
    }


def write_result(grade: Grade, path: Path) -> None:
    path.write_text(json.dumps(result_json(grade), indent=2) + "\n", encoding="utf-8")


AUTOGRADER = '''\
"""Classroom 50's autograder for a torch-katas release, written by `katas release --classroom50`.

Put this folder's files into your classroom50 repository as CLASSROOM/autograders/ASSIGNMENT/ (autograder.py,
manifest.json, constraints.txt), and set the assignment's runtime to Python {python}: `"python": "{python}"` in its
runtime block. The runner runs this script once per submission, in the learner's checkout. It installs the grader as
the release pins it (PyTorch's CPU build), grades every kata against the release's manifest (kept here, where the
learner cannot change it), and leaves result.json and release-body.md where the runner reads them.
"""

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).parent
PYTHON = "{python}"


def pip(*args):
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--user", *args], check=True)


if "{{}}.{{}}".format(*sys.version_info[:2]) != PYTHON:
    print(f"::warning::the release pins its grader on Python {{PYTHON}}; this runner has {{sys.version.split()[0]}}")
pip("--no-deps", "--index-url", "{index}", {torch})
pip("--constraint", str(HERE / "{constraints}"), "-e", ".")
held_out = ["--extra-tests", str(HERE / "held-out")] if (HERE / "held-out").is_dir() else []
subprocess.run(
    [sys.executable, "-m", "katas.learner.cli", "grade", "--manifest", str(HERE / "manifest.json"),
     "--classroom50", "result.json", "--summary", "release-body.md", *held_out],
    check=False,  # a grade that is not valid exits 1: it still is a result, with no points
)
sys.exit(0 if Path("result.json").is_file() else 1)
'''


def autograder(pins: Pins) -> str:
    """The text of ``autograder.py`` for a release pinned by ``pins``."""
    torch = ", ".join(f'"{requirement}"' for requirement in pins.torch_builds())
    return AUTOGRADER.format(
        python=pins.python, index=TORCH_INDEX, torch=torch, constraints=CONSTRAINTS_FILE.as_posix()
    )


def write_autograder(release: Path, folder: Path, pins: Pins, held_out: Path | None = None) -> list[Path]:
    """Write the per-assignment folder of ``release``'s autograder into ``folder`` (new or empty); its files. The
    teacher's held-out tests (``held_out``, a folder per kata) go in as ``held-out/``, never into the release."""
    folder.mkdir(parents=True, exist_ok=True)
    if held_out is not None:
        shutil.copytree(held_out, folder / "held-out", ignore=shutil.ignore_patterns("__pycache__", ".*"))
    (folder / "autograder.py").write_text(autograder(pins), encoding="utf-8")
    shutil.copy(release / manifest.MANIFEST_FILE, folder / "manifest.json")
    shutil.copy(release / CONSTRAINTS_FILE, folder / CONSTRAINTS_FILE.name)
    return sorted(path for path in folder.rglob("*") if path.is_file())
