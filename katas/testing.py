"""Everything a kata's tests need from the harness, in one import.

from katas.testing import expect_close, kata_module, random_shape
"""

from katas._harness.expect import expect_close, expect_dtype, expect_equal, expect_shape, expect_tensor
from katas._harness.mnist_data import accuracy as mnist_accuracy
from katas._harness.shapes import random_shape
from katas._harness.solution import kata_module
from katas._harness.training_feed import batch_reporter

__all__ = [
    "batch_reporter",
    "expect_close",
    "expect_dtype",
    "expect_equal",
    "expect_shape",
    "expect_tensor",
    "kata_module",
    "mnist_accuracy",
    "random_shape",
]
