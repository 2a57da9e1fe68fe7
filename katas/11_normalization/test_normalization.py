"""Normalization, dropout and initialization by hand. The lesson is README.md beside this file."""

import functools
import math
import re

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from katas.testing import (
    by_hand,
    by_hand_caller,
    distinct_sizes,
    expect_close,
    expect_dtype,
    expect_equal,
    expect_number,
    expect_raises,
    expect_sequence,
    expect_shape,
    expect_tensor,
    explained_call,
    global_generator_use,
    kata_module,
    random_int,
)

norm = kata_module(__file__)

LAYOUTS = {"N,C": lambda n, c: (n, c), "N,C,L": lambda n, c: (n, c, random_int(2, 4))}


# Task 1: Batch normalization in training mode


@pytest.mark.task(1)
@pytest.mark.parametrize("affine", [True, False], ids=["affine", "no-affine"])
@pytest.mark.parametrize("layout", LAYOUTS)
def test_batch_norm_train_normalises_with_the_batch_statistics_like_torch(layout, affine):
    x, weight, bias, momentum, eps = batch(layout, affine=affine)
    running_mean, running_var = running_statistics(x.shape[1])
    got = yours(norm.batch_norm_train, x, running_mean.clone(), running_var.clone(), weight, bias, momentum, eps)
    expected = F.batch_norm(x, running_mean.clone(), running_var.clone(), weight, bias, True, momentum, eps)
    call = f"batch_norm_train(<{tuple(x.shape)} batch>, ..., momentum={momentum:g}, eps={eps:g})"
    expect_close(got, expected, call, mistakes=lambda: batch_norm_mistakes(x, weight, bias, eps))


@pytest.mark.task(1)
@pytest.mark.parametrize("layout", LAYOUTS)
def test_batch_norm_train_updates_the_running_statistics_with_momentum_and_the_unbiased_variance(layout):
    x, weight, bias, momentum, eps = batch(layout)
    running_mean, running_var = running_statistics(x.shape[1])
    got_mean, got_var = running_mean.clone(), running_var.clone()
    yours(norm.batch_norm_train, x, got_mean, got_var, weight, bias, momentum, eps)
    expected_mean, expected_var = running_mean.clone(), running_var.clone()
    F.batch_norm(x, expected_mean, expected_var, weight, bias, True, momentum, eps)
    call = f"batch_norm_train(<{tuple(x.shape)} batch>, running_mean, running_var, momentum={momentum:g})"
    mistakes = functools.partial(running_mistakes, x, running_mean, running_var, momentum)
    expect_close(got_mean, expected_mean, f"running_mean after {call}", mistakes=lambda: mistakes()[0])
    expect_close(got_var, expected_var, f"running_var after {call}", mistakes=lambda: mistakes()[1])


@pytest.mark.task(1)
def test_batch_norm_train_of_a_batch_of_two_normalises_with_the_biased_and_tracks_the_unbiased_variance():
    x, weight, bias, momentum, eps = batch("N,C", batch_size=2)
    running_mean, running_var = running_statistics(x.shape[1])
    got_var = running_var.clone()
    got = yours(norm.batch_norm_train, x, running_mean.clone(), got_var, weight, bias, momentum, eps)
    expected_var = running_var.clone()
    expected = F.batch_norm(x, running_mean.clone(), expected_var, weight, bias, True, momentum, eps)
    call = f"batch_norm_train(<2 x {x.shape[1]} batch>, ...)"
    expect_close(got, expected, call, mistakes=lambda: batch_norm_mistakes(x, weight, bias, eps))
    var_mistakes = functools.partial(running_mistakes, x, running_mean, running_var, momentum)
    expect_close(got_var, expected_var, f"running_var after {call}", mistakes=lambda: var_mistakes()[1])


@pytest.mark.task(1)
def test_batch_norm_train_back_propagates_through_the_batch_statistics_like_torch():
    x, weight, bias, momentum, eps = batch("N,C,L")
    leaves = [t.detach().requires_grad_() for t in (x, weight, bias)]
    upstream = torch.randn_like(x)
    running_mean, running_var = running_statistics(x.shape[1])
    got = yours(
        norm.batch_norm_train, *leaves[:1], running_mean.clone(), running_var.clone(), *leaves[1:], momentum, eps
    )
    got = expect_tensor(got, "batch_norm_train(x, ...)")
    assert got.requires_grad, (
        "batch_norm_train(x, ...) returned a tensor that autograd cannot trace back to x, weight and bias: "
        "compute it with tensor operations, and only the running-statistics update inside torch.no_grad()."
    )
    got_grads = torch.autograd.grad(got, leaves, upstream, allow_unused=True)
    expected_leaves = [t.detach().requires_grad_() for t in (x, weight, bias)]
    expected = F.batch_norm(expected_leaves[0], None, None, *expected_leaves[1:], True, momentum, eps)
    expected_grads = torch.autograd.grad(expected, expected_leaves, upstream)

    def detached():
        variant = batch_norm_variant(*expected_leaves, eps, detach=True)
        return [(torch.autograd.grad(variant, expected_leaves[0], upstream)[0], DETACHED)]

    for name, got_grad, expected_grad in zip(("x", "weight", "bias"), got_grads, expected_grads):
        assert got_grad is not None, f"the gradient of batch_norm_train's output does not reach {name}: use {name}."
        mistakes = detached if name == "x" else ()
        expect_close(got_grad, expected_grad, f"the gradient for {name} of batch_norm_train", mistakes=mistakes)


@pytest.mark.task(1)
def test_batch_norm_train_keeps_the_running_statistics_out_of_autograd():
    x, weight, bias, momentum, eps = batch("N,C")
    x.requires_grad_()
    running_mean, running_var = running_statistics(x.shape[1])
    yours(norm.batch_norm_train, x, running_mean, running_var, weight, bias, momentum, eps)
    for name, buffer in (("running_mean", running_mean), ("running_var", running_var)):
        assert buffer.grad_fn is None and not buffer.requires_grad, (
            f"after batch_norm_train(x, ...) with an x that requires grad, {name} is part of the autograd graph "
            f"(grad_fn {buffer.grad_fn}): every batch would keep the graphs of all the batches before it alive. "
            "Update the running statistics inside `with torch.no_grad():` (or from detached statistics)."
        )


@pytest.mark.task(1)
def test_batch_norm_train_defaults_to_momentum_0_1_and_eps_1e_5():
    x = batch("N,C", affine=False)[0]
    running_mean, running_var = running_statistics(x.shape[1])
    got_mean = running_mean.clone()
    got = yours(norm.batch_norm_train, x, got_mean, running_var.clone())
    expected_mean = running_mean.clone()
    expected = F.batch_norm(x, expected_mean, running_var.clone(), training=True)
    hint = "Called without them, momentum is 0.1 and eps 1e-5, as in nn.BatchNorm1d."
    expect_close(got, expected, f"batch_norm_train(<{tuple(x.shape)} batch>, running_mean, running_var)", hint=hint)
    expect_close(
        got_mean, expected_mean, "running_mean after batch_norm_train(x, running_mean, running_var)", hint=hint
    )


