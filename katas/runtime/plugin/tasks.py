"""Tasks: ``@pytest.mark.task(N)`` ties a test to Task N of its kata's lesson.

``-k task3`` selects Task 3's tests, and a failure says which task (and which section of the hints) to read.
"""

from __future__ import annotations

import pytest

from katas.core.curriculum import Kata, hints_given, kata_containing
from katas.core.layout import in_a_kata_folder


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "task(number): the lesson's task (and hints.md section) that a test checks")


KATA = pytest.StashKey["Kata | None"]()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        task = task_of(item)
        if task is not None:
            item.extra_keyword_matches.add(f"task{task}")
        item.stash[KATA] = _kata_of_path(item)


def task_of(item: pytest.Item) -> int | None:
    marker = item.get_closest_marker("task")
    return marker.args[0] if marker else None


def kata_of(item: pytest.Item) -> Kata | None:
    """The kata whose tests ``item`` is one of, or None for a test outside the katas."""
    return item.stash.get(KATA, None)


def _kata_of_path(item: pytest.Item) -> Kata | None:
    if not in_a_kata_folder(item.path, trees=("katas",)):
        return None
    try:
        return kata_containing(item.path)
    except (LookupError, OSError):
        return None


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    report = yield
    task, kata = task_of(item), kata_of(item)
    if report.failed and task is not None and kata is not None and kata.lesson_path.is_file():
        title = kata.task_titles().get(task, "")
        pointer = f"This test checks Task {task} ({title}) of {kata.shown(kata.lesson_path)}."
        if hints_given(kata.root):
            pointer += f" Stuck? See Task {task} in {kata.shown(kata.hints_path)}."
        report.sections.append(("what to look at", pointer))
    return report
