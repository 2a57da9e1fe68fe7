"""One CPU thread per test: a kata's tensors are small, and on a busy machine torch's threads mostly wait for each
other (a solved kata measured 6.1 s in watch mode with two threads, 0.7 s with one, at a load of 4). Tests that train
(``@pytest.mark.slow``) or time (the ``benchmark`` fixture) keep every thread the machine gives them."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def one_thread_for_small_tensors(request: pytest.FixtureRequest):
    """torch computes on one thread during the test, unless it trains or times; as before afterwards."""
    import torch

    threads = torch.get_num_threads()
    if not (request.node.get_closest_marker("slow") or "benchmark" in request.fixturenames):
        torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