@pytest.mark.task(1)
def test_batch_norm_train_of_a_constant_channel_gives_its_bias_not_nan():
    x, weight, bias, momentum, eps = batch("N,C")
    x[:, 0] = 3.0  # zero variance: only eps keeps the division finite
    running_mean, running_var = running_statistics(x.shape[1])
    got_var = running_var.clone()
    got = yours(norm.batch_norm_train, x, running_mean.clone(), got_var, weight, bias, momentum, eps)
    expected_var = running_var.clone()
    expected = F.batch_norm(x, running_mean.clone(), expected_var, weight, bias, True, momentum, eps)
    hint = "A channel whose values are all equal has variance 0: add eps to the variance, inside the square root."
    expect_close(got, expected, "batch_norm_train(<batch whose channel 0 is constant>, ...)", hint=hint)
    expect_close(got_var, expected_var, "running_var after batch_norm_train(<batch whose channel 0 is constant>, ...)")


@pytest.mark.task(1)
@pytest.mark.parametrize("shape", [(1, 3), (1, 3, 1)], ids=["1xC", "1xCx1"])
def test_batch_norm_train_refuses_one_value_per_channel(shape):
    x = torch.randn(shape, dtype=torch.float64)
    hint = (
        "With one value per channel there is no batch to take statistics of: the variance is 0 and the unbiased "
        "variance 0/0. nn.BatchNorm1d raises ValueError in training mode; check x.numel() // x.shape[1] first."
    )
    call = f"batch_norm_train(<{shape} batch>, ...)"
    with by_hand(SHORTCUTS, advice=BY_HAND):
        error = expect_raises(ValueError, norm.batch_norm_train, x, torch.zeros(3), torch.ones(3), call=call, hint=hint)
    expect_message_gives_shape(error, call, shape)


@pytest.mark.task(1)
def test_batch_norm_train_of_one_sample_with_a_length_takes_statistics_over_the_length():
    x, weight, bias, momentum, eps = batch("N,C,L", batch_size=1)
    running_mean, running_var = running_statistics(x.shape[1])
    got = yours(norm.batch_norm_train, x, running_mean.clone(), running_var.clone(), weight, bias, momentum, eps)
    expected = F.batch_norm(x, running_mean.clone(), running_var.clone(), weight, bias, True, momentum, eps)
    call = f"batch_norm_train(<{tuple(x.shape)} batch: one sample, length {x.shape[2]}>, ...)"
    hint = "A (1, C, L) batch has L values per channel: enough for statistics. Count every value of a channel."
    expect_close(got, expected, call, hint=hint, mistakes=lambda: batch_norm_mistakes(x, weight, bias, eps))


@pytest.mark.task(1)
def test_batch_norm_train_takes_a_non_contiguous_float32_batch():
    c, n = distinct_sizes(2, low=3)
    x = (torch.randn(c, n) * 2 + 1).t()  # a transposed view: its rows are not contiguous in memory
    running_mean, running_var = running_statistics(c, torch.float32)
    got_mean = running_mean.clone()
    got = yours(norm.batch_norm_train, x, got_mean, running_var.clone(), None, None, 0.1, 1e-5)
    expected_mean = running_mean.clone()
    expected = F.batch_norm(x, expected_mean, running_var.clone(), None, None, True, 0.1, 1e-5)
    expect_close(got, expected, f"batch_norm_train(<{n} x {c} transposed float32 batch>, ...)")
    expect_close(got_mean, expected_mean, "running_mean after batch_norm_train(<transposed float32 batch>, ...)")


# Task 2: A BatchNorm module, and evaluation mode


@pytest.mark.task(2)
def test_batchnorm1d_starts_with_weight_ones_bias_zeros_and_the_running_statistics_as_buffers():
    c = random_int(2, 6)
    module = yours(norm.BatchNorm1d, c)
    call = f"BatchNorm1d({c})"
    parameters, buffers = dict(module.named_parameters()), dict(module.named_buffers())
    for name in ("running_mean", "running_var"):
        assert name not in parameters, (
            f"{call} has {name} as a parameter: an optimizer would train it. Running statistics are state, not "
            f"weights: self.register_buffer({name!r}, ...)."
        )
        assert name in buffers, (
            f"{call} has no buffer {name}; it has buffers {sorted(buffers)}. A plain attribute is neither moved by "
            f".to(device) nor saved in state_dict: self.register_buffer({name!r}, ...)."
        )
    for name in ("weight", "bias"):
        assert name in parameters, f"{call} has no parameter {name}; it has {sorted(parameters)}: use nn.Parameter."
    for name, value in (("weight", 1.0), ("bias", 0.0), ("running_mean", 0.0), ("running_var", 1.0)):
        expected = torch.full((c,), value)
        expect_close(getattr(module, name), expected, f"{call}.{name}", check_dtype=False)
    assert (module.eps, module.momentum) == (1e-5, 0.1), (
        f"{call} has eps={module.eps} and momentum={module.momentum}; the defaults are eps=1e-5 and momentum=0.1."
    )


@pytest.mark.task(2)
@pytest.mark.parametrize("layout", LAYOUTS)
def test_batchnorm1d_matches_nn_batchnorm1d_step_for_step_in_training_then_in_evaluation(layout):
    c = random_int(2, 5)
    eps, momentum = float(torch.empty(()).uniform_(1e-4, 1e-2)), float(torch.empty(()).uniform_(0.05, 0.5))
    mine = yours(norm.BatchNorm1d, c, eps, momentum).double()
    theirs = nn.BatchNorm1d(c, eps=eps, momentum=momentum).double()
    with torch.no_grad():
        for module in (mine, theirs):
            module.weight.copy_(torch.linspace(0.5, 2.0, c))
            module.bias.copy_(torch.linspace(-1.0, 1.0, c))
    call = f"BatchNorm1d({c}, eps={eps:.3g}, momentum={momentum:.3g})"
    for step in range(3):
        x = batch(layout, channels=c, batch_size=2 if step == 1 else None)[0]
        upstream = torch.randn_like(x)
        got, expected = yours(mine, x), theirs(x)
        expect_close(got, expected, f"{call} in training mode, step {step + 1}, on a {tuple(x.shape)} batch")
        got_grads = torch.autograd.grad(got, (mine.weight, mine.bias), upstream, allow_unused=True)
        expected_grads = torch.autograd.grad(expected, (theirs.weight, theirs.bias), upstream)
        for name, got_grad, expected_grad in zip(("weight", "bias"), got_grads, expected_grads):
            assert got_grad is not None, f"{call}'s output does not depend on self.{name}: scale and shift with it."
            expect_close(got_grad, expected_grad, f"the gradient for {name} at step {step + 1} of {call}")
        for name in ("running_mean", "running_var"):
            expect_close(getattr(mine, name), getattr(theirs, name), f"{call}.{name} after step {step + 1}")
    mine.eval()
    theirs.eval()
    x = batch(layout, channels=c)[0]
    with torch.no_grad():
        train_mode = F.batch_norm(x, None, None, mine.weight, mine.bias, True, momentum, eps)
        no_eps = (x - mine.running_mean.reshape(channel(x))) / mine.running_var.sqrt().reshape(channel(x))
        no_eps = no_eps * mine.weight.reshape(channel(x)) + mine.bias.reshape(channel(x))
        got, expected = yours(mine, x), theirs(x)
    for name in ("running_mean", "running_var"):
        hint = "Evaluation must not learn from the data it sees: update the running statistics only in training."
        expect_close(
            getattr(mine, name), getattr(theirs, name), f"{call}.{name} after a batch in evaluation", hint=hint
        )
    mistakes = [(train_mode, LEFT_IN_TRAIN_MODE), (no_eps, "Add eps to the running variance, as in training.")]
    expect_close(got, expected, f"{call} in evaluation mode, after 3 steps", mistakes=mistakes)


