"""A grade as a Markdown table, a row per task under a row per kata: for a GitHub Actions job summary
(``$GITHUB_STEP_SUMMARY``) or a Classroom 50 Release (``release-body.md``). A failure shows its first line only;
the grade JSON keeps the whole message."""

from __future__ import annotations

from katas.classroom.grade import NEEDS_GPU, Grade
from katas.classroom.platforms import earned, verdict

LONGEST_CELL = 160


def markdown(grade: Grade) -> str:
    points = grade.points if grade.valid else 0
    lines = [f"## katas grade: {points} / {grade.max_points} points", ""]
    if not grade.valid:
        lines += ["**The grade is not valid**, so it earns no points:", ""]
        lines += [f"- {_cell(problem)}" for problem in grade.problems] + [""]
    lines += ["| Kata | Task | Points | Verdict |", "|---|---|---:|---|"]
    for kata in grade.katas:
        kata_points = kata.points if grade.valid else 0
        problem = _cell(f"could not be graded: {kata.problem}") if kata.problem else ""
        lines.append(
            f"| **{_cell(kata.kata)}** | {_cell(kata.title)} | **{kata_points} / {kata.max_points}** | {problem} |"
        )
        for task in kata.tasks:
            if task.status == NEEDS_GPU:
                score, said = "–", "needs a GPU: not graded here"
            else:
                score = f"{earned(grade, task)} / {task.max_points}"
                said = task.status if grade.valid and not kata.problem else "not earned"
                failure = task.first_failure.message if task.first_failure else verdict(grade, kata, task)
                reason = failure.splitlines()[:1] if grade.valid and not kata.problem and not task.points else []
                said += f": {_cell(reason[0])}" if reason else ""
            lines.append(f"| | {task.task}. {_cell(task.title)} | {score} | {said} |")
    return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    """``text`` as one table cell: on one line, ``|`` escaped, cut to a readable length."""
    text = " ".join(text.split()).replace("|", "\\|")
    return text if len(text) <= LONGEST_CELL else text[: LONGEST_CELL - 1] + "…"
