"""Mutation testing over reference/: do each kata's tests kill what a wrong solution would change?

    python -m tools.mutation                        # every kata, one after the other
    python -m tools.mutation 01 07_losses           # some katas
    python -m tools.mutation 01 --mutants '*x_stack_shape*'   # only the mutants whose name matches (a smoke test)
    python -m tools.mutation --fail-under 98        # exit 1 when the overall score is lower

For each kata, mutmut (in the `dev` extra) mutates `reference/<kata>/<module>` and runs that kata's own tests
under `--reference`; the table counts the mutants, what became of them, and the score: killed (a timeout counts as
killed: the tests noticed) out of all but the equivalent mutants. It works on a copy of the repository in a
temporary folder; the checkout is never touched. In that copy, before mutmut sees it:
- a method decorated with a context manager such as `@torch.no_grad()` gets the manager inside instead
  (`with torch.no_grad():` around its body, which is what the decorator does), since mutmut leaves decorated
  functions alone;
- the functions listed as excluded in tools/equivalent_mutants.toml are fenced off with mutmut's pragma.
Tests marked `slow` (the capstone's real training, minutes per mutant) are left out of the run, and each test may
take 60 s instead of 10 (a loaded machine must not fail the unmutated run; mutmut stops a mutant's endless loop).
Equivalent mutants (no observable change) are listed, each with its reason, in tools/equivalent_mutants.toml;
an entry whose mutant no longer survives, or no longer makes the change it names, is reported as stale.
"""

from __future__ import annotations

import argparse
import ast
import os
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from katas.core.curriculum import Kata, find_kata, find_root, load_curriculum
from katas.core.layout import shown
from tools.watch_benchmark import copy_of_repository

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

EQUIVALENTS = Path(__file__).with_name("equivalent_mutants.toml")
CONTEXT_DECORATORS = ("torch.no_grad()", "torch.enable_grad()", "torch.inference_mode()")
KILLED, TIMEOUT = ("killed",), ("timeout",)  # mutmut's words for a mutant the tests noticed


@dataclass
class Outcome:
    """What became of one kata's mutants."""

    kata: str
    statuses: dict[str, str]  # mutant name -> mutmut's status
    equivalent: set[str] = field(default_factory=set)
    survivors: dict[str, str] = field(default_factory=dict)  # mutant name -> its change, for the ones left alive
    seconds: float = 0.0

    def count(self, *statuses: str) -> int:
        return sum(1 for name, status in self.statuses.items() if status in statuses and name not in self.equivalent)

    @property
    def killed(self) -> int:
        return self.count(*KILLED)

    @property
    def timed_out(self) -> int:
        return self.count(*TIMEOUT)

    @property
    def scored(self) -> int:
        return len(self.statuses) - len(self.equivalent)

    @property
    def survived(self) -> int:
        return self.scored - self.killed - self.timed_out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("katas", nargs="*", help="the katas to mutate: 3, 03 or 03_autograd (default: all)")
    parser.add_argument("--mutants", metavar="GLOB", help="only the mutants whose mutmut name matches GLOB")
    parser.add_argument("--fail-under", type=float, metavar="PERCENT", help="exit 1 when the score is lower")
    parser.add_argument("--jobs", type=int, default=os.cpu_count(), help="mutants tested at once (default: cores)")
    args = parser.parse_args(argv)

    root = find_root()
    katas = [find_kata(name, root) for name in args.katas] if args.katas else list(load_curriculum(root))
    listed = tomllib.loads(EQUIVALENTS.read_text(encoding="utf-8"))
    equivalents = {entry["mutant"]: entry for entry in listed.get("equivalent", [])}
    excluded = listed.get("excluded", [])

    outcomes, stale, failed = [], [], []
    for kata in katas:
        with tempfile.TemporaryDirectory(prefix="katas-mutation-") as folder:
            copy = copy_of_repository(root, Path(folder))
            module = copy / "reference" / kata.folder / kata.module
            fences = [entry["function"] for entry in excluded if entry["module"] == shown(kata.reference_path)]
            prepare(module, fences)
            try:
                outcome = mutate(copy, kata, args.mutants, args.jobs)
            except subprocess.CalledProcessError as error:  # the other katas still run; the exit status says so
                print(
                    f"mutmut failed on {kata.folder} (exit status {error.returncode}):\n{error.stdout}{error.stderr}",
                    flush=True,
                )
                failed.append(kata.folder)
                continue
            stale += judge(copy, outcome, equivalents)
        outcomes.append(outcome)
        print(row(outcome), *survivor_lines(outcome), sep="\n", flush=True)

    modules = {shown(kata.reference_path) for kata in katas}
    score = print_report(outcomes, [entry for entry in excluded if entry["module"] in modules], stale)
    if failed:
        print(f"mutmut failed on {', '.join(failed)}: those katas are not in the score")
    return 1 if failed or stale or (args.fail_under is not None and score < args.fail_under) else 0


