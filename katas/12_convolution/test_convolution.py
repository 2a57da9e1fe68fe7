"""Convolution and pooling by hand. The lesson is README.md beside this file."""

import math

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from katas.testing import (
    by_hand,
    by_hand_caller,
    expect_close,
    expect_dtype,
    expect_number,
    expect_raises,
    expect_shape,
    expect_tensor,
    explained_call,
    kata_module,
    random_int,
)

conv = kata_module(__file__)

# Task 1: Output sizes

SIZES = {  # size, kernel_size, stride, padding, dilation
    "3x3-kernel": (7, 3, 1, 0, 1),
    "stride-2": (7, 3, 2, 0, 1),
    "stride-2-drops-the-last-partial-window": (8, 3, 2, 0, 1),
    "same-padding": (5, 3, 1, 1, 1),
    "dilation-2": (10, 3, 1, 0, 2),
    "kernel-as-large-as-the-input": (5, 5, 1, 0, 1),
    "1x1-kernel-on-one-value": (1, 1, 1, 0, 1),
    "stride-larger-than-the-kernel": (10, 2, 3, 0, 1),
    "everything": (9, 3, 4, 2, 3),
    "padding-makes-it-fit": (2, 3, 1, 1, 1),
}


@pytest.mark.task(1)
@pytest.mark.parametrize("setting", SIZES.values(), ids=SIZES)
def test_conv_output_size_gives_the_size_that_f_conv2d_produces(setting):
    expect_size(setting)


@pytest.mark.task(1)
def test_conv_output_size_is_right_for_random_settings():
    for _ in range(20):
        kernel, dilation = random_int(1, 5), random_int(1, 3)
        padding, stride = random_int(0, 3), random_int(1, 4)
        size = random_int(max(1, dilation * (kernel - 1) + 1 - 2 * padding), 30)
        expect_size((size, kernel, stride, padding, dilation))


@pytest.mark.task(1)
@pytest.mark.parametrize("setting", [(2, 3, 1, 0, 1), (4, 3, 1, 0, 2), (1, 4, 1, 1, 1)], ids=str)
def test_conv_output_size_raises_value_error_when_the_kernel_spans_more_than_the_padded_input(setting):
    size, kernel, stride, padding, dilation = setting
    call = f"conv_output_size({size}, kernel_size={kernel}, stride={stride}, padding={padding}, dilation={dilation})"
    hint = (
        f"The kernel spans {dilation * (kernel - 1) + 1} values and the padded input holds {size + 2 * padding}: no "
        "window fits, and PyTorch refuses. Raise ValueError when the size would be below 1."
    )
    span, padded = str(dilation * (kernel - 1) + 1), str(size + 2 * padding)
    expect_raises(
        ValueError,
        conv.conv_output_size,
        size,
        kernel,
        stride,
        padding,
        dilation,
        call=call,
        hint=hint,
        naming=(span, padded),
    )


@pytest.mark.task(1)
def test_conv_output_size_defaults_to_stride_1_no_padding_and_no_dilation():
    got = yours(conv.conv_output_size, 9, 4)
    expect_int(got, 6, "conv_output_size(9, 4)", hint="Called without them, stride is 1, padding 0 and dilation 1.")


# Task 2: Convolution as one matrix product

SETTINGS = {  # out_channels, in_channels, kernel_size, stride, padding, dilation, groups
    "plain": (4, 3, 3, 1, 0, 1, 1),
    "1x1-kernel": (5, 3, 1, 1, 0, 1, 1),
    "stride-2": (4, 2, 3, 2, 0, 1, 1),
    "padding-1": (4, 3, 3, 1, 1, 1, 1),
    "padding-2-on-a-2x2-kernel": (3, 2, 2, 1, 2, 1, 1),
    "dilation-2": (4, 3, 3, 1, 0, 2, 1),
    "pairs": (4, 3, (2, 3), (1, 2), (2, 1), (2, 1), 1),
    "groups-2": (6, 4, 3, 1, 1, 1, 2),
    "depthwise": (3, 3, 3, 1, 1, 1, 3),
    "depthwise-two-filters-per-channel": (6, 3, 3, 1, 0, 1, 3),
    "everything": (6, 4, (3, 2), 2, 1, (1, 2), 2),
}


@pytest.mark.task(2)
@pytest.mark.parametrize("setting", SETTINGS.values(), ids=SETTINGS)
def test_conv2d_matches_f_conv2d(setting):
    x, weight, bias, options = convolution(setting)
    got = yours(conv.conv2d, x, weight, bias, **options)
    expected = F.conv2d(x, weight, bias, **options)
    call = conv2d_call(x, weight, options)
    expect_shape(got, expected.shape, call, hint=shape_hint(x, weight, options))
    expect_close(got, expected, call, hint=CONV_FORMULA, mistakes=lambda: conv_mistakes(x, weight, bias, options))


@pytest.mark.task(2)
def test_conv2d_without_a_bias_adds_nothing():
    x, weight, _, options = convolution(SETTINGS["padding-1"])
    got = yours(conv.conv2d, x, weight, None, **options)
    expect_close(got, F.conv2d(x, weight, None, **options), conv2d_call(x, weight, options, bias=False))


@pytest.mark.task(2)
def test_conv2d_defaults_to_stride_1_no_padding_no_dilation_and_one_group():
    x, weight, bias, _ = convolution(SETTINGS["plain"])
    expect_close(yours(conv.conv2d, x, weight, bias), F.conv2d(x, weight, bias), "conv2d(x, weight, bias)")
    expect_close(yours(conv.conv2d, x, weight), F.conv2d(x, weight), "conv2d(x, weight)")


