"""Tensors. The lesson is README.md beside this file."""

import numpy as np
import pytest
import torch

from katas.testing import (
    distinct_sizes,
    expect_close,
    expect_dtype,
    expect_equal,
    expect_shape,
    expect_tensor,
    explained_call,
    global_generator_use,
    kata_module,
    random_int,
    random_shape,
)

module = kata_module(__file__)


# Task 1: Creating tensors


@pytest.mark.task(1)
@pytest.mark.parametrize(
    ("data", "dtype"),
    [([3, 1, 4], torch.int64), ([[0.5, 1.5], [2.5, 3.5], [4.5, 5.5]], torch.float32), ([True, False], torch.bool)],
    ids=["ints", "nested-floats", "bools"],
)
def test_from_data_keeps_the_shape_and_infers_the_dtype(data, dtype):
    hint = "torch.tensor(data) infers the dtype from the data; the class torch.Tensor(data) always makes float32."
    expect_equal(module.from_data(data), torch.tensor(data, dtype=dtype), f"from_data({data})", hint)


@pytest.mark.task(1)
@pytest.mark.parametrize("value", [7, -2.5], ids=["int", "float"])
def test_constant_fills_every_entry_and_takes_its_dtype_from_the_value(value):
    shape = random_shape(3)
    result = module.constant(shape, value)
    expect_equal(result, torch.full(shape, value), f"constant({shape}, {value})")


@pytest.mark.task(1)
def test_ones_matrix_is_a_float_matrix_of_ones():
    rows, cols = distinct_sizes(2)  # never square: a swapped shape shows
    expect_equal(module.ones_matrix(rows, cols), torch.ones(rows, cols), f"ones_matrix({rows}, {cols})")


@pytest.mark.task(1)
@pytest.mark.parametrize(("start", "end", "step"), [(0, 5, 1), (2, 11, 3), (10, 0, -4), (4, 4, 1)])
def test_count_stops_before_the_end(start, end, step):
    expected = torch.tensor(list(range(start, end, step)), dtype=torch.int64)
    hint = "Like range: start, start + step, ... stopping before end. Even an empty range holds integers: int64."
    expect_equal(module.count(start, end, step), expected, f"count({start}, {end}, {step})", hint)


@pytest.mark.task(1)
@pytest.mark.parametrize("case", ["int32", "float64-with-inf-and-nan", "float16-on-the-meta-device"])
def test_zeros_matching_copies_shape_and_dtype_but_not_values(case):
    dtype = {"int32": torch.int32, "float64-with-inf-and-nan": torch.float64}.get(case, torch.float16)
    x = (torch.rand(random_shape(2, low=2)) * 100).to(dtype)
    if case == "float64-with-inf-and-nan":
        x[0, :2] = torch.tensor([float("inf"), float("nan")])
    x = x.to("meta") if case.endswith("meta-device") else x
    call = f"zeros_matching(<{dtype} tensor on {x.device.type}>)"
    result = expect_tensor(module.zeros_matching(x), call)
    assert result.device == x.device, (
        f"{call} put the zeros on {result.device}: they belong on the device of x. The *_like functions copy "
        "shape, dtype and device; torch.zeros(x.shape, dtype=x.dtype) makes them on the CPU."
    )
    expected = torch.zeros(x.shape, dtype=dtype, device=x.device)
    if x.device.type == "meta":  # a meta tensor has a shape and a dtype, but no values
        expect_shape(result, x.shape, call)
        expect_dtype(result, dtype, call)
    else:
        hint = ""
        if result.dtype != dtype:
            made = "float32 zeros" if result.dtype == torch.float32 else f"{result.dtype} zeros"
            hint = f"Your code made {made} for a {dtype} x; take x's dtype too (torch.zeros_like(x) does)."
        from_values = (
            "Zeros made from x's values go wrong where x holds inf or nan (0 * inf is nan): use x's shape only."
        )
        expect_close(result, expected, call, rtol=0, atol=0, hint=hint, mistakes=[(x * 0, from_values)] * (not hint))


