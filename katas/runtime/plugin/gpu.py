"""GPU tests: ``@pytest.mark.gpu`` (``gpu(mps=True)``: Apple's MPS will do; ``gpu(count=2)``: two CUDA GPUs)
skips, with a reason, where there is none (or too few)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from katas.core.results import GPU

if TYPE_CHECKING:
    import torch

SKIP_KIND = pytest.StashKey[str]()  # why the test will skip, or has skipped: results.GPU or results.DATA


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "gpu(mps=False, count=1): needs a CUDA GPU (mps=True: or Apple's MPS; count=2: two CUDA GPUs); "
        "skipped, with a reason, without one",
    )


def available_gpu(mps_ok: bool) -> torch.device | None:
    """The GPU a test may use: CUDA first, then (where the test allows it) Apple's MPS."""
    import torch

    if torch.cuda.is_available():
        return torch.device("cuda")
    if mps_ok and torch.backends.mps.is_available():
        return torch.device("mps")
    return None


def _gpu_for(item: pytest.Item) -> torch.device | None:
    marker = item.get_closest_marker("gpu")
    return available_gpu(marker.kwargs.get("mps", False))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    import torch

    for item in items:
        marker = item.get_closest_marker("gpu")
        if marker is None:
            continue
        count = marker.kwargs.get("count", 1)
        if _gpu_for(item) is None:
            wanted = "a CUDA or Apple MPS GPU" if marker.kwargs.get("mps") else "a CUDA GPU"
            if count > 1:
                wanted = f"{count} CUDA GPUs"
            reason = f"needs {wanted}, and this machine has none (torch.cuda.is_available() is False)"
        elif count > torch.cuda.device_count():
            reason = f"needs {count} CUDA GPUs, and this machine has {torch.cuda.device_count()}"
        else:
            continue
        item.add_marker(pytest.mark.skip(reason))
        item.stash[SKIP_KIND] = GPU


@pytest.fixture
def gpu(request: pytest.FixtureRequest) -> torch.device:
    """The GPU of a ``@pytest.mark.gpu`` test."""
    if request.node.get_closest_marker("gpu") is None:
        raise pytest.UsageError(f"{request.node.nodeid} uses the `gpu` fixture without @pytest.mark.gpu")
    return _gpu_for(request.node)


@pytest.fixture(params=["cpu", pytest.param("cuda", marks=pytest.mark.gpu)])
def device(request: pytest.FixtureRequest) -> torch.device:
    """Each device a test should pass on: the CPU always, a CUDA GPU where there is one."""
    import torch

    return torch.device(request.param)