@pytest.mark.task(2)
def test_conv2d_slides_the_filter_without_flipping_it():
    image = torch.zeros(1, 1, 5, 5, dtype=torch.float64)
    image[0, 0, 2, 2] = 1.0  # one bright pixel: each output is one tap of the filter
    weight = torch.arange(1.0, 10.0, dtype=torch.float64).reshape(1, 1, 3, 3)
    got = yours(conv.conv2d, image, weight, padding=1)
    hint = (
        "On an image with one bright pixel, each output is one tap of the filter: F.conv2d shows it mirrored, "
        "because it is a cross-correlation and takes each patch as it is. Keep the taps in the order of the "
        "weight; don't flip them."
    )
    expect_close(
        got,
        F.conv2d(image, weight, padding=1),
        "conv2d(<one bright pixel>, <filter 1..9>, padding=1)",
        mistakes=lambda: [(F.conv2d(image, weight.flip(2, 3), padding=1), hint)],
    )


@pytest.mark.task(2)
def test_conv2d_of_a_non_contiguous_input_matches_f_conv2d():
    x, weight, bias, options = convolution(SETTINGS["pairs"])
    x = x.transpose(2, 3).contiguous().transpose(2, 3)  # same values, laid out column by column
    assert not x.is_contiguous(), "the test meant to give a non-contiguous x"
    got = yours(conv.conv2d, x, weight, bias, **options)
    expect_close(got, F.conv2d(x, weight, bias, **options), conv2d_call(x, weight, options) + " on a transposed x")


@pytest.mark.task(2)
def test_conv2d_with_a_kernel_as_large_as_the_input_gives_one_value_per_output_channel():
    x = torch.randn(2, 3, 4, 5, dtype=torch.float64)
    weight = torch.randn(6, 3, 4, 5, dtype=torch.float64)
    got = yours(conv.conv2d, x, weight)
    expect_close(got, F.conv2d(x, weight), "conv2d(<2x3x4x5>, <6x3x4x5 weight>)")


@pytest.mark.task(2)
def test_conv2d_of_an_empty_batch_gives_an_empty_batch_of_the_right_shape():
    x, weight, bias, options = convolution(SETTINGS["stride-2"], batch_size=0)
    got = yours(conv.conv2d, x, weight, bias, **options)
    expect_shape(
        got,
        F.conv2d(x, weight, bias, **options).shape,
        conv2d_call(x, weight, options),
        hint="An empty batch has N = 0: with no values, a -1 in a reshape could be any size, so give the sizes you know.",
    )


@pytest.mark.task(2)
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64], ids=str)
def test_conv2d_keeps_the_dtype(dtype):
    x, weight, bias, options = convolution(SETTINGS["groups-2"], dtype=dtype)
    got = yours(conv.conv2d, x, weight, bias, **options)
    expect_dtype(got, dtype, conv2d_call(x, weight, options))


@pytest.mark.task(2)
@pytest.mark.parametrize(
    "shapes",
    [((2, 5, 6, 6), (4, 3, 3, 3), 1), ((2, 4, 6, 6), (4, 4, 3, 3), 2), ((1, 6, 5, 5), (4, 2, 3, 3), 3)],
    ids=["channels", "groups-for-the-weight", "out-channels-not-divisible"],
)
def test_conv2d_raises_value_error_when_the_channels_do_not_match_the_weight_and_groups(shapes):
    x_shape, weight_shape, groups = shapes
    x, weight = torch.randn(x_shape), torch.randn(weight_shape)
    call = f"conv2d(<x {x_shape}>, <weight {weight_shape}>, groups={groups})"
    hint = (
        "The weight's dim 1 times groups must be the channels of x, and out_channels must be a multiple of groups. "
        "Say what came in: the message should give both shapes."
    )
    with by_hand(SHORTCUTS, advice=BY_HAND):
        error = expect_raises(ValueError, conv.conv2d, x, weight, groups=groups, call=call, hint=hint)
    expect_message_gives_shapes(error, call, x_shape, weight_shape)


# Task 3: Pooling

POOLS = {  # kernel_size, stride, padding
    "2x2-side-by-side": (2, None, 0),
    "3x3-odd-size": (3, None, 0),
    "overlapping": (3, 1, 0),
    "stride-2-padding-1": (3, 2, 1),
    "pairs": ((2, 3), (1, 2), (1, 1)),
    "padding-only-on-the-rows": ((3, 2), (2, 1), (1, 0)),
}


@pytest.mark.task(3)
@pytest.mark.parametrize("setting", POOLS.values(), ids=POOLS)
def test_max_pool2d_matches_f_max_pool2d(setting):
    x = torch.randn(2, 3, random_int(7, 9), random_int(7, 9), dtype=torch.float64)
    options = pool_options(setting)
    got = yours(conv.max_pool2d, x, **options)
    expected = F.max_pool2d(x, **options)
    call = pool_call("max_pool2d", x, options)
    expect_shape(got, expected.shape, call, hint=pool_shape_hint(x, options))
    expect_close(got, expected, call, hint=POOL_WINDOWS, mistakes=lambda: pool_mistakes(x, options, "max"))


