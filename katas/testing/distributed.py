"""Real torch.distributed ranks for a test: :func:`run_ranks` runs one function in N processes and returns what
each rank returned, or fails the test with what went wrong on which rank; :func:`run_torchrun` runs a kata
module as a script under torchrun, with the same reports.

How the ranks start and meet:
- on Linux, processes forked from the test's own process, which has imported torch already: a few hundredths of
  a second each, with no interpreter to start (forked from a forkserver that imports torch once elsewhere:
  seconds, once per test process; spawned on Windows);
- each rank joins the group through a file in a fresh folder of the test's own (``file://``), so no port is
  used and parallel runs never meet; every collective gives up after ``LIMITS.group_timeout``;
- a rank's function comes from a file path (the learner's stub, or the reference: whichever the test is testing)
  and a name, never from an import by name; arguments and results travel through files, as plain data.

When something goes wrong the test fails, never hangs: a function the scenario calls that is not written yet
fails as "not written yet" before any rank starts; an exception shows its rank, and the learner's frames of its
traceback with the whole message; a rank still running after ``LIMITS.hang_seconds`` is stopped, with the line
of the learner's code it was at, and a later test whose scenario calls a function that was running there fails
at once; every rank still alive is killed before ``run_ranks`` returns.
"""

from __future__ import annotations

import ast
import contextlib
import datetime
import faulthandler
import importlib
import importlib.util
import inspect
import multiprocessing
import os
import re
import runpy
import signal
import sys
import tempfile
import textwrap
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import torch
import torch.distributed as dist

from katas.core.layout import is_kata_module, shown
from katas.core.stubs import raised_by_a_stub, untouched_function
from katas.runtime.plugin.stubs import not_written_yet
from katas.runtime.solution import KataModule, load_module, module_path


@dataclass(frozen=True)
class Limits:
    """How long ranks may take. A test's own time limit must be longer than ``hang_seconds`` (for
    :func:`run_torchrun`, than ``hang_seconds`` plus its ``TORCHRUN_START``)."""

    group_timeout: float = 10.0  # seconds a collective waits for the other ranks before it raises
    hang_seconds: float = 15.0  # a rank still running after this long is stopped, its stack dumped
    after_a_failure: float = 2.0  # how long the other ranks get to finish (or fail in turn) once one has failed


LIMITS = Limits()


@dataclass(frozen=True)
class RankSetup:
    """What a rank knows about its group: its rank, the number of ranks, and where and how long to meet."""

    rank: int
    world_size: int
    init_method: str  # file://<a fresh folder of the test's>/rendezvous
    timeout: datetime.timedelta


def run_ranks(
    module: KataModule | Path,
    scenario: Callable[..., Any],
    *args: Any,
    folder: Path,
    world_size: int = 2,
    backend: str = "gloo",
    start_group: bool = True,
) -> list[Any]:
    """``scenario(module, setup, *args)`` in ``world_size`` processes; what each rank returned, by rank.

    ``module`` is the kata module under test (``kata_module(__file__)``, or a module file); in each rank it is
    loaded from its file and passed to ``scenario``, a module-level function. ``setup`` is the rank's
    :class:`RankSetup`. With ``start_group`` each rank joins the ``backend`` group before ``scenario`` runs
    (without it ``scenario`` joins it, with ``setup``); the group is left afterwards. ``args`` and the results
    must be picklable (tensors are fine); ``folder`` is the test's ``tmp_path``.

    The functions of ``module`` that ``scenario`` calls (``module.name(...)`` in its code) are looked at first:
    while one is an untouched stub, or was running in a rank that hung in an earlier test, the test fails at
    once, without starting a rank.
    """
    __tracebackhide__ = True
    if not (dist.is_available() and getattr(dist, f"is_{backend}_available")()):
        pytest.skip(f"this build of torch has no torch.distributed {backend} backend")
    path = module_path(module) if isinstance(module, KataModule) else Path(module)
    not_run = _not_to_run(path, _functions_called(scenario))
    if not_run:
        raise pytest.fail.Exception(not_run, pytrace=False)
    work = Path(tempfile.mkdtemp(prefix="ranks-", dir=folder))
    torch.save(args, work / "args.pt")
    job = _Job(
        work=str(work),
        module=str(path),
        scenario=(scenario.__code__.co_filename, scenario.__qualname__),
        world_size=world_size,
        backend=backend,
        start_group=start_group,
        limits=LIMITS,
    )
    context = _context()
    processes = [context.Process(target=_rank_main, args=(job, rank), daemon=True) for rank in range(world_size)]
    try:
        for process in processes:
            process.start()
        _wait(lambda: all(not process.is_alive() for process in processes), processes, work, job.limits)
    finally:
        _stop_stragglers(processes)
    reports = [_report(work, rank) for rank in range(world_size)]
    exit_codes = [process.exitcode for process in processes]
    problem = _problem(reports, exit_codes, work, job.limits)
    if problem:
        _remember_hangs(path, reports, exit_codes, work)
        raise pytest.fail.Exception(problem, pytrace=False)
    return [report["result"] for report in reports]