def prepare(module: Path, fences: list[str]) -> None:
    """Rewrite ``module`` (the copy) so that mutmut mutates what it would skip, and skips the excluded functions."""
    lines = module.read_text(encoding="utf-8").splitlines()
    functions = [node for node in ast.walk(ast.parse("\n".join(lines))) if isinstance(node, ast.FunctionDef)]
    missing = set(fences) - {function.name for function in functions}
    if missing:
        sys.exit(f"{EQUIVALENTS.name} excludes {sorted(missing)}, which {shown(module)} does not define")
    for function in sorted(functions, key=lambda node: node.lineno, reverse=True):  # bottom up: line numbers hold
        indent = " " * function.col_offset
        if function.name in fences:
            lines[function.end_lineno : function.end_lineno] = [f"{indent}# pragma: no mutate end"]
            first = function.decorator_list[0].lineno if function.decorator_list else function.lineno
            lines[first - 1 : first - 1] = [f"{indent}# pragma: no mutate start"]
        elif [ast.unparse(decorator) for decorator in function.decorator_list] in ([d] for d in CONTEXT_DECORATORS):
            body = lines[function.body[0].lineno - 1 : function.end_lineno]
            manager = ast.unparse(function.decorator_list[0])
            inner = " " * function.body[0].col_offset
            lines[function.body[0].lineno - 1 : function.end_lineno] = [
                f"{inner}with {manager}:",
                *(f"    {line}" if line.strip() else line for line in body),
            ]
            del lines[function.decorator_list[0].lineno - 1]
    module.write_text("\n".join(lines) + "\n", encoding="utf-8")


def mutate(copy: Path, kata: Kata, mutants: str | None, jobs: int) -> Outcome:
    """Run mutmut over the kata's reference module in ``copy``, with the kata's tests under --reference."""
    settings = f"""
[tool.mutmut]
source_paths = ["reference/{kata.folder}/{kata.module}"]
also_copy = ["katas", "reference/__init__.py"]
pytest_add_cli_args = ["--reference", "-p", "no:cacheprovider", "--timeout=60"]
pytest_add_cli_args_test_selection = ["katas/{kata.folder}", "-m", "not slow"]
process_isolation = "forkserver"
"""
    with (copy / "pyproject.toml").open("a", encoding="utf-8") as file:
        file.write(settings)
    started = time.perf_counter()
    command = [sys.executable, "-m", "mutmut", "run", "--max-children", str(jobs), *([mutants] if mutants else [])]
    subprocess.run(command, cwd=copy, capture_output=True, text=True, check=True)
    seconds = time.perf_counter() - started
    listing = mutmut(copy, "results", "--all", "true")
    statuses = dict(re.findall(r"^\s+(\S+): (.+)$", listing, flags=re.MULTILINE))
    if mutants:
        statuses = {name: status for name, status in statuses.items() if status != "not checked"}
    return Outcome(kata.folder, statuses, seconds=seconds)


def judge(copy: Path, outcome: Outcome, equivalents: dict[str, dict]) -> list[str]:
    """Mark the listed equivalent mutants, keep the changes of the others left alive; return the stale entries."""
    stale = []
    for name, status in outcome.statuses.items():
        if status in KILLED + TIMEOUT:
            if name in equivalents:
                stale.append(f"{name}: listed as equivalent, but the tests kill it now")
            continue
        change = change_of(copy, name)
        entry = equivalents.get(name)
        if entry is None:
            outcome.survivors[name] = f"{status}: {change}"
        elif entry["change"] != change:
            stale.append(f"{name}: listed as `{entry['change']}`, but now changes `{change}`")
            outcome.survivors[name] = f"{status}: {change}"
        else:
            outcome.equivalent.add(name)
    return stale


def change_of(copy: Path, name: str) -> str:
    """The mutated line(s) of mutant ``name``, as mutmut's diff shows them (``removed: ...`` for a deletion)."""
    diff = mutmut(copy, "show", name).splitlines()
    added, removed = ([line[1:].strip() for line in diff if line[:1] == sign and line[:3] != sign * 3] for sign in "+-")
    return " / ".join(line for line in added if line) or "removed: " + " / ".join(removed)


def mutmut(copy: Path, *arguments: str) -> str:
    return subprocess.run(
        [sys.executable, "-m", "mutmut", *arguments], cwd=copy, capture_output=True, text=True, check=True
    ).stdout


HEADER = f"{'kata':18} {'mutants':>8} {'killed':>7} {'survived':>9} {'timed out':>10} {'equivalent':>11} {'score':>7}"


def row(outcome: Outcome) -> str:
    detected = outcome.killed + outcome.timed_out
    score = f"{100 * detected / outcome.scored:.1f}%" if outcome.scored else "-"
    return (
        f"{outcome.kata:18} {len(outcome.statuses):8,} {outcome.killed:7,} {outcome.survived:9,} "
        f"{outcome.timed_out:10,} {len(outcome.equivalent):11,} {score:>7}   ({outcome.seconds:.0f} s)"
    )


def survivor_lines(outcome: Outcome) -> list[str]:
    return [f"  survived  {name}  {change}" for name, change in outcome.survivors.items()]


def print_report(outcomes: list[Outcome], excluded: list[dict], stale: list[str]) -> float:
    """Print the table, the survivors, the exclusions and stale entries, and the score line; return the score."""
    print(f"\n{HEADER}")
    for outcome in outcomes:
        print(row(outcome))
    for outcome in outcomes:
        print(*survivor_lines(outcome), sep="\n", end="\n" if outcome.survivors else "")
    for entry in excluded:
        print(f"  excluded  {entry['module']}:{entry['function']}  ({entry['reason']})")
    for line in stale:
        print(f"  stale     {line}  (update {EQUIVALENTS.name})")
    killed = sum(o.killed + o.timed_out for o in outcomes)
    scored = sum(o.scored for o in outcomes)
    equivalent = sum(len(o.equivalent) for o in outcomes)
    score = 100 * killed / scored if scored else 100.0
    print(f"time: {sum(o.seconds for o in outcomes):.0f} s")
    print(f"mutation score: {score:.1f}% ({killed:,} killed of {scored:,}; {equivalent:,} equivalent excluded)")
    return score


if __name__ == "__main__":
    sys.exit(main())