@pytest.mark.task(3)
def test_max_pool2d_never_takes_the_padding_even_when_every_value_is_negative():
    x = -torch.rand(1, 2, 5, 5, dtype=torch.float64) - 1
    options = {"kernel_size": 2, "stride": 2, "padding": 1}
    got = yours(conv.max_pool2d, x, **options)
    expect_close(
        got,
        F.max_pool2d(x, **options),
        pool_call("max_pool2d", x, options) + " of negative values",
        mistakes=lambda: pool_mistakes(x, options, "max"),
    )


@pytest.mark.task(3)
@pytest.mark.parametrize("count_include_pad", [True, False], ids=["count-the-padding", "count-real-values"])
@pytest.mark.parametrize("setting", POOLS.values(), ids=POOLS)
def test_avg_pool2d_matches_f_avg_pool2d(setting, count_include_pad):
    x = torch.rand(3, 3, random_int(7, 9), random_int(7, 9), dtype=torch.float64) + 1  # N, C > 2
    options = pool_options(setting) | {"count_include_pad": count_include_pad}
    got = yours(conv.avg_pool2d, x, **options)
    expected = F.avg_pool2d(x, **options)
    call = pool_call("avg_pool2d", x, options)
    expect_shape(got, expected.shape, call, hint=pool_shape_hint(x, options))
    expect_close(got, expected, call, hint=POOL_WINDOWS, mistakes=lambda: pool_mistakes(x, options, "avg"))


@pytest.mark.task(3)
def test_avg_pool2d_counts_the_padding_by_default():
    x = torch.ones(1, 1, 3, 3, dtype=torch.float64)
    got = yours(conv.avg_pool2d, x, 2, padding=1)
    expect_close(
        got,
        F.avg_pool2d(x, 2, padding=1),
        "avg_pool2d(torch.ones(1, 1, 3, 3), 2, padding=1)",
        mistakes=lambda: pool_mistakes(x, {"kernel_size": 2, "stride": None, "padding": 1}, "avg"),
    )


@pytest.mark.task(3)
@pytest.mark.parametrize("pool", ["max_pool2d", "avg_pool2d"])
def test_pooling_keeps_each_channel_apart(pool):
    x = torch.randn(2, 4, 6, 6, dtype=torch.float64)
    x[:, 1] += 10  # channel 1 wins every maximum that mixes channels
    got = yours(getattr(conv, pool), x, 2)
    hint = "Pool each channel on its own: reshape x to (N * C, 1, H, W) before unfolding, and back after."
    expect_close(got, getattr(F, pool)(x, 2), f"{pool}(<2x4x6x6>, 2)", hint=hint)


@pytest.mark.task(3)
@pytest.mark.parametrize("pool", ["max_pool2d", "avg_pool2d"])
def test_pooling_refuses_a_padding_over_half_the_kernel(pool):
    x = torch.randn(1, 1, 6, 6)
    call = f"{pool}(<1x1x6x6>, kernel_size=3, padding=2)"
    hint = (
        "PyTorch allows a padding of at most half the kernel (a window of padding only has no value to give); "
        "the message should give the padding and the kernel size."
    )
    with by_hand(SHORTCUTS, advice=BY_HAND):
        expect_raises(ValueError, getattr(conv, pool), x, 3, padding=2, call=call, hint=hint, naming=("2", "3"))


@pytest.mark.task(3)
@pytest.mark.parametrize("pool", ["max_pool2d", "avg_pool2d"])
def test_pooling_back_propagates_like_torch(pool):
    x = torch.randn(2, 2, 7, 7, dtype=torch.float64)
    options = {"kernel_size": 3, "stride": 2, "padding": 1}
    upstream = torch.randn_like(F.max_pool2d(x, **options))
    got_x, expected_x = x.clone().requires_grad_(), x.clone().requires_grad_()
    got = expect_tensor(yours(getattr(conv, pool), got_x, **options), pool_call(pool, x, options))
    assert got.requires_grad, f"{pool}(x, ...) returned a tensor that autograd cannot trace back to x."
    (got_grad,) = torch.autograd.grad(got, got_x, upstream)
    (expected_grad,) = torch.autograd.grad(getattr(F, pool)(expected_x, **options), expected_x, upstream)
    expect_close(got_grad, expected_grad, f"the gradient for x of {pool_call(pool, x, options)}")


# Task 4: Gradients, and a Conv2d module


@pytest.mark.task(4)
@pytest.mark.parametrize("setting", ["plain", "everything", "depthwise"])
def test_conv2d_back_propagates_to_x_weight_and_bias_like_f_conv2d(setting):
    x, weight, bias, options = convolution(SETTINGS[setting])
    leaves = [t.clone().requires_grad_() for t in (x, weight, bias)]
    got = expect_tensor(yours(conv.conv2d, *leaves, **options), conv2d_call(x, weight, options))
    assert got.requires_grad, (
        f"{conv2d_call(x, weight, options)} returned a tensor that autograd cannot trace back to x, weight and bias: "
        "something on the way cuts the graph (.detach(), torch.no_grad(), .numpy(), .item())."
    )
    upstream = torch.randn_like(got)
    got_grads = torch.autograd.grad(got, leaves, upstream, allow_unused=True)
    expected_leaves = [t.clone().requires_grad_() for t in (x, weight, bias)]
    expected_grads = torch.autograd.grad(F.conv2d(*expected_leaves, **options), expected_leaves, upstream)
    for name, got_grad, expected_grad in zip(("x", "weight", "bias"), got_grads, expected_grads):
        assert got_grad is not None, f"the output of conv2d does not depend on {name}, as autograd sees it: use {name}."
        expect_close(got_grad, expected_grad, f"the gradient for {name} of {conv2d_call(x, weight, options)}")