def run_torchrun(
    module: KataModule | Path, *script_args: str, folder: Path, nproc: int = 2, entry: str = "main"
) -> list[list[dict]]:
    """torchrun's own ``main()`` runs the module's file as a script in ``nproc`` ranks (``__name__ == "__main__"``),
    with the command line ``torchrun --standalone --nproc-per-node <nproc> --run-path --start-method fork
    --monitor-interval 0.02 <file> <script_args>``.

    ``--standalone`` lets torchrun choose a free port, so parallel runs never meet. ``--run-path`` and
    ``--start-method fork`` (``spawn`` where there is no fork: Windows, macOS) are torchrun's own options: its
    elastic agent starts each rank as a process forked from this one (torch already imported) that runs the
    file with runpy, instead of a fresh interpreter per rank (``python -u <file>``, seconds each). Each rank has
    torchrun's environment (RANK, LOCAL_RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT, ...) and its rendezvous;
    what a fresh interpreter would add (a module-level state of its own, a new import of torch) the kata does
    not test. The agent runs in a process of its own, so that its threads, signal handlers and store never
    reach the test's process.

    The test fails, with what went wrong on which rank, unless every rank ran the script to its end. Returns,
    by rank, the keyword arguments (as strings; positional ones under "args") of each call the script made to
    dist.init_process_group. ``entry`` is the function the script's ``__main__`` block calls: while it is an
    untouched stub, the test fails at once, as not written yet, without starting torchrun.
    """
    __tracebackhide__ = True
    if not (dist.is_available() and dist.is_gloo_available()):
        pytest.skip("this build of torch has no torch.distributed gloo backend")
    path = module_path(module) if isinstance(module, KataModule) else Path(module)
    stub = _untouched_stub(path, entry)
    if stub:
        raise pytest.fail.Exception(stub, pytrace=False)
    work = Path(tempfile.mkdtemp(prefix="torchrun-", dir=folder))
    context = _context()
    start_method = "fork" if context.get_start_method() == "fork" else "spawn"
    arguments = ["--standalone", f"--nproc-per-node={nproc}", "--run-path", f"--start-method={start_method}"]
    arguments.append("--monitor-interval=0.02")  # how often the agent looks at its ranks (0.1 s by default)
    script = [str(Path(__file__).resolve()), str(work), str(LIMITS.hang_seconds), str(path), *script_args]
    output = work / "torchrun.txt"
    torchrun = context.Process(target=_torchrun, args=(arguments + script, str(output), str(folder)))
    torchrun.start()
    try:
        _wait(lambda: not torchrun.is_alive(), [torchrun], work, LIMITS, started=TORCHRUN_START[start_method])
    finally:
        _stop_session(torchrun)
    reports = [_report(work, rank) for rank in range(nproc)]
    problem = _problem(reports, [None] * nproc, work, LIMITS)
    if problem or torchrun.exitcode != 0:
        text = output.read_text(encoding="utf-8", errors="replace") if output.exists() else ""
        ended = f"torchrun ended with exit code {torchrun.exitcode}; its output ends:\n{text[-3000:]}"
        raise pytest.fail.Exception(problem or ended, pytrace=False)
    return [report["result"] for report in reports]


# torchrun's rendezvous, then its ranks' start, before a rank's own clock runs (seconds): a spawned rank is an
# interpreter that imports torch (seconds each on a busy machine)
TORCHRUN_START = {"fork": 10.0, "spawn": 45.0}


