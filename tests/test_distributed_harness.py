"""katas.testing.distributed: real ranks for a test, and what the test says when a rank goes wrong.

The ranks run the module-level scenarios below on a kata module written for each test (``katas/99_ranks/ranks.py``
in a temporary folder), with short limits, so that a hang costs seconds.
"""

import os
import re
import textwrap
from pathlib import Path

import pytest
import torch
import torch.distributed as dist

from katas.testing import distributed
from katas.testing.distributed import Limits, run_ranks, run_torchrun

pytestmark = [
    pytest.mark.skipif(not (dist.is_available() and dist.is_gloo_available()), reason="no torch.distributed gloo"),
    pytest.mark.timeout(120),
]

MODULE = '''
import os
import time

import torch
import torch.distributed as dist


def total(tensor):
    dist.all_reduce(tensor)
    return tensor


def not_written(x):
    """A stub."""
    raise NotImplementedError("Task 1: write not_written (see README.md)")


def calls_not_written(x):
    return not_written(x)


def fails_on_rank_one(rank):
    if rank == 1:
        raise ValueError(f"rank {rank} is not welcome here")
    return rank


def reduces_a_list_on_rank_one(rank):
    dist.all_reduce([1.0] if rank == 1 else torch.ones(1))


def main():
    if int(os.environ["RANK"]) == 1:
        raise ValueError("a long first line, " * 12 + "and its end\\nand a second line")


def reduces_on_rank_zero_only(rank):
    if rank == 0:
        dist.all_reduce(torch.ones(1))
    else:
        while True:
            time.sleep(0.01)


def loops_forever():
    while True:
        time.sleep(0.01)


def calls_loops_forever():
    return loops_forever()


if __name__ == "__main__":
    main()
'''


@pytest.fixture
def module(tmp_path: Path, monkeypatch) -> Path:
    monkeypatch.setattr(distributed, "_HUNG", {})  # what hung in this test stays in this test
    path = tmp_path / "katas" / "99_ranks" / "ranks.py"
    path.parent.mkdir(parents=True)
    path.write_text(textwrap.dedent(MODULE), encoding="utf-8")
    return path


@pytest.fixture
def no_ranks(monkeypatch):
    """Fails the test if a rank is started."""

    def no_context():
        pytest.fail("a rank was started")

    monkeypatch.setattr(distributed, "_context", no_context)


@pytest.fixture
def short_limits(monkeypatch):
    monkeypatch.setattr(distributed, "LIMITS", Limits(group_timeout=2.0, hang_seconds=4.0, after_a_failure=1.0))


def line_of(text: str, after: str = "") -> int:
    """The number of the line of MODULE that holds ``text`` (the first one after the line holding ``after``)."""
    lines = textwrap.dedent(MODULE).splitlines()
    start = next(number for number, line in enumerate(lines) if after in line)
    return next(number for number, line in enumerate(lines) if number >= start and text in line) + 1


def line_of_here(text: str) -> int:
    """The number of the line of this file that holds ``text``."""
    lines = Path(__file__).read_text(encoding="utf-8").splitlines()
    return next(number for number, line in enumerate(lines) if text in line) + 1


def failure_of(*args, **kwargs) -> str:
    with pytest.raises(pytest.fail.Exception) as failure:
        run_ranks(*args, **kwargs)
    return str(failure.value)


# --- What runs on each rank ---


def total_of_ranks(module, setup):
    tensor = torch.full((2,), float(setup.rank + 1))
    return {"rank": setup.rank, "world_size": setup.world_size, "total": module.total(tensor)}


def call_stub(module, setup):
    return module.not_written(setup.rank)


def call_stub_indirectly(module, setup):
    return module.calls_not_written(setup.rank)


def call_failing(module, setup, pid_folder):
    (pid_folder / f"pid{setup.rank}").write_text(str(os.getpid()))
    if setup.rank == 0:
        dist.barrier()  # left waiting: rank 1 fails first
    return module.fails_on_rank_one(setup.rank)


def call_list_reduce(module, setup):
    return module.reduces_a_list_on_rank_one(setup.rank)


def call_one_sided(module, setup):
    return module.reduces_on_rank_zero_only(setup.rank)


def call_loop(module, setup):
    return module.loops_forever()


def call_loop_indirectly(module, setup):
    return module.calls_loops_forever()


# --- Tests ---


def test_each_rank_returns_its_result_in_rank_order(module, tmp_path):
    found = run_ranks(module, total_of_ranks, folder=tmp_path, world_size=3)
    assert [(result["rank"], result["world_size"]) for result in found] == [(0, 3), (1, 3), (2, 3)], found
    for result in found:
        assert torch.equal(result["total"], torch.full((2,), 6.0)), result


def test_a_stub_that_the_scenario_calls_fails_as_not_written_yet_before_any_rank_starts(module, tmp_path, no_ranks):
    message = failure_of(module, call_stub, folder=tmp_path)
    where = f"katas/99_ranks/ranks.py:{line_of('raise NotImplementedError')}"
    assert message == f"{where}: not written yet: Task 1: write not_written (see README.md)", message