@pytest.mark.task(4)
def test_conv2d_passes_gradcheck_in_float64():
    x, weight, bias, options = convolution(SETTINGS["everything"], batch_size=1)
    leaves = tuple(t.clone().requires_grad_() for t in (x, weight, bias))
    with by_hand(SHORTCUTS, advice=BY_HAND):
        try:
            passed = torch.autograd.gradcheck(
                lambda *t: conv.conv2d(*t, **options), leaves, raise_exception=False, fast_mode=True
            )
        except NotImplementedError:
            raise
        except Exception as error:
            pytest.fail(f"gradcheck of conv2d raised {type(error).__name__}: {error}", pytrace=False)
    assert passed, (
        "torch.autograd.gradcheck found that conv2d's gradient differs from finite differences of its outputs, in "
        "float64. Autograd through unfold, reshape and @ is exact: look for a step that autograd does not see."
    )


@pytest.mark.task(4)
@pytest.mark.parametrize("bias", [True, False], ids=["bias", "no-bias"])
def test_conv2d_module_holds_weight_and_bias_parameters_shaped_like_nn_conv2d(bias):
    args = (4, 6, (3, 2))
    got = yours(conv.Conv2d, *args, groups=2, bias=bias)
    theirs = nn.Conv2d(*args, groups=2, bias=bias)
    call = f"Conv2d(4, 6, (3, 2), groups=2, bias={bias})"
    named = dict(got.named_parameters())
    expected = {name: tuple(p.shape) for name, p in theirs.named_parameters()}
    shapes = {name: tuple(p.shape) for name, p in named.items()}
    assert shapes == expected, (
        f"{call} has the parameters {shapes}; nn.Conv2d has {expected}. weight is (out_channels, in_channels // groups, "
        "kh, kw) and bias one per output channel, each an nn.Parameter"
        + ("; with bias=False, set self.bias = None." if not bias else ".")
    )
    if not bias:
        assert got.bias is None, f"{call}.bias should be None, as in nn.Conv2d: forward then adds nothing."


@pytest.mark.task(4)
def test_conv2d_module_draws_its_parameters_from_the_range_nn_conv2d_uses():
    layer = yours(conv.Conv2d, 64, 96, 3, groups=2)
    bound = 1 / math.sqrt(32 * 3 * 3)
    for name in ("weight", "bias"):
        values = getattr(layer, name).detach().double()
        call = f"Conv2d(64, 96, 3, groups=2).{name}"
        assert values.abs().max() <= bound, (
            f"{call} holds values up to {float(values.abs().max()):.4g}; nn.Conv2d draws from U(-b, b), "
            f"b = 1 / sqrt(fan_in) = 1 / sqrt(64 // 2 * 3 * 3) = {bound:.4g}: a filter sees in_channels // groups channels."
        )
        assert values.std() > bound / 2, (
            f"{call} has std {float(values.std()):.4g}: draw it from U(-b, b), b = {bound:.4g} (std b / sqrt(3) = "
            f"{bound / math.sqrt(3):.4g}), every value afresh."
        )
    spread = layer.weight.detach().double().std()
    std = bound / math.sqrt(3)
    expect_close(
        spread,
        torch.tensor(std, dtype=torch.float64),
        "the std of Conv2d(64, 96, 3, groups=2).weight",
        rtol=0.03,
        atol=0,
        hint=f"A uniform U(-b, b) has std b / sqrt(3): with b = 1 / sqrt(fan_in) = {bound:.4g}.",
    )


@pytest.mark.task(4)
@pytest.mark.parametrize("setting", ["plain", "everything", "depthwise"])
def test_conv2d_module_forward_is_conv2d_with_its_own_parameters_and_settings(setting):
    x, _, _, options = convolution(SETTINGS[setting])
    out_channels, in_channels, kernel_size = SETTINGS[setting][:3]
    layer = yours(conv.Conv2d, in_channels, out_channels, kernel_size, **options)
    with by_hand(SHORTCUTS, advice=BY_HAND):
        layer = layer.double()
    call = f"Conv2d({in_channels}, {out_channels}, {kernel_size}, " + settings_text(options) + ")(x)"
    with by_hand(SHORTCUTS, advice=BY_HAND):
        got = explained_call(layer, x, call=call, explanations=EXPLANATIONS | {"": SETTINGS_KEPT})
    expected = F.conv2d(x, layer.weight, layer.bias, **options)
    expect_close(got, expected, call, hint=SETTINGS_KEPT)
    upstream = torch.randn_like(expected)
    got_grad = torch.autograd.grad(got, layer.weight, upstream)[0]
    expect_close(
        got_grad, torch.autograd.grad(expected, layer.weight, upstream)[0], f"the gradient for weight of {call}"
    )


@pytest.mark.task(4)
def test_conv2d_module_defaults_to_stride_1_no_padding_no_dilation_one_group_and_a_bias():
    x = torch.randn(2, 3, 7, 8, dtype=torch.float64)
    layer = yours(conv.Conv2d, 3, 1, 3)
    with by_hand(SHORTCUTS, advice=BY_HAND):
        layer = layer.double()
    assert isinstance(layer.bias, nn.Parameter), "Conv2d(3, 1, 3).bias should be an nn.Parameter: bias=True by default."
    with by_hand(SHORTCUTS, advice=BY_HAND):
        got = explained_call(layer, x, call="Conv2d(3, 1, 3)(x)", explanations=EXPLANATIONS | {"": SETTINGS_KEPT})
    hint = "Called without them, stride is 1, padding 0, dilation 1 and groups 1, as in nn.Conv2d."
    expect_close(got, F.conv2d(x, layer.weight, layer.bias), "Conv2d(3, 1, 3)(x)", hint=hint)