def _torchrun(arguments: list[str], output: str, folder: str) -> None:
    """In a process of its own (its session: one signal stops it and its ranks): torchrun's main(), its output
    and its ranks' into ``output``."""
    if hasattr(os, "setsid"):
        os.setsid()
    if hasattr(signal, "SIGUSR1"):
        signal.signal(signal.SIGUSR1, signal.SIG_IGN)  # sent to every rank for its stack (a rank handles it)
    os.chdir(folder)
    written = os.open(output, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
    os.dup2(written, 1)
    os.dup2(written, 2)
    sys.stdout = sys.stderr = open(1, "w", buffering=1, encoding="utf-8", closefd=False)  # noqa: SIM115
    from torch.distributed.run import main

    main(arguments)


def _untouched_stub(path: Path, name: str) -> str:
    """ "<where>: not written yet: <its message>" while ``name`` in ``path`` is an untouched stub, else ""."""
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.FunctionDef) and node.name == name and untouched_function(node):
            message = ast.literal_eval(node.body[-1].exc.args[0]) if node.body[-1].exc.args else ""
            return not_written_yet(f"{shown(path)}:{node.body[-1].lineno}", message)
    return ""


def _functions_called(scenario: Callable[..., Any]) -> list[str]:
    """The names that ``scenario``'s code reads from its first parameter (the kata module), in the code's order."""
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(scenario)))
    except (OSError, TypeError, SyntaxError):
        return []
    module = scenario.__code__.co_varnames[0] if scenario.__code__.co_argcount else None
    found = [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == module
    ]
    return list(dict.fromkeys(node.attr for node in sorted(found, key=lambda node: (node.lineno, node.col_offset))))


def _not_to_run(path: Path, names: list[str]) -> str:
    """Why a scenario that calls ``names`` of the module at ``path`` cannot pass (see run_ranks), else ""."""
    for name in _reached(path, names) if _HUNG else []:
        if (str(path), name) in _HUNG:
            return (
                f"Not run: an earlier call of {name}() never finished: it was stopped in {_HUNG[str(path), name]}. "
                "Fix that first: the first test that hung shows where."
            )
    for name in names:
        stub = _untouched_stub(path, name)
        if stub:
            return stub
    return ""


