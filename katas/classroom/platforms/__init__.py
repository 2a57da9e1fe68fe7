"""A grade as each grading platform reads it, and the files a release gives each platform.

One row per graded task, named ``07_losses, Task 2: Reduction``, in every format: :mod:`.classroom50` (Classroom
50's ``result.json`` and the teacher's ``autograder.py``), :mod:`.gradescope` (Gradescope's ``results.json`` and
its autograder zip), :mod:`.summary` (a Markdown table for a job summary or a Release) and :mod:`.workflow` (the
release's GitHub Actions workflow). A task that needs a GPU absent here is left out: it was not graded. An invalid
grade gives no task any points, and every row names the problems.
"""

from __future__ import annotations

from katas.classroom.grade import EARNED, NEEDS_GPU, Grade, KataGrade, TaskGrade


def graded_tasks(kata: KataGrade) -> list[TaskGrade]:
    """The tasks of ``kata`` graded on this machine."""
    return [task for task in kata.tasks if task.status != NEEDS_GPU]


def row_name(kata: KataGrade, task: TaskGrade) -> str:
    return f"{kata.kata}, Task {task.task}: {task.title}"


def earned(grade: Grade, task: TaskGrade) -> int:
    """The points ``task`` counts for: none in an invalid grade."""
    return task.points if grade.valid else 0


def passed(grade: Grade, task: TaskGrade) -> bool:
    return grade.valid and task.status == EARNED


def verdict(grade: Grade, kata: KataGrade, task: TaskGrade) -> str:
    """Why ``task`` earned nothing ("" when it earned its points), from the visible tests only: a held-out test
    is named by no row a learner can see."""
    if not grade.valid:
        return "The grade is not valid, so no task earns points: " + "; ".join(grade.problems)
    if kata.problem:
        return f"{kata.kata} could not be graded: {kata.problem}"
    if task.status == EARNED:
        return ""
    if task.first_failure is not None:
        return f"{task.first_failure.id}\n{task.first_failure.message}".rstrip()
    if any(not test.passed for test in task.hidden):
        return "Every visible test of this task passes; a held-out test of your teacher's does not."
    return f"{task.status}: no test of this task ran"