@pytest.mark.task(2)
def test_batchnorm1d_in_evaluation_mode_gives_a_sample_the_same_output_alone_or_in_any_batch():
    c = random_int(2, 5)
    model = yours(norm.BatchNorm1d, c).double()
    for _ in range(3):
        yours(model, batch("N,C", channels=c)[0])  # training: the running statistics move
    model.eval()
    x = batch("N,C", channels=c)[0]
    with torch.no_grad():
        whole = expect_tensor(yours(model, x), "BatchNorm1d in evaluation mode")
        alone = yours(model, x[:1])
        expected = F.batch_norm(x, model.running_mean, model.running_var, model.weight, model.bias, False, 0.1, 1e-5)
    expect_close(whole, expected, f"BatchNorm1d({c}).eval() on a {tuple(x.shape)} batch", hint=LEFT_IN_TRAIN_MODE)
    expect_close(
        alone, expected[:1], "BatchNorm1d in evaluation mode on a batch of one sample", hint=LEFT_IN_TRAIN_MODE
    )


@pytest.mark.task(2)
def test_batchnorm1d_in_evaluation_mode_leaves_the_running_statistics_alone():
    c = random_int(2, 5)
    model = yours(norm.BatchNorm1d, c).double()
    yours(model, batch("N,C", channels=c)[0])
    before = {name: buffer.clone() for name, buffer in model.named_buffers()}
    model.eval()
    with torch.no_grad():
        for _ in range(2):
            yours(model, batch("N,C", channels=c)[0])
    for name, buffer in model.named_buffers():
        hint = "Evaluation must not learn from the data it sees: update the running statistics only in training."
        expect_equal(buffer, before[name], f"{name} after two batches in evaluation mode", hint=hint)


# Task 3: Layer normalization and RMS normalization


NORMALIZED = {"last-dim-int": 1, "last-dim-tuple": (1,), "last-two-dims": (2,)}  # how many trailing dims, as given


@pytest.mark.task(3)
@pytest.mark.parametrize("affine", [True, False], ids=["affine", "no-affine"])
@pytest.mark.parametrize("normalized", NORMALIZED)
def test_layer_norm_matches_torch(normalized, affine):
    x, shape, weight, bias, eps = features(normalized, affine=affine)
    got = yours(norm.layer_norm, x, shape, weight, bias, eps)
    expected = F.layer_norm(x, as_tuple(shape), weight, bias, eps)
    call = (
        f"layer_norm(<{tuple(x.shape)} tensor>, {shape!r}, {'weight, bias' if affine else 'None, None'}, eps={eps:g})"
    )
    expect_close(got, expected, call, mistakes=lambda: layer_norm_mistakes(x, shape, weight, bias, eps))


@pytest.mark.task(3)
def test_layer_norm_defaults_to_eps_1e_5():
    x, shape, weight, bias, _ = features("last-two-dims")
    got = yours(norm.layer_norm, x, shape, weight, bias)
    expected = F.layer_norm(x, as_tuple(shape), weight, bias)
    call = f"layer_norm(<{tuple(x.shape)} tensor>, {shape!r}, weight, bias)"
    expect_close(got, expected, call, hint="Called without it, eps is 1e-5, as in nn.LayerNorm.")


@pytest.mark.task(3)
def test_layer_norm_back_propagates_like_torch():
    x, shape, weight, bias, eps = features("last-two-dims")
    upstream = torch.randn_like(x)
    grads = []
    for function in (lambda *args: yours(norm.layer_norm, *args), F.layer_norm):
        leaves = [t.detach().requires_grad_() for t in (x, weight, bias)]
        out = function(leaves[0], as_tuple(shape), *leaves[1:], eps)
        out = expect_tensor(out, "layer_norm(x, ...)")
        assert out.requires_grad, "layer_norm(x, ...) returned a tensor cut off from autograd: no .detach() or .item()."
        grads.append(torch.autograd.grad(out, leaves, upstream, allow_unused=True))
    for name, got, expected in zip(("x", "weight", "bias"), *grads):
        assert got is not None, f"the output of layer_norm does not depend on {name}: use it."
        expect_close(got, expected, f"the gradient for {name} of layer_norm(<{tuple(x.shape)} tensor>, {shape})")


@pytest.mark.task(3)
@pytest.mark.filterwarnings(r"ignore:var\(\)")  # torch warns of the variance of an empty batch's rows
@pytest.mark.parametrize("kind", ["constant-row", "non-contiguous", "empty-batch", "float32"])
def test_layer_norm_takes_constant_rows_non_contiguous_empty_and_float32_inputs(kind):
    x, shape, weight, bias, eps = features("last-dim-int")
    hint = ""
    if kind == "constant-row":
        x[0, 0] = -2.0
        hint = "A row whose values are all equal has variance 0: add eps inside the square root, so you get the bias."
    elif kind == "non-contiguous":
        x = x.transpose(0, 1).contiguous().transpose(0, 1)
    elif kind == "empty-batch":
        x = x[:0]
    else:
        x, weight, bias = x.float(), weight.float(), bias.float()
    got = yours(norm.layer_norm, x, shape, weight, bias, eps)
    expected = F.layer_norm(x, as_tuple(shape), weight, bias, eps)
    expect_close(got, expected, f"layer_norm(<{kind} {tuple(x.shape)} tensor>, {shape})", hint=hint)


@pytest.mark.task(3)
@pytest.mark.parametrize("dtype", [torch.float64, torch.float32], ids=str)
@pytest.mark.parametrize("affine", [True, False], ids=["weight", "no-weight"])
@pytest.mark.parametrize("normalized", NORMALIZED)
def test_rms_norm_matches_torch_with_its_default_eps(normalized, affine, dtype):
    x, shape, weight, _, _ = features(normalized, affine=affine, dtype=dtype)
    got = yours(norm.rms_norm, x, shape, weight)
    expected = F.rms_norm(x, as_tuple(shape), weight)
    call = f"rms_norm(<{tuple(x.shape)} {dtype} tensor>, {shape!r}{', weight' if affine else ''})"
    expect_close(got, expected, call, mistakes=lambda: rms_norm_mistakes(x, shape, weight, None))


