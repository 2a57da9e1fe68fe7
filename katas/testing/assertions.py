"""Assertions that explain themselves to a learner: what was expected, what came back.

Each takes ``call``, the learner-facing description of what produced the value
(for example ``"stack_rows([a, b])"``), and puts it at the start of its message;
an optional ``hint`` ends the message with what to look at.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

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
    mistakes: Sequence[tuple[torch.Tensor, str]] | Callable[[], Sequence[tuple[torch.Tensor, str]]] = (),
) -> None:
    """Fail unless ``actual`` matches ``expected`` in shape, dtype (optionally) and values.

    ``mistakes`` are known wrong answers, each with what it tells the learner: when ``actual`` equals one
    (within the same tolerances, nan where it holds nan; dtypes aside), its explanation replaces ``hint``.
    Pass a function that returns them to work them out only when ``actual`` is wrong.
    """
    __tracebackhide__ = True
    if callable(mistakes):
        if _close(actual, expected, check_dtype, rtol, atol):
            return
        mistakes = mistakes()
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
            f"{call} returned the wrong values.\n{details}\n{_side_by_side(expected, actual)}", hint
        ),
    )


def expect_equal(actual: object, expected: torch.Tensor, call: str, hint: str = "") -> None:
    """Fail unless ``actual`` equals ``expected`` exactly (shape, dtype and every value)."""
    __tracebackhide__ = True
    expect_close(actual, expected, call, rtol=0, atol=0, hint=hint)


def _close(actual: object, expected: torch.Tensor, check_dtype: bool, rtol: float | None, atol: float | None) -> bool:
    """Whether ``actual`` passes :func:`expect_close` as it is."""
    if not isinstance(actual, torch.Tensor) or actual.shape != expected.shape:
        return False
    if check_dtype and actual.dtype != expected.dtype:
        return False
    try:
        torch.testing.assert_close(
            actual.detach().cpu(), expected.detach().cpu(), rtol=rtol, atol=atol, check_dtype=False
        )
    except AssertionError:
        return False
    return True


def _matches(actual: object, wrong: torch.Tensor, rtol: float | None, atol: float | None) -> bool:
    if not isinstance(actual, torch.Tensor) or actual.shape != wrong.shape:
        return False
    got, wrong = actual.detach().cpu().double(), wrong.detach().cpu().double()
    rtol, atol = 1e-5 if rtol is None else rtol, 1e-8 if atol is None else atol
    return bool(torch.allclose(got, wrong, rtol=rtol, atol=atol, equal_nan=True))  # a known wrong answer may hold nan


def _with_hint(message: str, hint: str) -> str:
    return f"{message}\n{hint}" if hint else message


def _side_by_side(expected: torch.Tensor, actual: torch.Tensor) -> str:
    """Expected above got, with as few digits as tell them apart (6 significant digits, more where those agree)."""
    for digits in (None, 9, 17):
        shown = _preview(expected, digits), _preview(actual, digits)
        if shown[0] != shown[1]:
            break
    return f"  expected: {shown[0]}\n  got:      {shown[1]}"


SUMMARY_THRESHOLD = 1000  # more elements than this are summarised, as torch prints them
EDGE_ITEMS = 3  # kept at each end of a summarised dimension


def _preview(tensor: torch.Tensor, digits: int | None = None) -> str:
    """A short view of a tensor's values for a failure message: ``digits`` significant digits (6, or 4 for 16-bit
    floats), integers and bools as they are; up to 12 elements on one line, more one row per line (never wrapped at
    80 columns), and over 1000 summarised as torch prints them, first and last 3 of each dimension."""
    if tensor.is_meta:
        return f"<a meta tensor of shape {tuple(tensor.shape)}: no values>"
    if digits is None:
        digits = 4 if tensor.is_floating_point() and tensor.element_size() == 2 else 6
    values = tensor.detach().cpu()
    if values.is_sparse or values.is_quantized:
        values = values.to_dense() if values.is_sparse else values.dequantize()
    summarise = values.numel() > SUMMARY_THRESHOLD
    one_line = values.numel() <= 12
    if values.ndim == 0:
        return _number(values.item(), digits)
    texts = _nested(values, digits, summarise)
    width = 0 if one_line else max((len(text) for text in _leaves(texts)), default=0)
    lines = _join(texts, width, depth=0, ndim=values.ndim, one_line=one_line).split("\n")
    return "\n".join([lines[0], *((" " * 12 + line).rstrip() for line in lines[1:])])


def _number(value: object, digits: int) -> str:
    if isinstance(value, bool | int):
        return str(value)
    if isinstance(value, complex):
        return f"({_number(value.real, digits)}{'+' if value.imag >= 0 else '-'}{_number(abs(value.imag), digits)}j)"
    text = f"{value:.{digits}g}"
    return text if any(mark in text for mark in ".ein") else text + "."  # 3. is a float, 3 an integer


def _nested(values: torch.Tensor, digits: int, summarise: bool) -> list:
    """The formatted entries of ``values`` as nested lists, with "..." for the middle of a summarised dimension."""
    if values.ndim == 0:
        return _number(values.item(), digits)
    if values.ndim == 1 and not summarise:
        return [_number(value, digits) for value in values.tolist()]
    size = values.shape[0]
    if summarise and size > 2 * EDGE_ITEMS:
        return [
            *(_nested(values[i], digits, summarise) for i in range(EDGE_ITEMS)),
            "...",
            *(_nested(values[i], digits, summarise) for i in range(size - EDGE_ITEMS, size)),
        ]
    return [_nested(values[i], digits, summarise) for i in range(size)]


def _leaves(texts: list | str) -> list[str]:
    return [texts] if isinstance(texts, str) else [leaf for part in texts for leaf in _leaves(part)]


def _join(texts: list | str, width: int, depth: int, ndim: int, one_line: bool) -> str:
    if isinstance(texts, str):
        return texts.rjust(width)
    inner = [_join(part, width, depth + 1, ndim, one_line) for part in texts]
    innermost = one_line or depth == ndim - 1  # a row's entries on one line; rows, then blocks, on lines of their own
    separator = ", " if innermost else "," + "\n" * (ndim - 1 - depth) + " " * (depth + 1)
    return "[" + separator.join(inner) + "]"