def _reached(path: Path, names: list[str]) -> list[str]:
    """``names``, and the functions of the module at ``path`` that they call, directly or through one another."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    functions = {node.name: node for node in tree.body if isinstance(node, ast.FunctionDef)}
    reached, todo = list(names), list(names)
    while todo:
        node = functions.get(todo.pop())
        for call in ast.walk(node) if node else []:
            if isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and call.func.id not in reached:
                reached.append(call.func.id)
                todo.append(call.func.id)
    return reached


_HUNG: dict[tuple[str, str], str] = {}  # (module file, function) that a rank was running when it was stopped: where


def _stop_session(process) -> None:
    """Kill ``process`` (torchrun) and every process of its session (its ranks), once the ranks dumped their stacks."""
    if process.pid is None:
        return
    if hasattr(os, "killpg"):
        try:
            if process.is_alive():
                os.killpg(process.pid, signal.SIGUSR1)  # each rank's stack, into its stack file
                time.sleep(0.2)
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:  # the session has ended
            pass
    else:  # Windows
        process.kill()
    process.join()


@dataclass(frozen=True)
class _Job:
    work: str
    module: str
    scenario: tuple[str, str]
    world_size: int
    backend: str
    start_group: bool
    limits: Limits


def _context():
    """How ranks start: forked from this process on Linux (torch, pytest and the kata's test module are imported
    already); from a forkserver that imports them once elsewhere (macOS: fork is unsafe there); spawned (Windows).

    Forking a process that has threads is what DataLoader's workers do on Linux: torch's and OpenBLAS's thread
    pools are safe to fork, and a rank uses one thread of its own (torch.set_num_threads(1)).
    """
    if sys.platform == "linux":
        importlib.import_module("torch._dynamo")  # what an optimizer's first step imports: once here, not per rank
        return multiprocessing.get_context("fork")
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    # torch, torch.distributed and pytest, imported once; and torch._dynamo, which an optimizer's first step imports
    context.set_forkserver_preload([__name__, "torch._dynamo"])
    return context


def _wait(ended: Callable[[], bool], processes, work: Path, limits: Limits, started: float = 0.0) -> None:
    """Until ``ended()``, or a rank has failed (then a little longer), or the ranks hang.

    ``started``: how long the ranks may take to start, before their own clocks run."""
    deadline = time.monotonic() + started + limits.hang_seconds + 2.0  # a rank dumps its stack and ends at hang_seconds
    while time.monotonic() < deadline:
        if ended():
            return
        if any(process.exitcode not in (None, 0) for process in processes) or _any_error(work):
            deadline = min(deadline, time.monotonic() + limits.after_a_failure)
        time.sleep(0.01)


def _stop_stragglers(processes) -> None:
    """Kill every rank still running (a rank that hangs, or waits for one that failed), once it dumped its stack."""
    alive = [process for process in processes if process.is_alive()]
    if alive and hasattr(signal, "SIGUSR1"):
        for process in alive:
            os.kill(process.pid, signal.SIGUSR1)  # where it is now, into its stack file
        time.sleep(0.2)
    for process in alive:
        process.kill()
    for process in processes:
        if process.pid is not None:
            process.join()


def _any_error(work: Path) -> bool:
    return any(work.glob("failed*"))


# --- In each rank ---------------------------------------------------------------------------------


def _rank_main(job: _Job, rank: int) -> None:
    torch.set_num_threads(1)  # ranks share the machine's cores
    torch.manual_seed(rank)
    scenario_file = Path(job.scenario[0])
    _run_and_report(Path(job.work), rank, job.limits.hang_seconds, lambda: _run_scenario(job, rank), scenario_file)


def _run_and_report(work: Path, rank: int, hang_seconds: float, run: Callable[[], Any], code: Path) -> None:
    """``run()``, its result or its exception written to ``work`` for the test; its stack, should it hang.

    ``code`` is the file whose frames an error shows, beside the kata module's: the test's scenario, or the script.
    """
    with (work / f"stack{rank}.txt").open("w") as stack:
        faulthandler.dump_traceback_later(hang_seconds, exit=True, file=stack)
        if hasattr(signal, "SIGUSR1"):
            faulthandler.register(signal.SIGUSR1, file=stack)
        try:
            outcome = {"result": run()}
        except BaseException as error:  # reported to the test, whatever it is
            (work / f"failed{rank}").touch()
            outcome = {"error": _describe(error, code)}
        finally:
            faulthandler.cancel_dump_traceback_later()
            if hasattr(signal, "SIGUSR1"):
                faulthandler.unregister(signal.SIGUSR1)
            if dist.is_initialized():
                dist.destroy_process_group()
    partial = work / f"result{rank}.partial"
    torch.save(outcome, partial)
    os.replace(partial, work / f"result{rank}.pt")


def _script_under_torchrun(work: Path, hang_seconds: float, script: Path, args: list[str]) -> None:
    """In a rank torchrun started: run ``script`` as Python runs a script, reporting to ``work`` as a rank does.

    The rank's result is how the script called ``dist.init_process_group``: the keyword arguments of each call.
    """
    torch.set_num_threads(1)  # torchrun sets OMP_NUM_THREADS=1 for its ranks; a forked rank has its parent's threads
    sys.argv = [str(script), *args]
    sys.path[0] = str(script.parent)
    calls = []
    real = dist.init_process_group

    def init_process_group(*args, **kwargs):
        calls.append({name: str(value) for name, value in kwargs.items()} | {"args": [str(arg) for arg in args]})
        return real(*args, **kwargs)

    def run() -> list[dict]:
        dist.init_process_group = init_process_group
        runpy.run_path(str(script), run_name="__main__")
        return calls

    _run_and_report(work, int(os.environ["RANK"]), hang_seconds, run, script)


def _run_scenario(job: _Job, rank: int) -> Any:
    setup = RankSetup(
        rank=rank,
        world_size=job.world_size,
        init_method=(Path(job.work) / "rendezvous").as_uri(),
        timeout=datetime.timedelta(seconds=job.limits.group_timeout),
    )
    module_file = Path(job.module)
    module = load_module(module_file)
    scenario_file, name = job.scenario
    scenario = getattr(_load_file(Path(scenario_file)), name)
    args = torch.load(Path(job.work) / "args.pt", weights_only=False)
    if job.start_group:
        dist.init_process_group(
            job.backend, init_method=setup.init_method, rank=rank, world_size=job.world_size, timeout=setup.timeout
        )
        dist.barrier()  # every rank connected before any runs the scenario (gloo connects when the group starts)
        return scenario(module, setup, *args)
    result = scenario(module, setup, *args)  # it starts the group itself
    if dist.is_initialized():
        dist.barrier()  # no rank leaves the group while another is still connecting to it
    return result


def _load_file(path: Path):
    """The module of a test file (or any Python file), loaded from its path."""
    name = f"_ranks_{path.stem}"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def _describe(error: BaseException, code: Path) -> dict:
    """An exception as plain data: its kind and whole message, where a stub raised it, the torch.distributed call
    it came from, and its traceback as the learner reads it: the frames of ``code`` (the test's scenario, or the
    script) and of the kata module, without the harness's or torch's."""
    frames = traceback.extract_tb(error.__traceback__)
    in_distributed = [frame for frame in frames if _is_torch_distributed(frame.filename, frame.name)]
    shown_frames = [frame for frame in frames if Path(frame.filename) == code or is_kata_module(Path(frame.filename))]
    message = _MESSAGE_SOURCE.sub("", str(error))
    if isinstance(error, SyntaxError):
        last = "".join(traceback.format_exception_only(type(error), error))
    else:
        last = f"{type(error).__name__}: {message}" if message else type(error).__name__
    return {
        "kind": type(error).__name__,
        "message": message,
        "stub": raised_by_a_stub(error),
        "collective": in_distributed[0].name if in_distributed else None,
        "traceback": "".join(_frame_lines(frame) for frame in shown_frames) + last,
    }


# where in torch's C++ sources a message was written: "[/pytorch/third_party/gloo/gloo/transport/tcp/pair.cc:561] "
_MESSAGE_SOURCE = re.compile(r"^\[[^\]\s]+:\d+\] ", re.MULTILINE)


def _frame_lines(frame: traceback.FrameSummary) -> str:
    """``  File "katas/NN_distributed/distributed.py", line 49, in share_from_rank_zero`` and its line of code.

    A kata module's path is shown from the repository's root, another file's from the current folder if it is
    below it."""
    path = frame.filename
    if is_kata_module(Path(path)):
        path = shown(Path(path))
    else:
        with contextlib.suppress(ValueError):  # on another drive (Windows)
            relative = Path(os.path.relpath(path)).as_posix()
            path = path if relative.startswith("..") else relative
    code = f"\n    {frame.line.strip()}" if frame.line else ""
    return f'  File "{path}", line {frame.lineno}, in {frame.name}{code}\n'


def _is_torch_distributed(filename: str, function: str) -> bool:
    """Whether a frame is one of torch.distributed's functions (not a decorator's wrapper, not a private helper)."""
    return "torch/distributed/" in Path(filename).as_posix() and not function.startswith(("_", "wrapper"))


# --- Back in the test -----------------------------------------------------------------------------


def _report(work: Path, rank: int) -> dict:
    path = work / f"result{rank}.pt"
    return torch.load(path, weights_only=False) if path.exists() else {}


def _problem(reports: list[dict], exit_codes: list[int | None], work: Path, limits: Limits) -> str:
    """What went wrong, rank by rank, for the test's failure; empty when every rank returned."""
    if all("result" in report for report in reports):
        return ""
    errors = {rank: report["error"] for rank, report in enumerate(reports) if "error" in report}
    stubs = [error for error in errors.values() if error["stub"]]
    if stubs:
        return not_written_yet(stubs[0]["stub"], stubs[0]["message"])
    statuses = [_status(rank, report, exit_codes[rank], work, limits) for rank, report in enumerate(reports)]
    lines = [f"{len(reports)} ranks ran:", *(f"  {summary}" for summary, _ in statuses)]
    # the cause first: an error of the code itself, before one raised in a collective, before a collective that
    # failed because a rank had left it waiting
    causes = sorted(errors, key=lambda rank: (_left_waiting(errors[rank]), errors[rank]["collective"] is not None))
    if causes:
        rank = causes[0]
        lines.append(f"\nRank {rank}'s traceback:\n{errors[rank]['traceback'].rstrip()}")
        if _left_waiting(errors[rank]):
            lines.append(_collective_advice(errors[rank]["collective"]))
    for rank, (_, stack) in enumerate(statuses):
        if stack:
            lines.append(f"\nRank {rank} was at:\n{stack}")
    if not causes:
        lines.append(_hang_advice([stack for _, stack in statuses]))
    return "\n".join(line for line in lines if line)


