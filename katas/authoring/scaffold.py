"""``katas new TOPIC --after FOLDER``: a new kata from a small template, in its place in the curriculum.

It writes the kata's folder (lesson, stub, tests, hints, notebook) and its reference, inserts its curriculum entry
and its row in the README's table of katas, and renumbers the katas after it: their folders, their entries and
every other mention of their folders in the files that list katas (:data:`FILES_NAMING_FOLDERS`). The template
kata meets the contract as written (``katas check`` says so); its author then replaces its one task with theirs.
"""

from __future__ import annotations

import keyword
import re
from pathlib import Path

from katas.core.curriculum import CURRICULUM_FILE, Kata, forget_read_files, load_curriculum

FILES_NAMING_FOLDERS = (CURRICULUM_FILE, Path("README.md"), Path("tools", "equivalent_mutants.toml"))
_TOPIC = re.compile(r"[a-z][a-z0-9_]*")


class NewKataRefused(ValueError):
    """The topic or the place asked for does not fit: nothing was written."""


def new_kata(root: Path, topic: str, after: Kata, title: str) -> Kata:
    """Write the kata ``topic`` right after ``after`` (renumbering the ones that follow); the new kata."""
    katas = load_curriculum(root)
    _refuse_unfit(topic, katas)
    number = after.number + 1
    following = [kata for kata in katas if kata.number >= number]
    renamed = {kata.folder: f"{kata.number + 1:02d}_{kata.topic}" for kata in following}
    for kata in reversed(following):  # the last first: a folder never moves onto one that is still there
        kata.path.rename(root / "katas" / renamed[kata.folder])
        kata.reference_path.parent.rename(root / "reference" / renamed[kata.folder])
    for name in FILES_NAMING_FOLDERS:
        path = root / name
        if path.is_file():
            path.write_text(_renamed_folders(path.read_text(encoding="utf-8"), renamed), encoding="utf-8")
    folder = f"{number:02d}_{topic}"
    _insert_curriculum_entry(root / CURRICULUM_FILE, after.folder, folder, title)
    _insert_readme_row(root / "README.md", after.folder, folder, title)
    for path, text in _template(topic).items():
        target = root / path.replace("FOLDER", folder)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    forget_read_files()
    from katas.authoring.notebooks import stale_notebooks

    new_order = load_curriculum(root)
    stale_notebooks([kata for kata in new_order if kata.number >= number], write=True)
    return next(kata for kata in new_order if kata.folder == folder)


def _refuse_unfit(topic: str, katas: tuple[Kata, ...]) -> None:
    if not _TOPIC.fullmatch(topic) or keyword.iskeyword(topic):
        raise NewKataRefused(f"{topic!r} is not a topic: lower-case letters, digits and _, a valid Python name")
    if any(kata.topic == topic for kata in katas):
        raise NewKataRefused(f"there is a kata called {topic} already")
    if any((kata.path / f"test_{topic}.py").exists() for kata in katas):
        raise NewKataRefused(f"test_{topic}.py exists in another kata: test files need unique names")
    if len(katas) >= 99:
        raise NewKataRefused("the curriculum holds 99 katas already: numbers have two digits")


def _renamed_folders(text: str, renamed: dict[str, str]) -> str:
    """``text`` with every kata folder in ``renamed`` replaced by its new name (whole names only)."""
    if not renamed:
        return text
    pattern = re.compile(r"(?<![\w])(" + "|".join(map(re.escape, renamed)) + r")(?![\w])")
    text = pattern.sub(lambda match: renamed[match.group(1)], text)
    # the README's table of katas: `| 11 | `11_x` |` carries the number in a column of its own too
    return re.sub(
        r"^\| (\d\d) \| `(\d\d)_(\w+)` \|",
        lambda row: f"| {row.group(2)} | `{row.group(2)}_{row.group(3)}` |",
        text,
        flags=re.MULTILINE,
    )


def _insert_curriculum_entry(path: Path, after: str, folder: str, title: str) -> None:
    text = path.read_text(encoding="utf-8")
    entries = list(re.finditer(r"^\[\[kata\]\]\n(?:(?!\[\[kata\]\]).*\n?)*", text, flags=re.MULTILINE))
    block = next(entry for entry in entries if re.search(rf'^folder = "{re.escape(after)}"$', entry.group(0), re.M))
    entry = f'[[kata]]\nfolder = "{folder}"\ntitle = "{title}"\n'
    end = block.end()
    separator = "" if text[:end].endswith("\n\n") else "\n"
    path.write_text(text[:end] + separator + entry + ("\n" if end < len(text) else "") + text[end:], encoding="utf-8")


def _insert_readme_row(path: Path, after: str, folder: str, title: str) -> None:
    if not path.is_file():
        return
    text = path.read_text(encoding="utf-8")
    row = re.search(rf"^\| \d\d \| `{re.escape(after)}` \|.*\n", text, flags=re.MULTILINE)
    if row is None:
        return
    new_row = f"| {folder[:2]} | `{folder}` | {title} |\n"
    path.write_text(text[: row.end()] + new_row + text[row.end() :], encoding="utf-8")


def _template(topic: str) -> dict[str, str]:
    """The new kata's files, by path (``FOLDER`` stands for its folder): one task, met by its reference."""
    module = f"{topic}.py"
    return {
        "katas/FOLDER/README.md": f"""# {topic.replace("_", " ").capitalize()}

What this kata teaches, in a paragraph or two: the idea, a short example, the mistake most learners make.

```python
import torch

x = torch.tensor([1.0, 2.0])
x * 2  # tensor([2., 4.])
```

**How to work:** open `{module}` and replace each `raise NotImplementedError(...)` with your code. `katas run`
checks it and shows the first failure; `katas hint` shows the hints one at a time. In the kata's notebook, running
its `%%kata` cell checks it, and `k.hint()` shows the hints.

## Task 1: Double a tensor

Write `double(x)`: a new tensor holding every element of `x` times two, of `x`'s shape and dtype.
""",
        f"katas/FOLDER/{module}": f'''"""{topic.replace("_", " ").capitalize()}.

Replace each `raise NotImplementedError(...)` with your code; the kata's tests check it.
The lesson (README.md beside this file) explains every task.
"""

import torch

# Task 1: Double a tensor


def double(x):
    """A new tensor: every element of ``x`` times two."""
    raise NotImplementedError("Task 1: write double (see README.md)")
''',
        f"reference/FOLDER/{module}": '''"""Reference solution."""


def double(x):
    return x * 2
''',
        f"katas/FOLDER/test_{topic}.py": f'''"""{topic.replace("_", " ").capitalize()}. The lesson is README.md beside this file."""

import pytest
import torch

from katas.testing import expect_close, kata_module, random_shape

module = kata_module(__file__)

# Task 1: Double a tensor


@pytest.mark.task(1)
@pytest.mark.parametrize("dtype", [torch.float32, torch.int64], ids=str)
def test_double_doubles_every_element_and_keeps_shape_and_dtype(dtype):
    x = (torch.randn(random_shape(2)) * 10).to(dtype)
    expect_close(
        module.double(x), x * 2, f"double(<{{dtype}} tensor>)", mistakes=[(x, "That is x itself: multiply it by 2.")]
    )
''',
        "katas/FOLDER/hints.md": f"""# Hints: {topic.replace("_", " ")}

Read one hint at a time, and try again before reading the next.

## Task 1: Double a tensor
1. Arithmetic on a tensor works element by element.
2. `x * 2`.
""",
    }
