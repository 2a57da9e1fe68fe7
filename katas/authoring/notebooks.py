"""Each kata's notebook, ``katas/<folder>/<topic>.ipynb``, written from its lesson and its stub.
``python tools/make_notebooks.py [--check]`` (re)writes or checks every kata's; ``katas new`` writes a new kata's,
``katas check`` checks one, and ``katas release`` writes a class's.

The output depends on the lesson and the stub alone (no timestamps, cell ids from the cells' roles), so a check
compares text. It is nbformat 4.5 JSON, written byte for byte as nbformat writes it, without importing nbformat
(seconds: its schema validator compiles grammars as it loads); tests/test_notebooks.py validates every notebook
with nbformat. A notebook is, top to bottom: a cell that installs torch-katas on Colab (and does nothing
elsewhere), the setup (``%load_ext katas.notebook``, ``k = kata(...)``), the lesson one section per cell, the stub
module whole in a ``%%kata`` cell (the check), then hint and solution cells, and pictures for the katas that have
them (katas/learner/pictures.py).
"""

from __future__ import annotations

import argparse
import json
import re
import sys

from katas.core.curriculum import Kata, find_root, load_curriculum

REPOSITORY = "https://github.com/torch-katas/torch-katas"  # where Colab installs torch-katas from
COLAB_FOLDER = "/content/torch-katas"

_SECTION = re.compile(r"^(?=## )", re.MULTILINE)
_FENCE = re.compile(r"^```", re.MULTILINE)


def colab_cell(kata: Kata, repository: str | None = REPOSITORY) -> str:
    """The install cell. This project's notebooks, on Colab: install the package and write the learner's workspace
    (``katas init``: no reference solutions in it). A class release's: clone ``repository`` and install it; None (a
    release made without ``--repository``) leaves the URL to the learner, their own class repository, and stops
    until it is filled in."""
    if repository == REPOSITORY:
        return f'''# On Colab: install torch-katas and write your own workspace of katas. Elsewhere this cell does nothing.
import os
import subprocess
import sys

if "google.colab" in sys.modules:
    if not os.path.isdir("{COLAB_FOLDER}"):
        package = "torch-katas[notebook] @ git+{REPOSITORY}"
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", package], check=True)
        subprocess.run([sys.executable, "-m", "katas", "init", "{COLAB_FOLDER}"], check=True)
    os.chdir("{COLAB_FOLDER}/katas/{kata.folder}")'''
    url, asks = repository or "", ""
    if repository is None:
        url_note = "  # the git URL of your own repository of this class (on GitHub: Code > HTTPS)"
        asks = """
    if not REPOSITORY:
        raise SystemExit("Put the git URL of your class repository in REPOSITORY above, then run this cell again.")"""
    else:
        url_note = ""
    return f'''# On Colab: fetch the katas and install them with their notebook extras. Elsewhere this cell does nothing.
import os
import subprocess
import sys

REPOSITORY = "{url}"{url_note}

if "google.colab" in sys.modules:{asks}
    if not os.path.isdir("{COLAB_FOLDER}"):
        subprocess.run(["git", "clone", "--depth=1", REPOSITORY, "{COLAB_FOLDER}"], check=True)
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", "-e", "{COLAB_FOLDER}[notebook]"], check=True)
    sys.path.insert(0, "{COLAB_FOLDER}")
    os.chdir("{COLAB_FOLDER}/katas/{kata.folder}")'''


def lesson_sections(lesson: str) -> list[str]:
    """The lesson cut before each ``## `` heading that is not inside a code block."""
    sections, start = [], 0
    for match in _SECTION.finditer(lesson):
        if match.start() > start and len(_FENCE.findall(lesson, start, match.start())) % 2 == 0:
            sections.append(lesson[start : match.start()])
            start = match.start()
    sections.append(lesson[start:])
    return [section.strip() for section in sections if section.strip()]


HINT_HELP = (
    "Stuck? `k.hint()` shows a hint for the first failing task; run it again after changing your code for "
    "the next one (an unchanged file gets the same hint, so running the whole notebook uses none up)."
)
HELP = f"{HINT_HELP} `k.solution()` shows the reference solution once every test passes."
HELP_CELLS = {"hint": "k.hint()", "solution": "k.solution()"}


