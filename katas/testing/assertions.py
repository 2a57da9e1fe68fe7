"""Assertions that explain themselves to a learner: what was expected, what came back.

Each takes ``call``, the learner-facing description of what produced the value
(for example ``"stack_rows([a, b])"``), and puts it at the start of its message;
an optional ``hint`` ends the message with what to look at.
"""

from __future__ import annotations

from collections.abc import Sequence

import pytest
import torch


def expect_tensor(value: object, call: str, hint: str = "") -> torch.Tensor:
    """``value`` itself, failing unless it is a tensor."""
    __tracebackhide__ = True
    if not isinstance(value, torch.Tensor):
        if value is None:
            hint = hint or "Did you forget `return`?"
        raise AssertionError(
            _with_hint(
                f"{call} should return a torch.Tensor, but it returned {type(value).__name__}: {value!r:.80}", hint
            )
        )
    return value


def expect_shape(value: object, shape: Sequence[int], call: str, hint: str = "") -> None:
    """Fail unless ``value`` is a tensor of exactly ``shape``."""
    __tracebackhide__ = True
    tensor = expect_tensor(value, call, hint)
    if tuple(tensor.shape) != tuple(shape):
        raise AssertionError(
            _with_hint(
                f"{call} returned a tensor of the wrong shape.\n"
                f"  expected shape: {tuple(shape)}\n"
                f"  got shape:      {tuple(tensor.shape)}",
                hint,
            )
        )


def expect_dtype(value: object, dtype: torch.dtype, call: str, hint: str = "") -> None:
    """Fail unless ``value`` is a tensor of ``dtype``."""
    __tracebackhide__ = True
    tensor = expect_tensor(value, call, hint)
    if tensor.dtype != dtype:
        raise AssertionError(
            _with_hint(
                f"{call} returned a tensor of the wrong dtype.\n"
                f"  expected dtype: {dtype}\n"
                f"  got dtype:      {tensor.dtype}",
                hint,
            )
        )


def expect_number(value: object, call: str, what: str = "a number") -> float:
    """``float(value)``, failing unless ``value`` is a number (a 0-d tensor will do)."""
    __tracebackhide__ = True
    try:
        return float(value)
    except (TypeError, ValueError, RuntimeError):
        message = f"{call} should return {what}, but it returned {type(value).__name__}: {value!r:.80}"
    raise pytest.fail.Exception(message, pytrace=False)


def expect_close(
    actual: object,
    expected: torch.Tensor,
    call: str,
    *,
    check_dtype: bool = True,
    rtol: float | None = None,
    atol: float | None = None,
    hint: str = "",
    mistakes: Sequence[tuple[torch.Tensor, str]] = (),
) -> None:
    """Fail unless ``actual`` matches ``expected`` in shape, dtype (optionally) and values.

    ``mistakes`` are known wrong answers, each with what it tells the learner: when ``actual`` equals one
    (within the same tolerances), its explanation replaces ``hint``.
    """
    __tracebackhide__ = True
    hint = next((text for wrong, text in mistakes if _matches(actual, wrong, rtol, atol)), hint)
    expect_shape(actual, expected.shape, call, hint)
    if check_dtype:
        expect_dtype(actual, expected.dtype, call, hint)
    torch.testing.assert_close(
        actual.detach().cpu(),
        expected.detach().cpu(),
        rtol=rtol,
        atol=atol,
        check_dtype=check_dtype,
        msg=lambda details: _with_hint(
            f"{call} returned the wrong values.\n{details}\n"
            f"  expected: {_preview(expected)}\n  got:      {_preview(actual)}",
            hint,
        ),
    )


def expect_equal(actual: object, expected: torch.Tensor, call: str, hint: str = "") -> None:
    """Fail unless ``actual`` equals ``expected`` exactly (shape, dtype and every value)."""
    __tracebackhide__ = True
    expect_close(actual, expected, call, rtol=0, atol=0, hint=hint)


def _matches(actual: object, wrong: torch.Tensor, rtol: float | None, atol: float | None) -> bool:
    if not isinstance(actual, torch.Tensor) or actual.shape != wrong.shape:
        return False
    got, wrong = actual.detach().cpu().double(), wrong.detach().cpu().double()
    return bool(torch.allclose(got, wrong, rtol=1e-5 if rtol is None else rtol, atol=1e-8 if atol is None else atol))


def _with_hint(message: str, hint: str) -> str:
    return f"{message}\n{hint}" if hint else message


def _preview(tensor: torch.Tensor) -> str:
    """A short, one-paragraph view of a tensor's values for a failure message."""
    text = str(tensor.detach().cpu().tolist()) if tensor.numel() <= 12 else repr(tensor.detach().cpu())
    return text.replace("\n", "\n" + " " * 12)