def test_a_stub_that_a_rank_reaches_through_a_written_function_fails_as_not_written_yet(module, tmp_path):
    message = failure_of(module, call_stub_indirectly, folder=tmp_path)
    where = f"katas/99_ranks/ranks.py:{line_of('raise NotImplementedError')}"
    assert message == f"{where}: not written yet: Task 1: write not_written (see README.md)", message


def test_an_exception_in_a_rank_shows_the_rank_and_its_traceback_and_the_others_are_killed(module, tmp_path):
    message = failure_of(module, call_failing, tmp_path, folder=tmp_path)
    assert "rank 1 raised ValueError: rank 1 is not welcome here" in message, message
    line = line_of("raise ValueError")
    assert "Rank 1's traceback:" in message and f'ranks.py", line {line}, in fails_on_rank_one' in message, message
    assert "rank 0 " in message, message
    for rank in (0, 1):
        pid = int((tmp_path / f"pid{rank}").read_text())
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)


def test_a_rank_left_alone_in_a_collective_names_the_collective_and_where_the_other_rank_was(
    module, tmp_path, short_limits
):
    message = failure_of(module, call_one_sided, folder=tmp_path)
    assert "rank 0 raised RuntimeError in all_reduce()" in message, message
    assert "all_reduce() is a collective" in message, message
    line = line_of("time.sleep", after="def reduces_on_rank_zero_only")
    assert f"Rank 1 was at:\n  katas/99_ranks/ranks.py, line {line}, in reduces_on_rank_zero_only()" in message, message


def test_a_rank_that_never_finishes_is_stopped_with_the_line_it_was_running(module, tmp_path, short_limits):
    message = failure_of(module, call_loop, folder=tmp_path)
    assert "rank 0 never finished: it was stopped after 4 s" in message, message
    line = line_of("time.sleep", after="def loops_forever")
    assert f"Rank 0 was at:\n  katas/99_ranks/ranks.py, line {line}, in loops_forever()" in message, message
    assert "Look for a loop whose condition never changes." in message, message


def test_a_function_that_hung_in_a_rank_fails_the_next_scenarios_that_call_it_at_once(
    module, tmp_path, short_limits, monkeypatch
):
    failure_of(module, call_loop, folder=tmp_path)
    monkeypatch.setattr(distributed, "_context", lambda: pytest.fail("a rank was started after the hang"))
    message = failure_of(module, call_loop, folder=tmp_path)
    assert message == failure_of(module, call_loop_indirectly, folder=tmp_path), "through a function that calls it"
    line = line_of("time.sleep", after="def loops_forever")
    assert message == (
        "Not run: an earlier call of loops_forever() never finished: it was stopped in "
        f"katas/99_ranks/ranks.py, line {line}, in loops_forever(). Fix that first: the first test that hung "
        "shows where."
    ), message


def test_a_rank_error_shows_its_whole_message_and_only_the_scenario_and_the_learners_frames(module, tmp_path):
    with pytest.raises(TypeError) as raised:  # what torch says, in this process: several lines
        dist.all_reduce([1.0])
    expected = str(raised.value)
    message = failure_of(module, call_list_reduce, folder=tmp_path)
    first_line, *more = expected.splitlines()
    assert f"  rank 1 raised TypeError in all_reduce(): {first_line}\n" in message, message
    traceback = message[message.index("Rank 1's traceback:") :]
    assert traceback.endswith(f"TypeError: {expected}") or f"TypeError: {expected}\n" in traceback, message
    frames = re.findall(r'^  File "([^"]+)", line (\d+), in (\w+)$', traceback, re.MULTILINE)
    assert [(Path(file).name, int(line), name) for file, line, name in frames] == [
        ("test_distributed_harness.py", line_of_here("return module.reduces_a_list_on_rank_one"), "call_list_reduce"),
        ("ranks.py", line_of("dist.all_reduce([1.0]"), "reduces_a_list_on_rank_one"),
    ], message  # not torch's own frames (distributed_c10d.py, c10d_logger.py), nor the harness's
    assert "third_party" not in message and "site-packages" not in message, message


def test_a_rank_error_under_torchrun_shows_the_whole_message_and_the_scripts_frames(module, tmp_path):
    with pytest.raises(pytest.fail.Exception) as failure:
        run_torchrun(module, folder=tmp_path)
    message = str(failure.value)
    long_line = "a long first line, " * 12 + "and its end"
    assert f"  rank 1 raised ValueError: {long_line}\n" in message, message
    assert f"ValueError: {long_line}\nand a second line" in message, message
    frames = re.findall(r'^  File "([^"]+)", line (\d+), in (\S+)$', message, re.MULTILINE)
    assert [(Path(file).name, int(line), name) for file, line, name in frames] == [
        ("ranks.py", line_of("    main()", after="__main__"), "<module>"),
        ("ranks.py", line_of("raise ValueError", after="def main"), "main"),
    ], message