@pytest.mark.task(4)
@pytest.mark.parametrize("channels", [(5, 4), (4, 5)], ids=["in-channels", "out-channels"])
def test_conv2d_module_refuses_channels_that_groups_does_not_divide(channels):
    call = f"Conv2d({channels[0]}, {channels[1]}, 3, groups=2)"
    with by_hand(SHORTCUTS, advice=BY_HAND):
        expect_raises(
            ValueError,
            conv.Conv2d,
            *channels,
            3,
            groups=2,
            call=call,
            hint="Both in_channels and out_channels split into groups: each must be a multiple of groups.",
            naming=tuple(map(str, channels)),
        )


# Task 5: What a stack sees, and what it costs

STACKS = {
    "one-3x3": ([nn.Conv2d(1, 1, 3)], 3),
    "two-3x3": ([nn.Conv2d(1, 1, 3), nn.ReLU(), nn.Conv2d(1, 1, 3)], 5),
    "three-3x3-with-padding": ([nn.Conv2d(1, 1, 3, padding=1) for _ in range(3)], 7),
    "conv-pool-conv": ([nn.Conv2d(1, 1, 3), nn.MaxPool2d(2), nn.Conv2d(1, 1, 3)], 8),
    "strided-then-dilated": ([nn.Conv2d(1, 1, 3, stride=2), nn.Conv2d(1, 1, 3, dilation=2)], 11),
    "max-pool-with-dilation": ([nn.MaxPool2d(3, stride=1, dilation=2), nn.AvgPool2d(2)], 6),
    "norms-and-activations-only": ([nn.BatchNorm2d(1), nn.ReLU()], 1),
    "no-layers": ([], 1),
    "avg-pool-then-1x1": ([nn.AvgPool2d(4), nn.Conv2d(1, 1, 1), nn.Conv2d(1, 1, 2)], 8),
}


@pytest.mark.task(5)
@pytest.mark.parametrize("stack", STACKS.values(), ids=STACKS)
def test_receptive_field_of_known_stacks(stack):
    layers, expected = stack
    got = yours(conv.receptive_field, layers)
    expect_int(got, expected, f"receptive_field({describe_stack(layers)})", receptive_mistakes(layers))


@pytest.mark.task(5)
def test_receptive_field_of_an_nn_sequential_counts_its_layers():
    layers = nn.Sequential(nn.Conv2d(1, 1, 5, stride=2), nn.ReLU(), nn.Conv2d(1, 1, 3, stride=2), nn.Conv2d(1, 1, 3))
    got = yours(conv.receptive_field, layers)
    expect_int(
        got,
        17,
        "receptive_field(nn.Sequential(Conv2d(k=5, s=2), ReLU, Conv2d(k=3, s=2), Conv2d(k=3)))",
        receptive_mistakes(list(layers)),
    )


@pytest.mark.task(5)
def test_receptive_field_is_the_span_of_the_inputs_that_one_output_depends_on():
    for _ in range(5):
        layers = random_stack()
        got = yours(conv.receptive_field, layers)
        expect_int(
            got,
            measured_receptive_field(layers),
            f"receptive_field({describe_stack(layers)})",
            receptive_mistakes(layers),
            hint="Measured: the gradient of one output reaches a square of that side in the input.",
        )


CONV_LAYERS = {  # in_channels, out_channels, kernel_size, groups, bias
    "3x3": (3, 8, 3, 1, True),
    "no-bias": (3, 8, 3, 1, False),
    "5x2-kernel": (4, 6, (5, 2), 1, True),
    "groups-2": (4, 6, 3, 2, True),
    "depthwise": (8, 8, 3, 8, False),
    "1x1": (16, 4, 1, 1, True),
}


@pytest.mark.task(5)
@pytest.mark.parametrize("layer", CONV_LAYERS.values(), ids=CONV_LAYERS)
def test_conv_parameter_count_is_what_nn_conv2d_holds(layer):
    in_channels, out_channels, kernel_size, groups, bias = layer
    got = yours(conv.conv_parameter_count, in_channels, out_channels, kernel_size, groups=groups, bias=bias)
    theirs = nn.Conv2d(in_channels, out_channels, kernel_size, groups=groups, bias=bias)
    expected = sum(p.numel() for p in theirs.parameters())
    call = f"conv_parameter_count({in_channels}, {out_channels}, {kernel_size}, groups={groups}, bias={bias})"
    expect_int(got, expected, call, parameter_mistakes(*layer))


@pytest.mark.task(5)
def test_conv_parameter_count_defaults_to_one_group_with_a_bias():
    got = yours(conv.conv_parameter_count, 3, 8, 3)
    expect_int(got, 3 * 8 * 9 + 8, "conv_parameter_count(3, 8, 3)", parameter_mistakes(3, 8, 3, 1, True))


# --- Helpers ---

