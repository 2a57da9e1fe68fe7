"""The ``katas`` command: the learner's way through the curriculum."""

from __future__ import annotations

import argparse

from rich.console import Console
from rich.table import Table

from katas._harness.curriculum import REPO_ROOT, load_curriculum


def list_katas(console: Console) -> None:
    """Print the curriculum in order, with where each kata lives and how to run it."""
    table = Table(title="torch-katas", title_justify="left")
    table.add_column("#", justify="right")
    table.add_column("kata")
    table.add_column("topic")
    for kata in load_curriculum():
        table.add_row(f"{kata.number:02d}", kata.folder, kata.title)
    console.print(table)
    first = load_curriculum()[0]
    console.print(
        f"\nStart with the lesson {first.lesson_path.relative_to(REPO_ROOT)}, write "
        f"{first.stub_path.relative_to(REPO_ROOT)}, and run: [bold]pytest katas/{first.folder}[/bold]"
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="katas", description="Test-driven katas for learning PyTorch.")
    commands = parser.add_subparsers(dest="command")
    commands.add_parser("list", help="list the katas in curriculum order (the default)")
    parser.parse_args(argv)
    list_katas(Console())
