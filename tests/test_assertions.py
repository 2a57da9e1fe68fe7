"""katas.testing's assertions: what their failure messages show a learner."""

import re

import pytest
import torch

from katas.testing import ShortcutTaken, by_hand_caller, expect_close, expect_equal, expect_raises
from katas.testing.assertions import _preview


def failure_of(check, *args, **kwargs) -> str:
    with pytest.raises(AssertionError) as failure:
        check(*args, **kwargs)
    return str(failure.value)


def shown(message: str, label: str) -> str:
    """The lines of ``message`` from ``label`` (``"expected:"`` or ``"got:"``) up to the next label."""
    lines = message.splitlines()
    start = next(i for i, line in enumerate(lines) if line.lstrip().startswith(label))
    end = next((i for i in range(start + 1, len(lines)) if lines[i].lstrip().startswith("got:")), len(lines))
    return "\n".join(lines[start:end])


def squeezed(rows: str) -> list[str]:
    """Each line of ``rows`` without the spaces that line entries up in columns."""
    return [re.sub(r"\[ +", "[", " ".join(row.split())) for row in rows.splitlines()]


def test_floats_show_about_six_significant_digits_not_seventeen():
    expected = torch.tensor([0.1 + 0.2, 1 / 3, 2.0], dtype=torch.float64)
    message = failure_of(expect_close, expected + 1, expected, "f(x)")
    assert shown(message, "expected:") == "  expected: [0.3, 0.333333, 2.]"
    assert shown(message, "got:") == "  got:      [1.3, 1.33333, 3.]"
    assert "0.30000000000000004" not in message


def test_values_that_agree_to_six_digits_show_as_many_digits_as_tell_them_apart():
    expected = torch.tensor([1.0000001], dtype=torch.float64)
    message = failure_of(expect_equal, torch.tensor([1.0000002], dtype=torch.float64), expected, "f(x)")
    assert "expected: [1.0000001]" in message and "got:      [1.0000002]" in message


def test_integers_and_bools_show_as_they_are():
    message = failure_of(expect_equal, torch.tensor([1, 2, 4]), torch.tensor([1, 2, 3]), "f(x)")
    assert "expected: [1, 2, 3]" in message and "got:      [1, 2, 4]" in message
    message = failure_of(expect_equal, torch.tensor([True, True]), torch.tensor([True, False]), "f(x)")
    assert "expected: [True, False]" in message and "got:      [True, True]" in message


def test_nan_and_inf_are_readable():
    expected = torch.tensor([float("inf"), float("-inf"), 0.0])
    message = failure_of(expect_equal, torch.tensor([float("nan"), float("-inf"), 0.0]), expected, "f(x)")
    assert "expected: [inf, -inf, 0.]" in message and "got:      [nan, -inf, 0.]" in message


def test_a_4x30_tensor_is_one_row_a_line_not_wrapped_at_80_columns():
    expected = torch.arange(120, dtype=torch.float32).reshape(4, 30) / 7
    message = failure_of(expect_close, expected + 1, expected, "f(x)")
    rows = shown(message, "expected:").splitlines()
    assert len(rows) == 4, rows
    assert all(len(row.split(",")) in (30, 31) for row in rows), rows  # 29 commas inside a row, one after it
    assert squeezed(rows[0])[0].startswith("expected: [[0., 0.142857, ") and squeezed(rows[3])[0].endswith(", 17.]]")
    assert all(row.startswith(" " * 12 + " [") for row in rows[1:]), "rows should line up under the first"


def test_a_large_tensor_is_summarised_on_wide_lines():
    expected = torch.arange(50 * 60, dtype=torch.float32).reshape(50, 60)
    message = failure_of(expect_close, expected + 1, expected, "f(x)")
    rows = squeezed(shown(message, "expected:"))
    assert len(rows) == 7 and rows[3] == "...,", rows  # 3 rows, "...", 3 rows
    assert rows[0] == "expected: [[0., 1., 2., ..., 57., 58., 59.],", rows[0]
    assert rows[-1] == "[2940., 2941., 2942., ..., 2997., 2998., 2999.]]", rows[-1]


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16], ids=str)
def test_16_bit_floats_show_four_significant_digits(dtype):
    expected = torch.tensor([0.1, 1.5, -3.0], dtype=dtype)  # 0.1 is 0.0999755859375 in float16, 0.10009765625 in bf16
    message = failure_of(expect_close, expected * 2, expected, "f(x)")
    first = "0.09998" if dtype == torch.float16 else "0.1001"
    assert shown(message, "expected:") == f"  expected: [{first}, 1.5, -3.]"
    assert shown(message, "got:").startswith("  got:      [0.") and shown(message, "got:").endswith(", 3., -6.]")


