"""Everything a kata's tests need from the harness, one name each.

    from katas.testing import expect_close, kata_module, random_shape

- the module under test: :func:`kata_module`
- assertions that explain themselves: ``expect_tensor``, ``expect_shape``, ``expect_dtype``, ``expect_number``,
  ``expect_close`` (with known ``mistakes``), ``expect_equal``, ``expect_sequence``, ``expect_raises``
- calling the learner's code with torch's errors explained: :func:`explained_call`
- random inputs: ``random_int``, ``random_shape``, ``distinct_sizes``; what moved torch's global generator:
  ``global_generator_use``
- autograd: ``callers_tensor``, ``expect_untouched``, ``fresh_leaf``
- "by hand" tasks: :func:`by_hand` and :class:`ShortcutTaken`; :func:`by_hand_caller` for a kata whose every call
  of the learner's code refuses the shortcuts and explains torch's errors

Ranks of a real process group (torch.distributed), and torchrun: ``from katas.testing.distributed import
run_ranks, run_torchrun`` (a module of its own, imported only by the tests that start ranks). The MNIST digits,
skipped with a how-to where they are missing: ``from katas.testing.data import mnist_splits, mnist_accuracy``.
"""

from katas.runtime.solution import kata_module
from katas.testing.assertions import (
    expect_close,
    expect_dtype,
    expect_equal,
    expect_number,
    expect_shape,
    expect_tensor,
)
from katas.testing.autograd import callers_tensor, expect_untouched, fresh_leaf
from katas.testing.calls import expect_raises, expect_sequence, explained_call
from katas.testing.draws import distinct_sizes, global_generator_use, random_int, random_shape
from katas.testing.shortcuts import ShortcutTaken, by_hand, by_hand_caller

__all__ = [
    "ShortcutTaken",
    "by_hand",
    "by_hand_caller",
    "callers_tensor",
    "distinct_sizes",
    "expect_close",
    "expect_dtype",
    "expect_equal",
    "expect_number",
    "expect_raises",
    "expect_sequence",
    "expect_shape",
    "expect_tensor",
    "expect_untouched",
    "explained_call",
    "fresh_leaf",
    "global_generator_use",
    "kata_module",
    "random_int",
    "random_shape",
]