@pytest.mark.task(1)
@pytest.mark.parametrize("dtype", [torch.float64, torch.int16], ids=str)
def test_buffer_has_the_requested_shape_and_dtype(dtype):
    shape = random_shape(3)
    result = module.buffer(shape, dtype)
    expect_shape(result, shape, f"buffer({shape}, {dtype})")
    expect_dtype(result, dtype, f"buffer({shape}, {dtype})")


# Task 2: Dtypes and casting


@pytest.mark.task(2)
@pytest.mark.parametrize("case", ["random-matrix", "mean-half-way-below-zero", "0-d"])
def test_average_of_integers_is_a_float32_mean(case):
    x = {
        "random-matrix": torch.randint(-50, 50, random_shape(2, low=2)),
        "mean-half-way-below-zero": torch.tensor([[-3, -4], [-2, -5]]),  # -3.5: neither -4 (floor) nor -3 (trunc)
        "0-d": torch.tensor(random_int(-50, 50)),
    }[case]
    expect_close(
        module.average(x),
        x.double().mean().float(),
        f"average(<int64 tensor of shape {tuple(x.shape)}>)",
        hint="The mean is the sum over *every* element divided by x.numel() (len(x) counts rows only), "
        "computed in floats: cast first, then average.",
    )


@pytest.mark.task(2)
@pytest.mark.parametrize(
    ("value", "pixel"),
    [(0.0, 0), (1.0, 255), (0.5, 128), (0.999, 255), (0.001, 0), (0.998, 254), (1.7, 255), (-0.4, 0)],
    ids=[
        "black",
        "white",
        "mid-grey",
        "rounds-not-truncates",
        "rounds-down-near-black",
        "rounds-down-near-white",
        "clamps-above-1",
        "clamps-below-0",
    ],
)
def test_to_pixels_rounds_and_clamps_into_uint8(value, pixel):
    result = module.to_pixels(torch.tensor([value]))
    hint = f"255 * {value} is {255 * value:.3f}: clamp into [0, 1], scale, round to the nearest integer, then cast."
    expect_equal(result, torch.tensor([pixel], dtype=torch.uint8), f"to_pixels(tensor([{value}]))", hint)


# Task 3: Shapes


@pytest.mark.task(3)
@pytest.mark.parametrize(
    "shape", [(), (0, 3), (4,), (2, 3, 5), "every-other-column"], ids=["0-d", "empty", "1-d", "3-d", "a-slice"]
)
def test_shape_summary_reports_shape_ndim_and_element_count(shape):
    x = torch.zeros(shape) if isinstance(shape, tuple) else torch.zeros(4, 6)[:, ::2]  # a view of 12 of 24 numbers
    expected = ((4, 3), 2, 12) if shape == "every-other-column" else (shape, len(shape), x.numel())
    got = module.shape_summary(x)
    slice_of_more = " (a slice shares a larger block of memory: its memory does not tell how many elements it has)"
    assert isinstance(got, tuple) and tuple(got) == expected, (
        f"shape_summary(<tensor of shape {expected[0]}>) should return (shape, ndim, number of elements).\n"
        f"  expected: {expected}\n  got:      {got}\nAsk the tensor itself: x.shape, x.ndim, x.numel()"
        + slice_of_more * (shape == "every-other-column" and not (isinstance(got, tuple) and got[2:] == (12,)))
        + "."
    )


# Task 4: Indexing, masks and .item()


@pytest.mark.task(4)
def test_first_column_takes_index_zero_of_every_row():
    rows, cols = random_shape(2, low=2)
    x = torch.randn(rows, cols + 1)  # never square: the first row is not the first column
    expect_equal(module.first_column(x), x[:, 0].clone(), f"first_column(<{rows}x{cols + 1} tensor>)")