def test_empty_and_0_d_tensors():
    message = failure_of(expect_equal, torch.tensor(2.5), torch.tensor(1.5), "f(x)")
    assert "expected: 1.5" in message and "got:      2.5" in message
    assert _preview(torch.zeros(0)) == "[]"
    assert _preview(torch.zeros(2, 0, 3)) == "[[], []]"
    assert _preview(torch.tensor(True)) == "True"
    assert _preview(torch.tensor(7, dtype=torch.int16)) == "7"


def test_a_meta_tensor_shows_that_it_has_no_values():
    assert _preview(torch.zeros(2, 3, device="meta")) == "<a meta tensor of shape (2, 3): no values>"


def test_the_previews_leave_torchs_print_options_alone():
    expected = torch.arange(120, dtype=torch.float32).reshape(4, 30) / 7
    before = repr(expected)
    failure_of(expect_close, expected + 1, expected, "f(x)")
    assert repr(expected) == before


def test_mistakes_replace_the_hint_only_for_the_known_wrong_answer():
    expected = torch.tensor([1.0, 2.0])
    mistakes = [(torch.tensor([2.0, 4.0]), "doubled")]
    assert failure_of(expect_close, torch.tensor([2.0, 4.0]), expected, "f(x)", hint="h", mistakes=mistakes).endswith(
        "\ndoubled"
    )
    assert failure_of(expect_close, torch.tensor([0.0, 4.0]), expected, "f(x)", hint="h", mistakes=mistakes).endswith(
        "\nh"
    )


def test_mistakes_given_as_a_function_are_worked_out_only_for_a_wrong_answer():
    expected = torch.tensor([1.0, 2.0])
    asked = []

    def mistakes():
        asked.append(True)
        return [(torch.tensor([2.0, 4.0]), "doubled")]

    expect_close(expected.clone(), expected, "f(x)", mistakes=mistakes)
    assert not asked
    assert failure_of(expect_close, torch.tensor([2.0, 4.0]), expected, "f(x)", mistakes=mistakes).endswith("\ndoubled")
    assert failure_of(expect_close, expected.double(), expected, "f(x)", mistakes=mistakes)  # a dtype is wrong too


def test_expect_raises_fails_with_its_own_message_alone_when_the_wrong_error_comes():
    def wrong_kind():
        raise RuntimeError("torch's own words")

    with pytest.raises(pytest.fail.Exception) as failure:
        expect_raises(ValueError, wrong_kind, call="f()", hint="raise ValueError")
    assert (
        str(failure.value)
        == "f() should raise ValueError, but it raised RuntimeError: torch's own words\nraise ValueError"
    )
    assert failure.value.__context__ is None, "pytest would print torch's error first, then 'During handling...'"


def test_a_by_hand_caller_refuses_the_shortcuts_explains_torch_s_errors_and_returns_the_result():
    yours = by_hand_caller([(torch, "stack")], "Use unsqueeze and cat.", {"must match the size": "Line them up."})
    assert torch.equal(yours(torch.cat, [torch.zeros(1), torch.ones(1)]), torch.tensor([0.0, 1.0]))
    with pytest.raises(ShortcutTaken, match=r"called torch\.stack: .* by hand\. Use unsqueeze and cat\."):
        yours(lambda: torch.stack([torch.zeros(1)]))
    with pytest.raises(pytest.fail.Exception, match=r"add raised RuntimeError: .*\nLine them up\."):
        yours(torch.add, torch.zeros(2), torch.zeros(3))
    assert torch.stack([torch.zeros(1)]).shape == (1, 1), "outside a call, torch.stack is torch's again"