SHORTCUTS = [  # what "by hand" rules out: the library calls this kata teaches
    (owner, name)
    for owner, names in [
        (F, ("conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d")),
        (F, ("max_pool2d", "max_pool2d_with_indices", "avg_pool2d", "lp_pool2d", "fractional_max_pool2d")),
        (F, ("adaptive_max_pool2d", "adaptive_avg_pool2d", "max_pool1d", "avg_pool1d")),
        (torch, ("conv1d", "conv2d", "conv3d", "convolution", "_convolution", "conv_transpose2d", "cudnn_convolution")),
        (torch, ("max_pool2d", "max_pool2d_with_indices", "avg_pool2d", "adaptive_avg_pool2d", "max_pool1d")),
        (torch._C._nn, ("avg_pool2d", "max_pool2d_with_indices", "adaptive_avg_pool2d", "slow_conv_dilated2d")),
        (torch._C._nn, ("thnn_conv2d", "_conv_depthwise2d")),
        (nn.Conv2d, ("forward", "_conv_forward")),
        (nn.MaxPool2d, ("forward",)),
        (nn.AvgPool2d, ("forward",)),
    ]
    for name in names
]
BY_HAND = "README.md lists the building blocks you may use: F.unfold, F.pad, reshape and @."
MATMUL_MISFIT = (
    "The two sides of the matrix product do not fit: the weight reshaped to (out_channels, C * kh * kw), or to (groups, "
    "out_channels // groups, C // groups * kh * kw) with groups, against columns of (N, C * kh * kw, L), or (N, groups, "
    "C // groups * kh * kw, L)."
)
POOL_WINDOWS = (
    "Window (i, j) of channel c covers rows i * stride to i * stride + kh - 1 and the same for columns, of the padded "
    "channel c alone."
)
SETTINGS_KEPT = "forward is your conv2d with self.weight, self.bias and this layer's stride, padding, dilation, groups."
EXPLANATIONS = {  # torch's errors in the learner's code, and what they mean here
    "view size is not compatible": "view needs a tensor laid out contiguously in memory, and a transposed or sliced "
    "one is not: use reshape, which copies when it must.",
    "must match the size of tensor b": "Two tensors whose shapes do not broadcast: line their dims up from the "
    "right. A bias of out_channels values goes along dim 1 of (N, out_channels, H', W'): bias.reshape(1, -1, 1, 1).",
    "is invalid for input of size": "A reshape to sizes whose product is not the tensor's size: the columns of unfold "
    "hold N * C * kh * kw * L values, L = H' * W' from conv_output_size. Give unfold the same stride, padding and "
    "dilation as your sizes.",
    "Expected size for first two dimensions": MATMUL_MISFIT,
    "cannot be multiplied": MATMUL_MISFIT,
}
CONV_FORMULA = (
    "Each output is a filter times the patch under it: out[n, o, i, j] = bias[o] + the sum over c, u, v of "
    "weight[o, c, u, v] * padded[n, c, i * stride + u * dilation, j * stride + v * dilation]."
)


yours = by_hand_caller(SHORTCUTS, BY_HAND, EXPLANATIONS)  # your module's functions, the shortcuts refused


def pair(value):
    return (value, value) if isinstance(value, int) else tuple(value)


def expect_int(got, expected, call, mistakes=(), hint=""):
    """Fail unless ``got`` is the whole number ``expected``; a known wrong number gets its advice (each that fits)."""
    __tracebackhide__ = True
    value = expect_number(got, call, "a whole number")
    if value != expected:
        matched = dict.fromkeys(text for wrong, text in mistakes if wrong == value and wrong != expected)
        advice = (
            "\n".join(matched) if len(matched) < 2 else "One of these:\n" + "\n".join(f"- {text}" for text in matched)
        )
        pytest.fail(f"{call} returned {got!r}, expected {expected}.\n{advice or hint}".rstrip(), pytrace=False)
    assert isinstance(got, int) or (isinstance(got, torch.Tensor) and got.dim() == 0), (
        f"{call} returned {got!r}: return a whole number (an int)."
    )


def expect_size(setting):
    __tracebackhide__ = True
    size, kernel, stride, padding, dilation = setting
    call = f"conv_output_size({size}, kernel_size={kernel}, stride={stride}, padding={padding}, dilation={dilation})"
    got = yours(conv.conv_output_size, size, kernel, stride, padding, dilation)
    height = F.conv2d(
        torch.zeros(1, 1, size, 1),
        torch.zeros(1, 1, kernel, 1),
        stride=(stride, 1),
        padding=(padding, 0),
        dilation=(dilation, 1),
    ).shape[2]
    expect_int(got, height, call, size_mistakes(*setting))