@pytest.mark.task(4)
def test_positive_entries_keeps_only_positive_values_in_order():
    x = torch.randn(random_shape(2, low=2))
    x[0, :2] = torch.tensor([0.0, -0.0])  # zero is not positive
    hint = "Greater than zero: x > 0. Zero itself is not positive (x >= 0 keeps it)."
    expect_equal(module.positive_entries(x), x[x > 0].clone(), "positive_entries(x), x holding 0.0 and -0.0,", hint)


@pytest.mark.task(4)
def test_without_negatives_zeroes_negatives_and_leaves_the_input_alone():
    x = torch.randn(random_shape(2, low=2))
    x[0, :3] = torch.tensor([float("-inf"), float("inf"), 0.0])  # -inf is negative too
    original = x.clone()
    hint = "Every negative entry, -inf included, becomes 0; positive ones, inf included, stay as they are."
    masked = "x * (x > 0) turns -inf into nan (-inf * 0 is nan): choose with torch.where or clamp instead."
    call = "without_negatives(x), x holding -inf, inf and 0.0,"
    expected = torch.where(x > 0, x, 0.0)
    expect_close(
        module.without_negatives(x), expected, call, rtol=0, atol=0, hint=hint, mistakes=[(x * (x > 0), masked)]
    )
    assert torch.equal(x, original), (
        "without_negatives(x) changed x itself: it should return a new tensor. "
        "Assigning through a mask (x[mask] = 0) writes into x."
    )


@pytest.mark.task(4)
@pytest.mark.parametrize("shape", [(1,), (), (1, 1)], ids=["1-d", "0-d", "1x1"])
@pytest.mark.parametrize("value", [2.5, 7], ids=["float", "int"])
def test_as_number_returns_a_python_number_of_the_same_kind(value, shape):
    x = torch.tensor(value).reshape(shape)
    any_shape = (
        "A one-element tensor may have any shape, 0-d included: x.item() reads them all; x[0] needs a dimension."
    )
    got = explained_call(module.as_number, x, call=f"as_number({x!r})", explanations={"": any_shape})
    why = {
        torch.Tensor: " Indexing a tensor gives a tensor, not a Python number.",
        list: " x.tolist() of a tensor with dimensions gives a list.",
        float: " float(x) makes every number a float.",
        int: " int(x) makes every number an int, and drops the fraction.",
    }
    assert type(got) is type(value) and got == value, (
        f"as_number({x!r}) should return the Python {type(value).__name__} {value!r}, "
        f"but returned {type(got).__name__} {got!r}."
        + next((text for kind, text in why.items() if isinstance(got, kind) and type(got) is not type(value)), "")
        + " x.item() reads a one-element tensor of any shape as the Python number of its kind."
    )


# Task 5: Element-wise arithmetic and matrix products


@pytest.mark.task(5)
def test_matrix_product_multiplies_rows_by_columns_not_element_by_element():
    n, k, m = random_shape(3, low=2)
    for a, b in [(torch.randn(n, k), torch.randn(k, m)), (torch.randn(n, n), torch.randn(n, n))]:
        expected = torch.einsum("ik,kj->ij", a, b)
        expect_close(module.matrix_product(a, b), expected, f"matrix_product(<{tuple(a.shape)}>, <{tuple(b.shape)}>)")


# Task 6: In-place operations


@pytest.mark.task(6)
def test_scale_in_place_changes_the_tensor_it_was_given():
    x = torch.randn(random_shape(2))
    first_row = x[0]  # a view: it shares x's memory
    expected = x * 3
    original = x.clone()
    result = module.scale_in_place(x, 3)
    unchanged = torch.equal(x, original)
    assert torch.allclose(x, expected), (
        "After scale_in_place(x, 3), x itself should be 3 times larger, but it "
        + ("is unchanged: `x = x * 3` makes a new tensor. " if unchanged else "holds other values. ")
        + "An in-place method (x.mul_(factor)) changes the tensor you were given."
    )
    assert result is x, "scale_in_place(x, 3) should return x itself (in-place methods like mul_ return their tensor)."
    assert torch.allclose(first_row, expected[0]), (
        "After scale_in_place(x, 3), x[0] taken before the call (a view of x) still holds the old values: x was "
        "given new memory (x.data = ... or x.set_(...)) instead of having its own numbers changed. Use x.mul_(factor)."
    )