@pytest.mark.task(3)
def test_rms_norm_uses_the_eps_it_is_given():
    x, shape, weight, _, eps = features("last-two-dims")
    got = yours(norm.rms_norm, x, shape, weight, eps)
    expected = F.rms_norm(x, as_tuple(shape), weight, eps)
    call = f"rms_norm(<{tuple(x.shape)} tensor>, {shape!r}, weight, eps={eps:g})"
    expect_close(got, expected, call, mistakes=lambda: rms_norm_mistakes(x, shape, weight, eps))


@pytest.mark.task(3)
@pytest.mark.parametrize("kind", ["zero-row", "non-contiguous", "empty-batch"])
def test_rms_norm_takes_zero_rows_non_contiguous_and_empty_inputs(kind):
    x, shape, weight, _, _ = features("last-dim-int")
    hint = ""
    if kind == "zero-row":
        x[0, 0] = 0.0
        hint = "A row of zeros has RMS 0: add eps inside the square root, so that you get zeros, not nan."
    elif kind == "non-contiguous":
        x = x.transpose(0, 1).contiguous().transpose(0, 1)
    else:
        x = x[:0]
    got = yours(norm.rms_norm, x, shape, weight)
    expect_close(got, F.rms_norm(x, as_tuple(shape), weight), f"rms_norm(<{kind} {tuple(x.shape)} tensor>)", hint=hint)


@pytest.mark.task(3)
def test_rms_norm_back_propagates_like_torch():
    x, shape, weight, _, _ = features("last-two-dims")
    upstream = torch.randn_like(x)
    grads = []
    for function in (lambda *args: yours(norm.rms_norm, *args), F.rms_norm):
        leaves = [t.detach().requires_grad_() for t in (x, weight)]
        out = expect_tensor(function(leaves[0], as_tuple(shape), leaves[1]), "rms_norm(x, ...)")
        assert out.requires_grad, "rms_norm(x, ...) returned a tensor cut off from autograd: no .detach() or .item()."
        grads.append(torch.autograd.grad(out, leaves, upstream, allow_unused=True))
    for name, got, expected in zip(("x", "weight"), *grads):
        assert got is not None, f"the output of rms_norm does not depend on {name}: use it."
        expect_close(got, expected, f"the gradient for {name} of rms_norm(<{tuple(x.shape)} tensor>, {shape})")


# Task 4: Dropout


@pytest.mark.task(4)
@pytest.mark.parametrize("p", [0.2, 0.5, 0.75])
def test_dropout_zeroes_elements_and_scales_the_others_by_one_over_one_minus_p(p):
    x = torch.randn(100, 200, dtype=torch.float64) + 3.0  # no zeros: a zero in the output was dropped
    got = expect_tensor(yours(norm.dropout, x, p), f"dropout(x, p={p})")
    expect_shape(got, x.shape, f"dropout(<{tuple(x.shape)} tensor>, p={p})")
    kept = got != 0
    expect_close(
        got[kept],
        x[kept] / (1 - p),
        f"the elements that dropout(x, p={p}) kept",
        mistakes=[
            (x[kept], "Inverted dropout scales what it keeps by 1 / (1 - p), so that the expected value stays x."),
            (x[kept] * p, f"You multiplied by p; scale by 1 / (1 - p) = {1 / (1 - p):g}."),
            (
                x[kept] / p,
                f"You divided by p, the drop probability; divide by 1 - p, the keep probability ({1 - p:g}).",
            ),
            (x[kept] * (1 - p), "You multiplied by 1 - p: divide by it."),
        ],
    )


@pytest.mark.task(4)
def test_dropout_draws_every_element_independently():
    x = torch.rand(64, 100, dtype=torch.float64) + 1.0
    dropped = expect_tensor(yours(norm.dropout, x, 0.5), "dropout(x, p=0.5)") == 0
    same_rows = bool((dropped == dropped[0]).all())
    same_columns = bool((dropped == dropped[:, :1]).all())
    assert not same_rows, (
        "dropout(<64 x 100 tensor>, p=0.5) dropped the same columns in every row: draw one random number per "
        "element, torch.rand(x.shape), not one per column."
    )
    assert not same_columns, (
        "dropout(<64 x 100 tensor>, p=0.5) dropped whole rows: draw one random number per element, "
        "torch.rand(x.shape), not one per row."
    )


@pytest.mark.task(4)
@pytest.mark.parametrize("p", [0.2, 0.7, None], ids=["p=0.2", "p=0.7", "default"])
def test_dropout_drops_a_fraction_p_of_the_elements(p):
    x = torch.rand(200, 500, dtype=torch.float64) + 1.0
    got = expect_tensor(yours(norm.dropout, x) if p is None else yours(norm.dropout, x, p), f"dropout(x, p={p})")
    p = 0.5 if p is None else p
    dropped = float((got == 0).double().mean())
    sigma = math.sqrt(p * (1 - p) / x.numel())
    hint = (
        f"p is the probability to drop an element (zero it), not to keep it; by default 0.5. About {p:.0%} should be 0."
    )
    if abs(dropped - (1 - p)) < 6 * sigma:
        hint = f"You dropped a fraction 1 - p = {1 - p:g}: p is the probability to drop, so keep where rand >= p."
    assert abs(dropped - p) < 6 * sigma, f"dropout(<{x.numel()} elements>, p={p}) zeroed {dropped:.2%} of them. {hint}"


@pytest.mark.task(4)
def test_dropout_with_p_0_returns_x_and_with_p_1_zeros_not_nan():
    x = torch.randn(5, 7, dtype=torch.float64)
    expect_close(yours(norm.dropout, x, 0.0), x, "dropout(x, p=0.0)", hint="p = 0 drops nothing and scales by 1.")
    zeros = torch.zeros_like(x)
    nan = torch.full_like(x, math.nan)
    hint = "p = 1 drops everything: return x * 0 (zeros that keep the graph); 1 / (1 - p) would be 1 / 0."
    expect_close(yours(norm.dropout, x, 1.0), zeros, "dropout(x, p=1.0)", mistakes=[(nan, hint)], hint=hint)


@pytest.mark.task(4)
@pytest.mark.parametrize("p", [0.5, 1.0])
def test_dropout_in_evaluation_returns_x_unchanged_and_draws_nothing(p):
    x = torch.randn(6, 9, dtype=torch.float64)
    state = torch.get_rng_state()
    got = yours(norm.dropout, x, p, False)
    hint = "With training=False dropout is the identity: return x as it is, unscaled, without drawing anything."
    expect_equal(got, x, f"dropout(x, p={p}, training=False)", hint=hint)
    assert torch.equal(torch.get_rng_state(), state), (
        f"dropout(x, p={p}, training=False) drew random numbers from torch's global generator: in evaluation it "
        "returns x before drawing anything."
    )


