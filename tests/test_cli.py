"""The `katas` command, run as a learner runs it."""

import subprocess
import sys
from pathlib import Path

import pytest

from katas._harness.curriculum import load_curriculum

# The 15 s default is a learner's guard against hangs; each test runs the katas command in a subprocess.
pytestmark = pytest.mark.timeout(600)

KATAS_COMMAND = Path(sys.executable).parent / "katas"  # the console script pyproject.toml installs


def run_katas(*args: str) -> str:
    completed = subprocess.run([KATAS_COMMAND, *args], capture_output=True, text=True, timeout=60, check=True)
    return completed.stdout


def test_katas_lists_every_kata_in_order_and_where_to_start():
    output = run_katas("list")
    positions = [output.index(kata.folder) for kata in load_curriculum()]
    assert positions == sorted(positions), f"katas should be listed in curriculum order:\n{output}"
    assert "pytest katas/00_tensors" in output, output


def test_katas_without_a_command_lists_the_katas():
    assert run_katas() == run_katas("list")
