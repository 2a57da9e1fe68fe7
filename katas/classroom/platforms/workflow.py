"""The release's GitHub Actions workflow, ``.github/workflows/grade.yml``: no grading service, only Actions.

On each push it installs the grader as the release pins it (the teacher's Python, PyTorch's CPU build, the
constraints file), runs ``katas grade`` once, writes the per-kata, per-task table to the job summary, and keeps
the grade (JSON and JUnit XML) as the run's artifact. The job fails only when the grade is not valid (``katas
grade`` exits 1): a low score is a result, not a failure.
"""

from __future__ import annotations

from katas.classroom.constraints import CONSTRAINTS_FILE, TORCH_INDEX, Pins

WORKFLOW = """\
# Written by `katas release`: grades every kata on each push. The points per kata and task are in the run's summary;
# the grade itself (grade.json, grade.xml) is the run's artifact. The run fails only when the grade is not valid.
name: Grade
on:
  push:
  workflow_dispatch:
permissions:
  contents: read
jobs:
  grade:
    runs-on: ubuntu-latest
    timeout-minutes: 30
    env:
      KATAS_DATA_DIR: ${{{{ github.workspace }}}}/../katas-data  # torchvision downloads MNIST here
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-python@v5
        with:
          python-version: "{python}"
          cache: pip
          cache-dependency-path: {constraints}
      - name: Cache the MNIST files
        uses: actions/cache@v4
        with:
          path: ${{{{ github.workspace }}}}/../katas-data
          key: mnist-v1
      - name: Install the grader as the release pins it (PyTorch's CPU build, the runners have no GPU)
        run: |
          pip install --no-deps --index-url {index} {torch}
          pip install --constraint {constraints} -e .
      - name: Grade every kata
        id: grade
        run: katas grade --json grade.json --junit grade.xml --summary "$GITHUB_STEP_SUMMARY"
      - name: Keep the grade
        if: ${{{{ !cancelled() && steps.grade.outcome != 'skipped' }}}}
        uses: actions/upload-artifact@v4
        with:
          name: grade
          path: grade.*
"""


def workflow(pins: Pins) -> str:
    """The text of the release's workflow, installing what ``pins`` pins."""
    return WORKFLOW.format(
        python=pins.python, index=TORCH_INDEX, torch=" ".join(pins.torch_builds()), constraints=CONSTRAINTS_FILE
    )