@pytest.mark.task(4)
def test_dropout_with_a_generator_is_reproducible_and_leaves_the_global_generator_alone():
    x = torch.randn(30, 40, dtype=torch.float64)
    state = torch.get_rng_state()
    first = yours(norm.dropout, x, 0.5, True, torch.Generator().manual_seed(7))
    moved = not torch.equal(torch.get_rng_state(), state)
    second = yours(norm.dropout, x, 0.5, True, torch.Generator().manual_seed(7))
    other = yours(norm.dropout, x, 0.5, True, torch.Generator().manual_seed(8))

    def drew_from(generator):
        return torch.equal(first, x * (torch.rand(x.shape, generator=generator) >= 0.5) / 0.5)

    assert not moved, (
        "dropout(x, 0.5, True, generator) moved torch's global random state: "
        + global_generator_use(state, 7, drew_from)
        + "Pass generator=generator to torch.rand."
    )
    expect_equal(second, first, "dropout(x, 0.5, True, <generator seeded 7>) a second time", hint=SAME_SEED)
    assert not torch.equal(other, first), (
        "dropout with generators seeded 7 and 8 dropped the same elements. " + SAME_SEED
    )


@pytest.mark.task(4)
@pytest.mark.parametrize("p", [-0.1, 1.5])
def test_dropout_refuses_a_p_outside_0_to_1(p):
    x = torch.randn(3, 4)
    hint = "p is a probability: raise ValueError (naming p) unless 0 <= p <= 1, as F.dropout does."
    with by_hand(SHORTCUTS, advice=BY_HAND):
        expect_raises(ValueError, norm.dropout, x, p, call=f"dropout(x, p={p})", hint=hint, naming=(str(p),))


@pytest.mark.task(4)
@pytest.mark.parametrize("p", [0.3, 1.0])
def test_dropout_back_propagates_through_the_kept_elements_scaled(p):
    x = (torch.randn(20, 30, dtype=torch.float64) + 3.0).requires_grad_()
    upstream = torch.randn_like(x)
    got = expect_tensor(yours(norm.dropout, x, p), f"dropout(x, p={p})")
    assert got.requires_grad, (
        f"dropout(x, p={p}) returned a tensor cut off from autograd: build it from x (x * mask / (1 - p), or x * 0 "
        "for p = 1), not with torch.zeros_like or .detach()."
    )
    (grad,) = torch.autograd.grad(got, x, upstream)
    expected = upstream * (got.detach() != 0) / (1 - p) if p < 1 else torch.zeros_like(x)
    expect_close(grad, expected, f"the gradient of dropout(x, p={p})", hint="Kept elements pass it on times 1/(1-p).")


@pytest.mark.task(4)
def test_dropout_draws_its_mask_on_the_device_of_x(device):
    x = torch.rand(40, 50, device=device) + 1.0
    got = yours(norm.dropout, x, 0.5)
    call = f"dropout(<tensor on {device}>, p=0.5)"
    hint = "Draw the mask where x is: torch.rand(x.shape, device=x.device, ...)."
    got = expect_tensor(got, call, hint=hint)
    assert got.device == x.device, f"{call} returned a tensor on {got.device}. {hint}"
    assert bool(((got == 0) | torch.isclose(got, x * 2)).all()), f"{call}: each element should be 0 or 2 * x."


@pytest.mark.task(4)
@pytest.mark.parametrize("kind", ["0-d", "empty", "non-contiguous-float32"])
def test_dropout_keeps_the_shape_and_dtype_of_0_d_empty_and_non_contiguous_tensors(kind):
    x = {"0-d": torch.tensor(2.5, dtype=torch.float64), "empty": torch.ones(0, 3, dtype=torch.float64)}.get(kind)
    if x is None:
        x = (torch.rand(8, 5) + 1.0).t()
    got = yours(norm.dropout, x, 0.5)
    call = f"dropout(<{kind} tensor of shape {tuple(x.shape)}>, p=0.5)"
    expect_shape(got, x.shape, call, hint="Draw the mask with x's shape: torch.rand(x.shape, ...).")
    expect_dtype(got, x.dtype, call, hint="Keep x's dtype: the mask is bool, or cast it to x's dtype.")
    assert bool(((got == 0) | torch.isclose(got, x * 2)).all()), f"{call} returned {got}: each should be 0 or 2 * x."


# Task 5: Xavier and Kaiming initialization


FAN_SHAPES = {"linear": 2, "conv1d": 3, "conv2d": 4}  # how many dims the weight has


@pytest.mark.task(5)
@pytest.mark.parametrize("layer", FAN_SHAPES)
def test_fan_in_and_fan_out_count_the_inputs_and_outputs_of_a_unit_times_the_kernel(layer):
    shape = distinct_sizes(FAN_SHAPES[layer])
    weight = torch.empty(shape)
    expected = nn.init._calculate_fan_in_and_fan_out(weight)
    got = expect_sequence(yours(norm.fan_in_and_fan_out, weight), 2, f"fan_in_and_fan_out(<{shape} weight>)")
    got = tuple(int(expect_number(fan, "fan_in_and_fan_out", "a number")) for fan in got)
    kernel = math.prod(shape[2:])
    hint = f"A weight of shape (out, in, *kernel) has fan_in = in * kernel = {expected[0]} and fan_out = out * kernel."
    if got == expected[::-1]:
        hint = "You swapped them: nn.Linear(in, out).weight has shape (out, in), so fan_in is size(1), fan_out size(0)."
    elif got == (shape[1], shape[0]) and kernel > 1:
        hint = f"Each input (output) channel touches a whole kernel of {kernel} weights: multiply by the kernel's size."
    assert got == expected, f"fan_in_and_fan_out(<{shape} weight>) returned {got}; expected {expected}. {hint}"


@pytest.mark.task(5)
@pytest.mark.parametrize("shape", [(5,), ()], ids=["1-d", "0-d"])
def test_fan_in_and_fan_out_refuse_a_weight_of_fewer_than_2_dims(shape):
    hint = "A bias or a scalar has no inputs and outputs to count: raise ValueError, as torch.nn.init does."
    call = f"fan_in_and_fan_out(<{shape} tensor>)"
    with by_hand(SHORTCUTS, advice=BY_HAND):
        error = expect_raises(ValueError, norm.fan_in_and_fan_out, torch.empty(shape), call=call, hint=hint)
    expect_message_gives_shape(error, call, shape)