def _status(rank: int, report: dict, exit_code: int | None, work: Path, limits: Limits) -> tuple[str, str]:
    """A one-line summary of how ``rank`` ended, and (for a rank that was stopped) where it was."""
    if "result" in report:
        return f"rank {rank} returned", ""
    if "error" in report:
        error = report["error"]
        inside = f" in {error['collective']}()" if error["collective"] else ""
        first_line = (error["message"].splitlines() or [""])[0]  # whole: the traceback below has every line
        return f"rank {rank} raised {error['kind']}{inside}" + (f": {first_line}" if first_line else ""), ""
    stack = _learner_stack(work / f"stack{rank}.txt")
    if stack and _stopped(exit_code):
        return f"rank {rank} was still running once another rank had failed, and was stopped", stack
    if stack:
        return f"rank {rank} never finished: it was stopped after {limits.hang_seconds:g} s", stack
    if _stopped(exit_code):
        return f"rank {rank} was stopped once another rank had failed", ""
    return f"rank {rank} reported nothing" + (f" (exit code {exit_code})" if exit_code is not None else ""), ""


def _stopped(exit_code: int | None) -> bool:
    """Whether a rank was killed by the test (after another rank failed), rather than ending by itself."""
    return exit_code is not None and exit_code < 0


def _remember_hangs(path: Path, reports: list[dict], exit_codes: list[int | None], work: Path) -> None:
    """Note the functions of the module at ``path`` that a rank which never finished was running (see _HUNG)."""
    for rank, report in enumerate(reports):
        dump = work / f"stack{rank}.txt"
        if report or _stopped(exit_codes[rank]) or not dump.exists():
            continue
        first_thread = dump.read_text(encoding="utf-8", errors="replace").split("\n\n")[0]
        frames = [match.groupdict() for match in _DUMPED_FRAME.finditer(first_thread)]  # innermost first
        learner = [frame for frame in frames if Path(frame["file"]) == path]
        for frame in learner:
            where = f"{shown(path)}, line {learner[0]['line']}, in {learner[0]['name']}()"
            _HUNG.setdefault((str(path), frame["name"]), where)