@pytest.mark.task(6)
def test_scaled_returns_a_new_tensor_and_leaves_the_input_alone():
    x = torch.randn(random_shape(2))
    original = x.clone()
    expect_close(module.scaled(x, 3), original * 3, "scaled(x, 3)")
    assert torch.equal(x, original), "scaled(x, 3) changed x itself: `*` makes a new tensor, `mul_` overwrites x."


# Task 7: The NumPy bridge


@pytest.mark.task(7)
def test_share_memory_with_sees_later_changes_to_the_array():
    array = np.random.rand(*random_shape(2))
    result = expect_tensor(module.share_memory_with(array), "share_memory_with(array)")
    expect_dtype(result, torch.float64, "share_memory_with(<float64 array>)")
    array[0, 0] = 42.0
    assert result[0, 0].item() == 42.0, (
        "After array[0, 0] = 42, the tensor from share_memory_with(array) still holds the old value: "
        "it copied the data instead of sharing it."
    )


@pytest.mark.task(7)
def test_copy_of_does_not_see_later_changes_to_the_array():
    array = np.random.rand(*random_shape(2))
    result = expect_tensor(module.copy_of(array), "copy_of(array)")
    expect_close(result, torch.tensor(array), "copy_of(array)")
    array[0, 0] = 42.0
    assert result[0, 0].item() != 42.0, (
        "After array[0, 0] = 42, the tensor from copy_of(array) changed too: it shares memory."
    )


@pytest.mark.task(7)
def test_to_numpy_works_on_a_tensor_that_requires_grad():
    x = torch.randn(random_shape(2), requires_grad=True)
    result = module.to_numpy(x)
    assert isinstance(result, np.ndarray), f"to_numpy(x) should return a numpy.ndarray, got {type(result).__name__}."
    np.testing.assert_allclose(result, x.detach().numpy(), err_msg="to_numpy(x) returned the wrong values.")
    assert result.dtype == np.float32, (
        f"to_numpy(<float32 tensor>) returned a {result.dtype} array: the numbers should keep their dtype. "
        "x.numpy() keeps it; a detour through Python lists (tolist) turns float32 into float64."
    )


@pytest.mark.task(7)
@pytest.mark.gpu
def test_to_numpy_brings_a_gpu_tensor_back_to_the_cpu(gpu):
    x = torch.randn(random_shape(2), device=gpu)
    result = module.to_numpy(x)
    assert isinstance(result, np.ndarray), f"to_numpy(x) should return a numpy.ndarray, got {type(result).__name__}."
    np.testing.assert_allclose(result, x.cpu().numpy(), err_msg="to_numpy(<GPU tensor>) returned the wrong values.")


# Task 8: Devices and reproducible randomness


@pytest.mark.task(8)
@pytest.mark.parametrize("where", ["cpu", "meta", pytest.param("gpu", marks=pytest.mark.gpu)])
def test_zeros_on_creates_the_tensor_on_the_requested_device(where, request):
    device = request.getfixturevalue("gpu") if where == "gpu" else torch.device(where)
    shape = random_shape(2)
    result = expect_tensor(module.zeros_on(shape, device), f"zeros_on({shape}, {device})")
    assert result.device.type == device.type, f"zeros_on({shape}, {device}) put the tensor on {result.device}."
    expect_shape(result, shape, f"zeros_on({shape}, {device})")
    if device.type != "meta":  # a meta tensor has a shape but no values
        expect_equal(result.cpu(), torch.zeros(shape), f"zeros_on({shape}, {device})")