@pytest.mark.task(5)
@pytest.mark.parametrize("gain", [1.0, 5 / 3], ids=["gain-1", "gain-tanh"])
@pytest.mark.parametrize("layer", ["linear", "conv2d"])
def test_xavier_uniform_draws_from_plus_minus_gain_sqrt_6_over_fan_in_plus_fan_out(layer, gain):
    weight = big_weight(layer)
    fan_in, fan_out = nn.init._calculate_fan_in_and_fan_out(weight)
    call = f"xavier_uniform_(<{tuple(weight.shape)} weight>, gain={gain:.3g})"
    got = filled(norm.xavier_uniform_, weight, call, gain)
    bound = gain * math.sqrt(6 / (fan_in + fan_out))
    uniform = 1 / math.sqrt(3)  # the std of U(-a, a) is a / sqrt(3)
    mistakes = [
        (
            gain * math.sqrt(6 / fan_in) * uniform,
            "Xavier averages both fans: sqrt(6 / (fan_in + fan_out)), not fan_in.",
        ),
        (gain * math.sqrt(6 / fan_out) * uniform, "Xavier uses fan_in + fan_out, not fan_out alone."),
        (
            gain * math.sqrt(2 / (fan_in + fan_out)),
            "sqrt(2 / (fan_in + fan_out)) is the std of xavier_normal_; the "
            "uniform bound is sqrt(6 / (fan_in + fan_out)), since U(-a, a) has std a / sqrt(3).",
        ),
        (gain * math.sqrt(2 / (fan_in + fan_out)) * uniform, "The bound is sqrt(6 / ...), not sqrt(2 / ...)."),
        (math.sqrt(6 / (fan_in + fan_out)) * uniform, f"Multiply the bound by gain ({gain:.3g})."),
    ]
    expect_spread(got, bound * uniform, call, mistakes, torch.nn.init.xavier_uniform_)
    largest = float(got.abs().max())
    assert largest <= bound * (1 + 1e-6), (
        f"{call} drew {largest:.4g}, beyond the bound a = {bound:.4g}: draw from U(-a, a) (weight.uniform_(-a, a)), "
        "not from a normal distribution."
    )
    assert largest > 0.99 * bound, f"{call} drew nothing beyond {largest:.4g}; U(-a, a) reaches a = {bound:.4g}."


@pytest.mark.task(5)
@pytest.mark.parametrize("mode", ["fan_in", "fan_out", None], ids=["fan_in", "fan_out", "default"])
@pytest.mark.parametrize("layer", ["linear", "conv2d"])
def test_kaiming_normal_draws_with_std_sqrt_2_over_the_fan(layer, mode):
    weight = big_weight(layer)
    fan_in, fan_out = nn.init._calculate_fan_in_and_fan_out(weight)
    fan, other = (fan_out, fan_in) if mode == "fan_out" else (fan_in, fan_out)
    shown = "" if mode is None else f", mode={mode!r}"
    call = f"kaiming_normal_(<{tuple(weight.shape)} weight>{shown})"
    got = filled(norm.kaiming_normal_, weight, call, *([] if mode is None else [mode]))
    default = " (the default mode is 'fan_in')" if mode is None else ""
    mistakes = [
        (
            math.sqrt(1 / fan),
            "ReLU zeroes half of its inputs and so halves the variance: the gain sqrt(2) makes up for "
            "it. std = sqrt(2 / fan).",
        ),
        (
            math.sqrt(2 / other),
            f"You used the other fan{default}: 'fan_in' is size(1) * kernel, 'fan_out' size(0) * kernel.",
        ),
        (2 / fan, "2 / fan is the variance: the std is its square root, sqrt(2 / fan)."),
        (math.sqrt(2 / (fan_in + fan_out)), "That is Xavier's normal std, from both fans; Kaiming uses one fan."),
        (math.sqrt(2 / fan) / math.sqrt(3), "That is the std of U(-std, std): draw from a normal, weight.normal_."),
    ]
    expect_spread(got, math.sqrt(2 / fan), call, mistakes, torch.nn.init.kaiming_normal_)
    std = math.sqrt(2 / fan)
    beyond = float((got.abs() > 2 * std).double().mean())
    assert 0.035 < beyond < 0.057, (
        f"{call}: {beyond:.2%} of the weights lie beyond 2 std, where a normal distribution has 4.55%. "
        "Draw from N(0, std²): weight.normal_(0, std)."
    )


@pytest.mark.task(5)
def test_kaiming_normal_refuses_an_unknown_mode():
    hint = "mode is 'fan_in' or 'fan_out': raise ValueError naming anything else, so that a typo is not ignored."
    with by_hand(SHORTCUTS, advice=BY_HAND):
        call = "kaiming_normal_(weight, mode='fan_avg')"
        expect_raises(
            ValueError, norm.kaiming_normal_, torch.empty(4, 3), "fan_avg", call=call, hint=hint, naming=("fan_avg",)
        )


@pytest.mark.task(5)
@pytest.mark.parametrize("name", ["xavier_uniform_", "kaiming_normal_"])
def test_initializers_fill_a_parameter_in_place_outside_autograd_and_return_it(name):
    layer = nn.Linear(*distinct_sizes(2, low=3))
    weight = layer.weight
    address, before = weight.data_ptr(), weight.detach().clone()
    call = f"{name}(nn.Linear(...).weight)"
    got = filled(getattr(norm, name), weight, call)
    assert got is weight, (
        f"{call} returned {type(got).__name__} {'' if got is None else 'another tensor'}: fill the parameter in "
        "place (weight.normal_(...), weight.uniform_(...)) and return that same tensor, as torch.nn.init does."
    )
    assert weight.data_ptr() == address and not torch.equal(weight.detach(), before), (
        f"{call} did not change the weight in place: a trailing _ means in place (weight.normal_, weight.uniform_)."
    )
    assert weight.requires_grad and weight.grad_fn is None, (
        f"after {call} the weight has requires_grad={weight.requires_grad} and grad_fn={weight.grad_fn}: it must "
        "stay a leaf that requires grad. Fill it inside `with torch.no_grad():`."
    )


@pytest.mark.task(5)
@pytest.mark.parametrize("name", ["xavier_uniform_", "kaiming_normal_"])
def test_initializers_with_a_generator_are_reproducible_and_leave_the_global_generator_alone(name):
    init = getattr(norm, name)
    state = torch.get_rng_state()
    first = filled(
        init, torch.empty(6, 5), f"{name}(weight, generator=...)", generator=torch.Generator().manual_seed(3)
    )
    moved = not torch.equal(torch.get_rng_state(), state)
    second = filled(init, torch.empty(6, 5), name, generator=torch.Generator().manual_seed(3))
    assert not moved, (
        f"{name}(weight, generator=generator) moved torch's global random state: pass generator=generator to "
        "weight.normal_ or weight.uniform_."
    )
    expect_equal(second, first, f"{name}(weight, generator=<seeded 3>) a second time", hint=SAME_SEED)


@pytest.mark.task(5)
def test_a_deep_relu_stack_keeps_its_activation_scale_with_kaiming_and_loses_it_with_xavier():
    x = torch.randn(64, 128)
    with by_hand(SHORTCUTS, advice=BY_HAND):
        kaiming, xavier = relu_stack_stds(norm.kaiming_normal_, x), relu_stack_stds(norm.xavier_uniform_, x)
    ratio = float(kaiming[-1] / kaiming[0])
    assert 1 / 3 < ratio < 3, (
        f"Through 30 layers of Linear(128, 128) and ReLU initialised with your kaiming_normal_, the activations' std "
        f"went from {float(kaiming[0]):.3g} to {float(kaiming[-1]):.3g} (x {ratio:.3g}). With std = sqrt(2 / fan_in) "
        "each layer keeps the scale; without the sqrt(2) it halves the variance at every layer."
    )
    ratio = float(xavier[-1] / xavier[0])
    assert ratio < 1e-3, (
        f"With your xavier_uniform_, the std went from {float(xavier[0]):.3g} to {float(xavier[-1]):.3g} (x {ratio:.3g}) "
        "over 30 ReLU layers: Xavier keeps the variance of a linear layer, and each ReLU halves it, so it should "
        "collapse by about 2^-15. Is your bound gain * sqrt(6 / (fan_in + fan_out))?"
    )


