"""The harness shared by every kata's tests and the ``katas`` command."""

from katas._harness.curriculum import Kata, load_curriculum
from katas._harness.expect import expect_close, expect_dtype, expect_equal, expect_shape, expect_tensor
from katas._harness.shapes import random_shape
from katas._harness.solution import kata_module

__all__ = [
    "Kata",
    "expect_close",
    "expect_dtype",
    "expect_equal",
    "expect_shape",
    "expect_tensor",
    "kata_module",
    "load_curriculum",
    "random_shape",
]