def size_mistakes(size, kernel, stride, padding, dilation):
    span = dilation * (kernel - 1) + 1
    return [
        ((size + padding - span) // stride + 1, "Padding goes on each side: add 2 * padding to the size."),
        (
            (size + 2 * padding - kernel) // stride + 1,
            f"With dilation {dilation} the kernel spans "
            f"dilation * (kernel_size - 1) + 1 = {span} values, not {kernel}.",
        ),
        (
            -(-(size + 2 * padding - span) // stride) + 1,
            "Round down (//): a last window that does not fit whole is dropped, not counted.",
        ),
        ((size + 2 * padding - span) // stride, "Count the first position too: ... // stride + 1."),
        (
            (size + 2 * padding - span) + 1,
            f"With stride {stride} the kernel moves {stride} values at a time: divide by the stride before adding 1.",
        ),
    ]


def convolution(setting, batch_size=None, dtype=torch.float64):
    """x, weight, bias and the keyword options of a convolution of ``setting`` on a random non-square input."""
    out_channels, in_channels, kernel_size, stride, padding, dilation, groups = setting
    kh, kw = pair(kernel_size)
    n = random_int(1, 3) if batch_size is None else batch_size
    x = torch.randn(n, in_channels, random_int(6, 9), random_int(10, 12), dtype=dtype)
    weight = torch.randn(out_channels, in_channels // groups, kh, kw, dtype=dtype)
    bias = torch.randn(out_channels, dtype=dtype)
    options = {"stride": stride, "padding": padding, "dilation": dilation, "groups": groups}
    return x, weight, bias, options


def settings_text(options):
    return ", ".join(f"{name}={value}" for name, value in options.items() if value not in (1, 0, None))


def conv2d_call(x, weight, options, bias=True):
    shapes = f"<x {'x'.join(map(str, x.shape))}>, <weight {'x'.join(map(str, weight.shape))}>"
    return f"conv2d({shapes}, {'bias' if bias else 'None'}{', ' if settings_text(options) else ''}" + (
        f"{settings_text(options)})"
    )


def shape_hint(x, weight, options):
    sizes = [
        conv_size_of(
            x.shape[2 + dim],
            weight.shape[2 + dim],
            *(pair(options[name])[dim] for name in ("stride", "padding", "dilation")),
        )
        for dim in (0, 1)
    ]
    return (
        f"The output is (N, out_channels, H', W') = ({x.shape[0]}, {weight.shape[0]}, {sizes[0]}, {sizes[1]}), each "
        "side from conv_output_size with that side's kernel, stride, padding and dilation (pairs are (height, width))."
    )


def conv_size_of(size, kernel, stride, padding, dilation):
    return (size + 2 * padding - dilation * (kernel - 1) - 1) // stride + 1


def conv_mistakes(x, weight, bias, options):
    groups = options["groups"]
    mistakes = [
        (
            F.conv2d(x, weight.flip(2, 3), bias, **options),
            "PyTorch's conv2d does not flip the kernel (it is a "
            "cross-correlation): take the weight's taps in their order, as unfold takes the patch.",
        ),
        (
            F.conv2d(x, weight, None, **options),
            "Add the bias: one value per output channel, bias.reshape(1, -1, 1, 1).",
        ),
    ]
    ph, pw = pair(options["padding"])
    if ph or pw:
        one_side = F.conv2d(F.pad(x, (0, 2 * pw, 0, 2 * ph)), weight, bias, **(options | {"padding": 0}))
        mistakes.append(
            (
                one_side,
                f"Padding goes on each side: {ph} rows at the top and {ph} at the bottom, {pw} "
                "columns on the left and on the right (F.unfold(..., padding=...) does it), not all on one side.",
            )
        )
    expected = F.conv2d(x, weight, bias, **options)
    n, channels, height, width = expected.shape
    if height != width:
        columns_first = expected.reshape(n, channels, width, height).transpose(2, 3)
        mistakes.append(
            (
                columns_first,
                f"unfold's L positions run row by row: reshape them to (H', W') = "
                f"({height}, {width}), not (W', H') and a transpose.",
            )
        )
    if groups > 1 and x.shape[1] > groups:
        by_remainder = torch.cat([torch.arange(start, x.shape[1], groups) for start in range(groups)])
        mistakes.append(
            (
                F.conv2d(x[:, by_remainder], weight, bias, **options),
                "A group is consecutive channels: "
                "the first C / groups channels form group 0. Reshape the columns to (N, groups, "
                "C // groups * kh * kw, L) rather than taking every groups-th channel.",
            )
        )
    if groups > 1 and weight.shape[0] > groups:
        per_group = weight.shape[0] // groups
        order = torch.arange(weight.shape[0]).reshape(groups, per_group).T.reshape(-1)
        merged = F.conv2d(x, weight, None, **options)[:, order] + bias.reshape(1, -1, 1, 1)  # bias added after
        mistakes.append(
            (
                merged,
                "The output channels come group after group: out_channels // groups of group 0, "
                "then those of group 1. Reshape (N, groups, out_channels // groups, L) straight to "
                "(N, out_channels, L), with no transpose in between.",
            )
        )
    return mistakes


def expect_message_gives_shapes(error, call, *shapes):
    __tracebackhide__ = True
    message = str(error).replace(" ", "")
    for shape in shapes:
        spelled = (str(tuple(shape)).replace(" ", ""), "x".join(map(str, shape)), str(list(shape)).replace(" ", ""))
        assert any(text in message for text in spelled), (
            f"{call} raised ValueError({str(error)!r}): say what came in. The message should give the shape "
            f"{tuple(shape)}."
        )


def pool_options(setting):
    kernel_size, stride, padding = setting
    return {"kernel_size": kernel_size, "stride": stride, "padding": padding}


def pool_call(name, x, options):
    text = ", ".join(f"{key}={value}" for key, value in options.items() if value is not None)
    return f"{name}(<{'x'.join(map(str, x.shape))}>, {text})"


def pool_shape_hint(x, options):
    kernel = pair(options["kernel_size"])
    stride = kernel if options["stride"] is None else pair(options["stride"])
    padding = pair(options["padding"])
    sizes = [conv_size_of(x.shape[2 + dim], kernel[dim], stride[dim], padding[dim], 1) for dim in (0, 1)]
    default = " stride=None means the stride is the kernel size." if options["stride"] is None else ""
    return f"The output is (N, C, H', W') = ({x.shape[0]}, {x.shape[1]}, {sizes[0]}, {sizes[1]}).{default}"


def pool_mistakes(x, options, kind):
    kernel = pair(options["kernel_size"])
    stride = kernel if options["stride"] is None else pair(options["stride"])
    padding = pair(options["padding"])
    padded = F.pad(x, (padding[1], padding[1], padding[0], padding[0]))  # zeros
    n, channels = x.shape[:2]
    windows = F.unfold(padded, kernel, stride=stride).reshape(n, math.prod(kernel), channels, -1).transpose(1, 2)
    reduce = windows.amax(dim=2) if kind == "max" else windows.mean(dim=2)
    mixed = (
        reduce.reshape(F.max_pool2d(x, kernel, stride, padding).shape),
        "unfold's column lists channel by channel (C, then kh * kw): reshape it to (N, C, kh * kw, L), not "
        "(N, kh * kw, C, L), or pool each channel on its own as (N * C, 1, H, W).",
    )
    if kind == "max":
        return [
            mixed,
            (
                F.max_pool2d(padded, kernel, stride),
                "Pad with -inf for max pooling (F.pad(..., value=-math.inf)): "
                "a zero of padding would win over negative values.",
            ),
        ]
    include = options.get("count_include_pad", True)
    sums = F.avg_pool2d(padded, kernel, stride) * math.prod(kernel)
    counts = F.avg_pool2d(F.pad(torch.ones_like(x), (padding[1], padding[1], padding[0], padding[0])), kernel, stride)
    wrong_divisor = sums / (counts * math.prod(kernel)) if include else sums / math.prod(kernel)
    advice = (
        "count_include_pad=True divides every window by the kernel's size, padding included."
        if include
        else "count_include_pad=False divides each window by the number of real values in it, not the kernel's size."
    )
    return [(wrong_divisor, advice), (sums, "That is each window's sum: divide it to get the mean."), mixed]


def describe_stack(layers):
    return "[" + ", ".join(describe_layer(layer) for layer in layers) + "]"


def describe_layer(layer):
    if not isinstance(layer, nn.Conv2d | nn.MaxPool2d | nn.AvgPool2d):
        return type(layer).__name__
    settings = [f"k={pair(layer.kernel_size)[0]}"]
    if pair(layer.stride)[0] != 1:
        settings.append(f"s={pair(layer.stride)[0]}")
    if pair(getattr(layer, "dilation", 1))[0] != 1:
        settings.append(f"d={pair(layer.dilation)[0]}")
    if pair(getattr(layer, "padding", 0))[0]:
        settings.append(f"p={pair(layer.padding)[0]}")
    return f"{type(layer).__name__}({', '.join(settings)})"


def receptive_variant(layers, dilation=True, stride=True, jump_first=False, pools=True):
    size, jump = 1, 1
    for layer in layers:
        if isinstance(layer, nn.Conv2d | nn.MaxPool2d | nn.AvgPool2d) and (pools or isinstance(layer, nn.Conv2d)):
            k, s = pair(layer.kernel_size)[0], pair(layer.stride)[0]
            d = pair(getattr(layer, "dilation", 1))[0] if dilation else 1
            if jump_first and stride:
                jump *= s
            size += d * (k - 1) * (jump if stride else 1)
            if not jump_first and stride:
                jump *= s
    return size


def receptive_mistakes(layers):
    return [
        (
            receptive_variant(layers, pools=False),
            "Pooling layers widen the field as convolutions do: count nn.MaxPool2d and nn.AvgPool2d too.",
        ),
        (
            receptive_variant(layers, dilation=False),
            "A dilated kernel spans d * (k - 1) + 1: count each layer's dilation.",
        ),
        (
            receptive_variant(layers, stride=False),
            "A layer after a strided one takes steps of several input pixels: "
            "multiply its d * (k - 1) by the jump, the product of the strides before it.",
        ),
        (
            receptive_variant(layers, jump_first=True),
            "A layer's own stride affects only the layers after it: add this "
            "layer's d * (k - 1) * jump first, then multiply jump by its stride.",
        ),
    ]


def random_stack():
    layers = []
    for _ in range(random_int(2, 4)):
        kernel, stride = random_int(1, 4), random_int(1, 2)
        if random_int(0, 2):
            layers.append(nn.Conv2d(1, 1, kernel, stride=stride, dilation=random_int(1, 2)))
        else:
            layers.append(nn.AvgPool2d(max(kernel, 2), stride=stride))
    return layers


def measured_receptive_field(layers):
    """The side of the square of inputs that the gradient of the first output reaches, with positive weights."""
    x = torch.ones(1, 1, 64, 64, requires_grad=True)
    out = x
    for layer in layers:
        if isinstance(layer, nn.Conv2d):
            out = F.conv2d(out, torch.ones_like(layer.weight), stride=layer.stride, dilation=layer.dilation)
        else:
            out = layer(out)
    (grad,) = torch.autograd.grad(out[0, 0, 0, 0], x)
    rows = grad[0, 0].abs().sum(dim=1).nonzero()
    return int(rows.max() - rows.min() + 1)


def parameter_mistakes(in_channels, out_channels, kernel_size, groups, bias):
    kh, kw = pair(kernel_size)
    bias_count = out_channels if bias else 0
    return [
        (
            out_channels * in_channels * kh * kw + bias_count,
            f"With groups={groups}, each filter sees only "
            "in_channels // groups channels: out_channels * (in_channels // groups) * kh * kw.",
        ),
        (
            out_channels * (in_channels // groups) * kh * kw + (0 if bias else out_channels),
            "With bias=True add one bias per output channel; with bias=False, none.",
        ),
        (out_channels * (in_channels // groups) * kh + bias_count, "A kernel has kh * kw taps, not kh."),
    ]