# --- Helpers ---

SHORTCUTS = [  # what "by hand" rules out: the library calls this kata teaches
    (owner, name)
    for owner, names in [
        (F, ("batch_norm", "layer_norm", "rms_norm", "group_norm", "instance_norm", "dropout", "dropout1d")),
        (torch, ("batch_norm", "native_batch_norm", "layer_norm", "native_layer_norm", "rms_norm", "dropout")),
        (torch, ("native_dropout", "feature_dropout", "dropout_")),
        (nn.modules.batchnorm._BatchNorm, ("forward",)),
        (nn.LayerNorm, ("forward",)),
        (nn.RMSNorm, ("forward",)),
        (nn.Dropout, ("forward",)),
        (nn.init, ("xavier_uniform_", "xavier_normal_", "kaiming_uniform_", "kaiming_normal_", "calculate_gain")),
        (nn.init, ("_calculate_fan_in_and_fan_out", "_calculate_correct_fan", "trunc_normal_")),
    ]
    for name in names
]
BY_HAND = "README.md lists the building blocks you may use."
DETACHED = (
    "The batch mean and variance depend on x, and the gradient flows through them too: don't detach them when you "
    "normalise (only the running-statistics update stays outside autograd)."
)
LEFT_IN_TRAIN_MODE = (
    "In evaluation mode you normalised with the batch's own statistics: that is a model left in training mode, the "
    "classic bug. Each sample's prediction then depends on the rest of its batch, and a batch of one breaks. "
    "When not self.training, use running_mean and running_var."
)
SAME_SEED = "Draw every random number from the generator you are given (generator=generator): same seed, same result."


EXPLANATIONS = {
    "view size is not compatible": "view needs a tensor laid out contiguously in memory, and a transposed or sliced "
    "one is not: use reshape, which copies when it must.",
    "leaf Variable that requires grad": "Fill the weight inside `with torch.no_grad():`: autograd refuses to "
    "record an in-place change of a leaf that requires grad.",
}
yours = by_hand_caller(SHORTCUTS, BY_HAND, EXPLANATIONS)  # your module's functions, the shortcuts refused


def expect_message_gives_shape(error, call, shape):
    """Fail unless the message of ``error`` gives the sizes of ``shape``, in order, in any notation."""
    __tracebackhide__ = True
    numbers = tuple(int(number) for number in re.findall(r"\d+", str(error)))
    found = any(numbers[start : start + len(shape)] == tuple(shape) for start in range(len(numbers)))
    assert found, (
        f"{call} raised ValueError({str(error)!r}): say what came in. The message should give the shape "
        f"{tuple(shape)}, in any notation."
    )


def channel(x):
    """The shape that broadcasts a per-channel statistic over ``x``: (1, C) or (1, C, 1)."""
    return (1, -1) + (1,) * (x.dim() - 2)


def batch(layout, affine=True, channels=None, batch_size=None):
    """A float64 batch whose channels have different means and spreads, one of them so small that eps matters;
    weight, bias (or None), momentum and eps."""
    c = channels or random_int(3, 6)
    n = batch_size or random_int(3, 7)
    x = torch.randn(LAYOUTS[layout](n, c), dtype=torch.float64)
    scales = torch.rand(c, dtype=torch.float64) * 3 + 0.5
    scales[-1] = 3e-3  # variance ~1e-5: eps is no rounding error here
    x = x * scales.reshape(channel(x)) + torch.randn(c, dtype=torch.float64).reshape(channel(x))
    weight = torch.rand(c, dtype=torch.float64) + 0.5 if affine else None
    bias = torch.randn(c, dtype=torch.float64) if affine else None
    momentum = float(torch.empty(()).uniform_(0.05, 0.5))
    eps = [1e-5, 1e-3][random_int(0, 1)]
    return x, weight, bias, momentum, eps


def running_statistics(c, dtype=torch.float64):
    """Running statistics as after some training: neither zeros nor ones, so that every mix-up shows."""
    return torch.randn(c, dtype=dtype), torch.rand(c, dtype=dtype) + 0.5


def batch_norm_variant(x, weight, bias, eps, correction=0, eps_outside=False, dims=None, detach=False):
    """Batch normalization as a learner might write it (the right way with the defaults)."""
    dims = [0, *range(2, x.dim())] if dims is None else dims
    mean, var = x.mean(dims, keepdim=True), x.var(dims, keepdim=True, correction=correction)
    if detach:
        mean, var = mean.detach(), var.detach()
    out = (x - mean) / (var.sqrt() + eps if eps_outside else (var + eps).sqrt())
    if weight is not None:
        out = out * weight.reshape(channel(x)) + bias.reshape(channel(x))
    return out


def batch_norm_mistakes(x, weight, bias, eps):
    mistakes = [
        (
            batch_norm_variant(x, weight, bias, eps, correction=1),
            "Normalise with the biased variance (divide by n, "
            "correction=0): the unbiased one (n - 1) is only for the running_var update.",
        ),
        (
            batch_norm_variant(x, weight, bias, eps, eps_outside=True),
            "eps goes inside the square root: (x - mean) / sqrt(var + eps), not / (sqrt(var) + eps).",
        ),
        (batch_norm_variant(x, weight, bias, 0.0), "Add eps to the variance before the square root."),
    ]
    if weight is not None:
        plain = batch_norm_variant(x, None, None, eps)
        mistakes.append((plain, "Scale by weight and shift by bias after normalising (one value per channel)."))
    if x.dim() == 3:
        mistakes.append(
            (
                batch_norm_variant(x, weight, bias, eps, dims=[0]),
                "A channel's statistics run over the "
                "batch and the length: reduce over dims (0, 2), every dim but the channels.",
            )
        )
    return mistakes


def running_mistakes(x, running_mean, running_var, momentum):
    dims = [0, *range(2, x.dim())]
    mean, biased, unbiased = x.mean(dims), x.var(dims, correction=0), x.var(dims, correction=1)
    not_updated = "The running statistics did not change: update them in place (running_mean.mul_(...).add_(...))."
    swapped = (
        f"momentum weighs the new value: running = (1 - momentum) * running + momentum * batch. You gave the batch "
        f"{1 - momentum:g} and the old value {momentum:g}."
    )
    mean_mistakes = [(running_mean, not_updated), (momentum * running_mean + (1 - momentum) * mean, swapped)]
    var_mistakes = [
        (running_var, not_updated),
        (momentum * running_var + (1 - momentum) * unbiased, swapped),
        (
            (1 - momentum) * running_var + momentum * biased,
            "running_var tracks the unbiased variance: multiply the "
            "batch's biased variance by n / (n - 1), n the number of values per channel.",
        ),
    ]
    return mean_mistakes, var_mistakes


