"""pytest-xdist: the tests of one file run on one worker, or of one class where a file groups its tests in classes
(``-n auto`` means ``--dist loadscope`` here, not ``load``); each worker computes on its share of the cores.

A file's tests then share its module-scoped fixtures (the contract's run of every stub, the MNIST digits) instead
of each worker paying for them, and tests that start processes of their own (the ranks of a process group) run
one after another instead of crowding a small machine's cores. No file of the katas groups tests in classes, so
there a worker takes whole files; tests/test_notebooks.py gives each kata's notebook a class of its own, so that
its notebooks, each a kernel, spread over the workers. (xdist's ``loadgroup`` would group single tests, but it
marks a test's group by rewriting its node id, which pytest 9's nodes no longer allow.) An explicit ``--dist``
other than ``load`` is left as it is; without xdist (the katas command) this plugin does nothing.

torch starts as many threads as the machine has cores, in every worker and in every process a test starts (the
katas command, a notebook's kernel and the checks it forks): N workers would run N times too many threads, which
spin while they wait for each other (the MNIST kata's training ran 5 times slower with two threads a worker than
with one, on two cores shared by two workers). Each worker, and what it starts, keeps to its share: its threads, and
the shares a forked run is split into (each share collects the kata again).
"""

from __future__ import annotations

import os

import pytest

from katas.runtime.runner import CORES_VARIABLE, usable_cores


def pytest_configure(config: pytest.Config) -> None:
    if hasattr(config, "workerinput"):
        _keep_to_a_share_of_the_cores(int(config.workerinput.get("workercount", 1)))
    elif getattr(config.option, "dist", "no") == "load":
        config.option.dist = "loadscope"  # read when xdist makes its scheduler, at the start of the session


def _keep_to_a_share_of_the_cores(workers: int) -> None:
    import torch

    threads = max(1, usable_cores() // workers)
    if threads < torch.get_num_threads():
        torch.set_num_threads(threads)  # the threads fixture gives a training test this many (plugin.threads)
    os.environ.setdefault("OMP_NUM_THREADS", str(threads))  # for the processes the worker's tests start
    os.environ.setdefault(CORES_VARIABLE, str(threads))  # and their own runs' shares (runner.WarmRunner)
