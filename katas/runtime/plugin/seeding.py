"""Determinism: every test starts from a seed derived from its own name, and from torch's default modes."""

from __future__ import annotations

import random
import zlib

import numpy as np
import pytest


@pytest.fixture(autouse=True)
def fixed_seed_and_torch_defaults(request: pytest.FixtureRequest):
    """Seed every generator from the test's own name, and undo global changes a test makes."""
    import torch

    seed = zlib.crc32(request.node.nodeid.encode())
    random.seed(seed)
    np.random.seed(seed)
    torch.default_generator.manual_seed(seed)  # torch.manual_seed would also queue a CUDA seeding, with a stack trace
    if torch.cuda.is_available():
        torch.cuda.manual_seed_all(seed)
    grad_enabled, default_dtype = torch.is_grad_enabled(), torch.get_default_dtype()
    yield
    torch.set_grad_enabled(grad_enabled)
    torch.set_default_dtype(default_dtype)