def as_tuple(shape):
    return (shape,) if isinstance(shape, int) else tuple(shape)


def features(normalized, affine=True, dtype=torch.float64):
    """A 3-d tensor whose rows have different spreads (one so small that eps matters), the normalized_shape
    (spelled as ``normalized`` says), weight, bias and eps."""
    sizes = distinct_sizes(3)
    x = torch.randn(sizes, dtype=dtype) * (torch.rand(sizes[0], 1, 1, dtype=dtype) * 3 + 0.5)
    x = x + torch.randn(sizes[0], 1, 1, dtype=dtype)
    x[-1] *= 1e-3  # a sample of variance ~1e-6: eps is no rounding error there
    count = as_tuple(NORMALIZED[normalized])[0]
    trailing = tuple(sizes[-count:])
    shape = trailing[0] if normalized == "last-dim-int" else trailing
    weight = torch.rand(trailing, dtype=dtype) + 0.5 if affine else None
    bias = torch.randn(trailing, dtype=dtype) if affine else None
    return x, shape, weight, bias, 1e-3


def layer_norm_variant(x, dims, weight, bias, eps, correction=0, eps_outside=False, center=True):
    mean = x.mean(dims, keepdim=True) if center else 0
    var = x.var(dims, keepdim=True, correction=correction) if center else x.pow(2).mean(dims, keepdim=True)
    out = (x - mean) / (var.sqrt() + eps if eps_outside else (var + eps).sqrt())
    if weight is not None:
        out = out * weight
    if bias is not None:
        out = out + bias
    return out


def layer_norm_mistakes(x, shape, weight, bias, eps):
    dims = tuple(range(-len(as_tuple(shape)), 0))
    mistakes = [
        (
            layer_norm_variant(x, dims, weight, bias, eps, correction=1),
            "Use the biased variance (correction=0), as LayerNorm does.",
        ),
        (layer_norm_variant(x, dims, weight, bias, eps, eps_outside=True), "eps goes inside the square root."),
        (
            layer_norm_variant(x, dims, weight, bias, eps, center=False),
            "That is RMS normalization: LayerNorm subtracts the mean first.",
        ),
        (
            layer_norm_variant(x, (0,), weight, bias, eps),
            "LayerNorm normalises each sample over its own features, "
            "the last dims; you normalised over the batch (dim 0), as BatchNorm does.",
        ),
    ]
    if len(dims) == 2:
        mistakes.append(
            (
                layer_norm_variant(x, (-1,), weight, bias, eps),
                "normalized_shape has two sizes: normalise over the last two dims together, not the last one alone.",
            )
        )
    if weight is not None:
        plain = layer_norm_variant(x, dims, None, None, eps)
        mistakes.append((plain, "Multiply by weight and add bias after normalising."))
    return mistakes


def rms_variant(x, dims, weight, eps, eps_outside=False, center=False, root=True):
    x = x - x.mean(dims, keepdim=True) if center else x
    square = x.pow(2).mean(dims, keepdim=True)
    out = x / ((square.sqrt() + eps if eps_outside else (square + eps).sqrt()) if root else square + eps)
    return out * weight if weight is not None else out


def rms_norm_mistakes(x, shape, weight, eps):
    dims = tuple(range(-len(as_tuple(shape)), 0))
    default = torch.finfo(x.dtype).eps if eps is None else eps
    mistakes = [
        (
            rms_variant(x, dims, weight, default, center=True),
            "RMSNorm subtracts no mean: divide x itself by sqrt(mean(x ** 2) + eps).",
        ),
        (
            rms_variant(x, dims, weight, default, eps_outside=True),
            "eps goes inside the square root: x / sqrt(mean(x ** 2) + eps).",
        ),
        (
            rms_variant(x, dims, weight, default, root=False),
            "Divide by the root of the mean square, not the mean square.",
        ),
    ]
    if len(dims) == 2:
        mistakes.append(
            (
                rms_variant(x, dims[1:], weight, default),
                "normalized_shape has two sizes: take the mean square over the last two dims together.",
            )
        )
    if eps is None:
        for wrong in (1e-5, 1e-6, 1e-8, 0.0, torch.finfo(torch.float32).eps, torch.finfo(torch.float64).eps):
            if wrong != default:
                mistakes.append(
                    (
                        rms_variant(x, dims, weight, wrong),
                        f"eps=None means the machine epsilon of x's "
                        f"dtype, torch.finfo(x.dtype).eps = {default:.3g} here; you used {wrong:.3g}.",
                    )
                )
    else:
        mistakes.append(
            (
                rms_variant(x, dims, weight, torch.finfo(x.dtype).eps),
                f"Use the eps you are given ({eps:g}); torch.finfo(x.dtype).eps is only for eps=None.",
            )
        )
    return mistakes


def big_weight(layer):
    """An empty weight with enough elements for its spread to show within 2%: fan_in and fan_out differ."""
    return torch.empty(300, 500) if layer == "linear" else torch.empty(64, 24, 5, 5)


def filled(init, weight, call, *args, **kwargs):
    """``init(weight, ...)``, which must return the weight it filled."""
    __tracebackhide__ = True
    got = yours(init, weight, *args, **kwargs)
    return expect_tensor(got, call, hint="An initializer fills the weight in place and returns it: `return weight`.")


def expect_spread(got, std, call, mistakes, torch_init):
    """Fail unless the values of ``got`` have mean 0 and standard deviation ``std`` (within 2%)."""
    __tracebackhide__ = True
    target = torch.tensor(std, dtype=torch.float64)
    spread = got.detach().double().std()
    hint = ""
    if not torch.isclose(spread, target, rtol=0.02, atol=0):  # torch's own draw, only to show a wrong one beside
        theirs = torch_init(torch.empty(got.shape)).std()
        hint = f"torch.nn.init.{torch_init.__name__} draws with std {std:.4g} here (its own draw: {float(theirs):.4g})."
    mistakes = [(torch.tensor(wrong, dtype=torch.float64), text) for wrong, text in mistakes]
    expect_close(
        spread,
        target,
        f"the std of {call}",
        rtol=0.02,
        atol=0,
        hint=hint,
        mistakes=mistakes,
    )
    mean = float(got.detach().double().mean())
    assert abs(mean) < 6 * std / math.sqrt(got.numel()), f"{call} drew values of mean {mean:.3g}: center them on 0."


def relu_stack_stds(init, x, depth=30):
    """The std of the activations after each of ``depth`` layers Linear(width, width) (no bias) and ReLU, their
    weights filled by ``init``."""
    stds = []
    with torch.no_grad():
        for _ in range(depth):
            weight = init(torch.empty(x.shape[1], x.shape[1]))
            weight = expect_tensor(
                weight, f"{init.__name__}(weight)", hint="An initializer returns the weight it filled."
            )
            x = torch.relu(x @ weight.T)
            stds.append(x.std())
    return torch.stack(stds)