def notebook(
    kata: Kata,
    repository: str | None = REPOSITORY,
    help_text: str = HELP,
    help_cells: tuple[str, ...] = ("hint", "solution"),
) -> dict:
    """The notebook of ``kata``: install cell (for ``repository``: see :func:`colab_cell`), lesson, check cell
    (the whole stub), ``help_text`` and the cells of ``HELP_CELLS`` it names, pictures. A class release writes its
    own (katas/classroom/release.py)."""
    module, stub = kata.shown(kata.stub_path), kata.stub_path.read_text(encoding="utf-8").rstrip("\n")
    cells = [
        new_code_cell(colab_cell(kata, repository), id="colab"),
        new_code_cell(
            f'%load_ext katas.notebook\nfrom katas.notebook import kata\n\nk = kata("{kata.folder}")', id="setup"
        ),
        *(
            new_markdown_cell(text, id=f"lesson-{n}")
            for n, text in enumerate(lesson_sections(kata.lesson_path.read_text(encoding="utf-8")), 1)
        ),
        new_markdown_cell(
            f"## Your code\n\nThe cell below is `{module}`, whole. Replace each `raise NotImplementedError(...)` "
            "with your code and run the cell: it saves the file and runs the kata's tests in a fresh Python. "
            "Editing the file elsewhere too? Run `k.check()` to check the file as it is. The cell never replaces "
            "changes it has not seen: if the file changed elsewhere, it says so and saves nothing; then "
            f"`%%kata {kata.folder} --load` as its first line puts your file into the cell, and "
            f"`%%kata {kata.folder} --overwrite` replaces the file with the cell (a copy is kept in `.katas/backups/`).",
            id="code-intro",
        ),
        new_code_cell(f"%%kata {kata.folder}\n{stub}", id="code"),
        new_markdown_cell(help_text, id="help-intro"),
        *(new_code_cell(HELP_CELLS[name], id=name) for name in help_cells),
    ]
    if kata.has_pictures:
        cells += [
            new_markdown_cell(
                "## Pictures\n\nThe kata, drawn: a view of what its code does, never part of the verdict.",
                id="pictures-intro",
            ),
            new_code_cell("k.pictures()", id="pictures"),
        ]
    metadata = {
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
    }
    return {"cells": cells, "metadata": metadata, "nbformat": 4, "nbformat_minor": 5}


def new_code_cell(source: str, id: str) -> dict:
    return {"cell_type": "code", "execution_count": None, "id": id, "metadata": {}, "outputs": [], "source": source}


def new_markdown_cell(source: str, id: str) -> dict:
    return {"cell_type": "markdown", "id": id, "metadata": {}, "source": source}


def notebook_text(kata: Kata, **options) -> str:
    """The notebook as its file holds it (each cell's source a list of lines, as nbformat writes it); ``options`` as
    for :func:`notebook`."""
    document = notebook(kata, **options)
    document["cells"] = [cell | {"source": cell["source"].splitlines(keepends=True)} for cell in document["cells"]]
    return json.dumps(document, indent=1, sort_keys=True, separators=(",", ": "), ensure_ascii=False) + "\n"


def stale_notebooks(katas: list[Kata], write: bool) -> list[Kata]:
    """The katas whose notebook is missing or differs from what this module writes; rewritten when ``write``."""
    stale = []
    for kata in katas:
        text = notebook_text(kata)
        if kata.notebook_path.is_file() and kata.notebook_path.read_text(encoding="utf-8") == text:
            continue
        stale.append(kata)
        if write:
            kata.notebook_path.write_text(text, encoding="utf-8", newline="\n")
    return stale


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 if a notebook is not up to date")
    args = parser.parse_args(argv)
    stale = [
        kata.shown(kata.notebook_path) for kata in stale_notebooks(list(load_curriculum(find_root())), not args.check)
    ]
    if args.check and stale:
        print(f"out of date: {', '.join(stale)}. Run: python tools/make_notebooks.py", file=sys.stderr)
        return 1
    for shown in stale:
        print(f"wrote {shown}")
    return 0