# what a collective raises when another rank left it waiting (gloo's errors are RuntimeErrors)
_BACKEND_ERRORS = {"RuntimeError", "DistError", "DistBackendError", "DistNetworkError", "DistStoreError"}
_LEFT_WAITING = re.compile(r"closed by peer|reset by peer|[Tt]imed out|timeout", re.IGNORECASE)
_DUMPED_FRAME = re.compile(r'^\s*File "(?P<file>[^"]+)", line (?P<line>\d+) in (?P<name>\S+)', re.MULTILINE)


def _left_waiting(error: dict) -> bool:
    """Whether ``error`` is what a collective raises when another rank left it waiting."""
    return error["kind"] in _BACKEND_ERRORS and _LEFT_WAITING.search(error["message"]) is not None


def _learner_stack(dump: Path) -> str:
    """From a rank's stack dump: the learner's frames, outermost first, and the torch.distributed call it was in."""
    text = dump.read_text(encoding="utf-8", errors="replace") if dump.exists() else ""
    first_thread = text.split("\n\n")[0]
    frames = [match.groupdict() for match in _DUMPED_FRAME.finditer(first_thread)]  # innermost first
    if not frames:
        return ""
    lines = []
    collective = next(
        (frame for frame in reversed(frames) if _is_torch_distributed(frame["file"], frame["name"])), None
    )
    for frame in reversed(frames):
        if is_kata_module(Path(frame["file"])):
            lines.append(f"  {shown(Path(frame['file']))}, line {frame['line']}, in {frame['name']}()")
    if collective is not None:
        lines.append(f"  waiting in torch.distributed's {collective['name']}()")
    return "\n".join(lines) or "  (outside the kata's code)"


def _hang_advice(stacks: list[str]) -> str:
    waiting = [stack for stack in stacks if "waiting in torch.distributed" in stack]
    if waiting:
        return _collective_advice()
    return "Look for a loop whose condition never changes."


def _collective_advice(name: str | None = None) -> str:
    what = f"{name}() is a collective" if name else "A collective (all_reduce, barrier, DDP's construction, ...)"
    return (
        f"{what}: it returns only once every rank of the group has called it, and it fails when a rank leaves "
        "without calling it. Every rank must make the same collective calls, in the same order (an "
        "`if rank == 0:` around one leaves the other ranks out)."
    )


if __name__ == "__main__":  # in a rank that torchrun started, run with runpy (see run_torchrun)
    # The rank then returns to torchrun's agent, and leaves as a process that multiprocessing forked does: without
    # the interpreter's teardown, where gloo's threads can abort a process ("terminate called without an active
    # exception": seen once, under load, after both ranks had reported, when each rank was an interpreter).
    _script_under_torchrun(Path(sys.argv[1]), float(sys.argv[2]), Path(sys.argv[3]), sys.argv[4:])
