"""Convolution. The lesson is README.md beside this file."""

import pytest
import torch

from katas.testing import expect_close, kata_module, random_shape

module = kata_module(__file__)

# Task 1: Double a tensor


@pytest.mark.task(1)
@pytest.mark.parametrize("dtype", [torch.float32, torch.int64], ids=str)
def test_double_doubles_every_element_and_keeps_shape_and_dtype(dtype):
    x = (torch.randn(random_shape(2)) * 10).to(dtype)
    expect_close(
        module.double(x), x * 2, f"double(<{dtype} tensor>)", mistakes=[(x, "That is x itself: multiply it by 2.")]
    )