@pytest.mark.task(8)
def test_move_like_takes_the_device_and_dtype_of_the_other_tensor(device):
    x = torch.randn(random_shape(2), dtype=torch.float64)
    other = torch.zeros(1, dtype=torch.float16, device=device)
    result = expect_tensor(module.move_like(x, other), "move_like(x, other)")
    assert result.device.type == device.type, f"move_like(x, <tensor on {device}>) left the result on {result.device}."
    expect_close(result, x.to(device, torch.float16), f"move_like(<float64 x>, <float16 other on {device}>)")
    on_meta = expect_tensor(module.move_like(x, other.to("meta")), "move_like(x, <float16 tensor on meta>)")
    assert on_meta.device.type == "meta" and on_meta.dtype == torch.float16, (
        f"move_like(<float64 x on cpu>, <float16 tensor on meta>) returned a {on_meta.dtype} tensor on "
        f"{on_meta.device}: take both the device and the dtype of other (x.to(other) does)."
    )


@pytest.mark.task(8)
def test_uniform_draws_from_zero_to_one_using_the_generator_it_is_given():
    shape = random_shape(2, low=50, high=100)
    state, generator = torch.get_rng_state(), torch.Generator().manual_seed(7)
    first = module.uniform(shape, generator)
    expect_shape(first, shape, f"uniform({shape}, generator)")
    assert first.min() >= 0 and first.max() < 1, (
        f"uniform(...) should lie in [0, 1); got {first.min():.3f} .. {first.max():.3f}."
    )
    assert torch.equal(torch.get_rng_state(), state), (
        "uniform(shape, generator) changed torch's global random state: "
        + global_generator_use(state, 7, lambda g: torch.equal(first, torch.rand(first.shape, generator=g)))
        + "Draw from the generator you are given: torch.rand(shape, generator=generator)."
    )
    mean, std = first.mean().item(), first.std().item()
    assert abs(mean - 0.5) < 0.03 and abs(std - 12**-0.5) < 0.02, (
        f"uniform(...) should be uniform on [0, 1) (mean 0.5, std 0.289); got mean {mean:.3f}, std {std:.3f}. "
        "torch.rand is uniform; transforming its values (or squashing normal ones) changes the distribution."
    )
    assert not torch.equal(module.uniform(shape, generator), first), (
        "uniform(shape, generator) called twice with the same generator gave the same values: draw from that "
        "generator itself, which moves on with every draw, not from a new one seeded like it."
    )
    torch.rand(10)  # move the global generator on: it must not matter
    again = module.uniform(shape, torch.Generator().manual_seed(7))
    expect_equal(
        again,
        first,
        "uniform(shape, torch.Generator().manual_seed(7)) called twice",
        hint="Two generators seeded alike give the same numbers: draw every number from the generator you are given "
        "(torch.rand(shape, generator=generator)).",
    )


@pytest.mark.task(8)
def test_reproducible_noise_repeats_for_a_seed_and_leaves_the_global_generator_alone():
    state = torch.get_rng_state()
    first = module.reproducible_noise((4, 5), seed=3)
    assert torch.equal(torch.get_rng_state(), state), (
        "reproducible_noise((4, 5), seed=3) changed torch's global random state: "
        + global_generator_use(state, 3, lambda g: torch.equal(first, torch.randn(first.shape, generator=g)))
        + "Draw from a torch.Generator of its own, so the caller's randomness is untouched: "
        "torch.randn(shape, generator=torch.Generator().manual_seed(seed))."
    )
    expect_equal(module.reproducible_noise((4, 5), seed=3), first, "reproducible_noise((4, 5), seed=3) called twice")
    different = module.reproducible_noise((4, 5), seed=4)
    assert not torch.equal(different, first), "reproducible_noise gave the same values for seeds 3 and 4."


@pytest.mark.task(8)
def test_reproducible_noise_is_standard_normal():
    sample = expect_tensor(module.reproducible_noise((200_000,), seed=0), "reproducible_noise((200_000,), seed=0)")
    mean, std = sample.mean().item(), sample.std().item()
    assert abs(mean) < 0.01 and abs(std - 1) < 0.01, (
        f"reproducible_noise should draw from a standard normal (mean 0, std 1); got mean {mean:.3f}, std {std:.3f}. "
        "torch.rand is uniform on [0, 1); torch.randn is normal."
    )
